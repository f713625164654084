import type { NextRequest } from 'next/server';
import { checkRequestPart } from '@wa-fleet/contract';
import { openRoute } from '@/server/control-plane.ts';
import { identityOf, jsonError, parseQuery, relay, withUser } from '@/server/proxy.ts';

export const dynamic = 'force-dynamic';

const ROUTE = 'GET /admin/tenants/:tenant/logs/stream';

interface Context {
  params: Promise<{ tenant: string }>;
}

/**
 * Relays the control plane's Server-Sent Events log stream byte for byte. The browser's disconnect
 * aborts the upstream request (req.signal), so no stream outlives the page that opened it.
 */
export async function GET(req: NextRequest, ctx: Context): Promise<Response> {
  const params = checkRequestPart(ROUTE, 'params', await ctx.params);
  if (!params.ok) return jsonError(400, 'VALIDATION_ERROR', params.message);
  return withUser(req, async (session) => {
    const query = parseQuery(req, ROUTE);
    if (!query.ok) return query.response;
    const upstream = await openRoute(ROUTE, {
      params: params.value,
      query: query.value,
      as: identityOf(session),
      signal: req.signal,
    });
    if (!upstream.ok || !upstream.body) return relay(upstream);
    return new Response(upstream.body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        'x-accel-buffering': 'no',
      },
    });
  });
}
