import type { NextRequest } from 'next/server';
import { openRoute } from '@/server/control-plane.ts';
import { identityOf, parseQuery, relay, withUser } from '@/server/proxy.ts';

const ROUTE = 'GET /portal/tenant/current/logs/export';

/**
 * CSV of every message matching the current filter. The control plane writes it from one database
 * cursor; this handler only relays the bytes as they come (memory stays flat whatever the count). An
 * export over the control plane's MESSAGE_EXPORT_MAX_ROWS is refused (413) before any row is sent.
 */
export function GET(req: NextRequest): Promise<Response> {
  return withUser(req, async (session) => {
    const parsed = parseQuery(req, ROUTE);
    if (!parsed.ok) return parsed.response;
    const upstream = await openRoute(ROUTE, {
      query: parsed.value ?? {},
      as: identityOf(session),
      signal: req.signal,
    });
    const type = upstream.headers.get('content-type') ?? '';
    if (!upstream.ok || !type.startsWith('text/csv') || !upstream.body) return relay(upstream);
    return new Response(upstream.body, {
      headers: {
        'content-type': type,
        'content-disposition':
          upstream.headers.get('content-disposition') ?? 'attachment; filename="messages.csv"',
        'cache-control': 'no-store',
      },
    });
  });
}
