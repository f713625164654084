import { proxyByTenant } from '@/server/proxy.ts';
import { patchTenantBody } from '@/server/schemas.ts';

export const GET = proxyByTenant((tenant) => ({
  method: 'GET',
  scope: 'admin',
  path: `/admin/tenants/${tenant}`,
}));

export const PATCH = proxyByTenant((tenant) => ({
  method: 'PATCH',
  scope: 'admin',
  path: `/admin/tenants/${tenant}`,
  body: patchTenantBody,
}));

export const DELETE = proxyByTenant((tenant) => ({
  method: 'DELETE',
  scope: 'admin',
  path: `/admin/tenants/${tenant}`,
}));
