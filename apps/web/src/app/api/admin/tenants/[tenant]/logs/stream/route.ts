import type { NextRequest } from 'next/server';
import { callControlPlane } from '@/server/control-plane.ts';
import { checkTenantParam, parseQuery, relay, withUser } from '@/server/proxy.ts';
import { logStreamQuery } from '@/server/schemas.ts';

export const dynamic = 'force-dynamic';

interface Context {
  params: Promise<{ tenant: string }>;
}

/**
 * Relays the control plane's Server-Sent Events log stream byte for byte. The browser's disconnect
 * aborts the upstream request (req.signal), so no stream outlives the page that opened it.
 */
export async function GET(req: NextRequest, ctx: Context): Promise<Response> {
  const tenant = checkTenantParam((await ctx.params).tenant);
  if (!tenant.ok) return tenant.response;
  return withUser(req, async (session) => {
    const query = parseQuery(req, logStreamQuery);
    if (!query.ok) return query.response;
    const upstream = await callControlPlane({
      path: `/admin/tenants/${tenant.value}/logs/stream`,
      query: { level: query.value.level, lines: query.value.lines },
      sessionToken: session.token,
      accept: 'text/event-stream',
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
