import type { NextRequest } from 'next/server';
import { WORKER_ACTIONS } from '@wa-fleet/contract';
import { jsonError, proxyRoute } from '@/server/proxy.ts';

const handlers = {
  start: proxyRoute('POST /admin/tenants/:tenant/worker/start'),
  stop: proxyRoute('POST /admin/tenants/:tenant/worker/stop'),
  restart: proxyRoute('POST /admin/tenants/:tenant/worker/restart'),
};

interface Context {
  params: Promise<{ tenant: string; action: string }>;
}

export async function POST(req: NextRequest, ctx: Context): Promise<Response> {
  const { tenant, action } = await ctx.params;
  const known = WORKER_ACTIONS.find((a) => a === action);
  if (!known) {
    return jsonError(400, 'VALIDATION_ERROR', `params/action must be one of ${WORKER_ACTIONS.join(', ')}`);
  }
  return handlers[known](req, { params: Promise.resolve({ tenant }) });
}
