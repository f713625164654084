import type { NextRequest } from 'next/server';
import { checkTenantParam, proxy } from '@/server/proxy.ts';
import { patchTenantBody } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ tenant: string }>;
}

export async function GET(req: NextRequest, ctx: Context): Promise<Response> {
  const tenant = checkTenantParam((await ctx.params).tenant);
  if (!tenant.ok) return tenant.response;
  return proxy(req, { method: 'GET', scope: 'admin', path: `/admin/tenants/${tenant.value}` });
}

export async function PATCH(req: NextRequest, ctx: Context): Promise<Response> {
  const tenant = checkTenantParam((await ctx.params).tenant);
  if (!tenant.ok) return tenant.response;
  return proxy(req, {
    method: 'PATCH',
    scope: 'admin',
    path: `/admin/tenants/${tenant.value}`,
    body: patchTenantBody,
  });
}

export async function DELETE(req: NextRequest, ctx: Context): Promise<Response> {
  const tenant = checkTenantParam((await ctx.params).tenant);
  if (!tenant.ok) return tenant.response;
  return proxy(req, { method: 'DELETE', scope: 'admin', path: `/admin/tenants/${tenant.value}` });
}
