import { proxyByTenant } from '@/server/proxy.ts';
import { logsQuery } from '@/server/schemas.ts';

export const GET = proxyByTenant((tenant) => ({
  method: 'GET',
  scope: 'admin',
  path: `/admin/tenants/${tenant}/logs`,
  query: logsQuery,
}));
