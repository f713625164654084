import { streamRoute } from '@/server/proxy.ts';

export const dynamic = 'force-dynamic';

const ROUTE = 'GET /admin/tenants/:tenant/logs/stream';

/**
 * Relays the control plane's Server-Sent Events log stream byte for byte. The browser's disconnect
 * aborts the upstream request (req.signal), so no stream outlives the page that opened it.
 */
export const GET = streamRoute(
  ROUTE,
  (upstream) =>
    new Response(upstream.body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        'x-accel-buffering': 'no',
      },
    }),
);
