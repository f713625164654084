import { proxyById } from '@/server/proxy.ts';
import { setupRequestPatch } from '@/server/schemas.ts';

export const PATCH = proxyById('setup request id', (id) => ({
  method: 'PATCH',
  scope: 'admin',
  path: `/admin/setup-requests/${id}`,
  body: setupRequestPatch,
}));
