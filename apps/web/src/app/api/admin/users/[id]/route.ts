import { proxyById } from '@/server/proxy.ts';
import { patchUserBody } from '@/server/schemas.ts';

export const PATCH = proxyById('user id', (id) => ({
  method: 'PATCH',
  scope: 'admin',
  path: `/admin/users/${id}`,
  body: patchUserBody,
}));

export const DELETE = proxyById('user id', (id) => ({
  method: 'DELETE',
  scope: 'admin',
  path: `/admin/users/${id}`,
}));
