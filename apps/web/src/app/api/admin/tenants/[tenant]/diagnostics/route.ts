import { proxyByTenant } from '@/server/proxy.ts';

export const GET = proxyByTenant((tenant) => ({
  method: 'GET',
  scope: 'admin',
  path: `/admin/tenants/${tenant}/diagnostics`,
}));
