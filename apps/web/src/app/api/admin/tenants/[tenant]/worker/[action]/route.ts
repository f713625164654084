import type { NextRequest } from 'next/server';
import { checkTenantParam, jsonError, proxy } from '@/server/proxy.ts';
import { WORKER_ACTIONS } from '@/server/schemas.ts';

interface Context {
  params: Promise<{ tenant: string; action: string }>;
}

export async function POST(req: NextRequest, ctx: Context): Promise<Response> {
  const params = await ctx.params;
  const tenant = checkTenantParam(params.tenant);
  if (!tenant.ok) return tenant.response;
  const action = WORKER_ACTIONS.find((a) => a === params.action);
  if (!action) return jsonError(400, 'BAD_ACTION', `action must be one of ${WORKER_ACTIONS.join(', ')}`);
  return proxy(req, {
    method: 'POST',
    scope: 'admin',
    path: `/admin/tenants/${tenant.value}/worker/${action}`,
  });
}
