import { streamRoute } from '@/server/proxy.ts';

const ROUTE = 'GET /portal/tenant/current/logs/export';

/**
 * CSV of every message matching the current filter. The control plane writes it from one database
 * cursor; this handler only relays the bytes as they come (memory stays flat whatever the count). An
 * export over the control plane's MESSAGE_EXPORT_MAX_ROWS is refused (413) before any row is sent; the
 * Messages page asks GET .../export/size first, so it can say so instead of starting the download.
 */
export const GET = streamRoute(ROUTE, (upstream) => {
  const type = upstream.headers.get('content-type') ?? '';
  if (!type.startsWith('text/csv')) return null;
  return new Response(upstream.body, {
    headers: {
      'content-type': type,
      'content-disposition':
        upstream.headers.get('content-disposition') ?? 'attachment; filename="messages.csv"',
      'cache-control': 'no-store',
    },
  });
});
