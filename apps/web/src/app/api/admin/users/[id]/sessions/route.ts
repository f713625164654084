import { proxyRoute } from '@/server/proxy.ts';

/** "Sign out everywhere": the control plane ends every session of the user at once. */
export const DELETE = proxyRoute('DELETE /admin/users/:id/sessions');
