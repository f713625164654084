import type { NextRequest } from 'next/server';
import { checkTenantParam, proxy } from '@/server/proxy.ts';
import { logsQuery } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ tenant: string }>;
}

export async function GET(req: NextRequest, ctx: Context): Promise<Response> {
  const tenant = checkTenantParam((await ctx.params).tenant);
  if (!tenant.ok) return tenant.response;
  return proxy(req, { method: 'GET', scope: 'admin', path: `/admin/tenants/${tenant.value}/logs`, query: logsQuery });
}
