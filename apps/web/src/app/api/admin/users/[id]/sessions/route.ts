import { proxyById } from '@/server/proxy.ts';

/** "Sign out everywhere": the control plane ends every session of the user at once. */
export const DELETE = proxyById('user id', (id) => ({
  method: 'DELETE',
  scope: 'admin',
  path: `/admin/users/${id}/sessions`,
}));
