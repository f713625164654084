import type { NextRequest } from 'next/server';
import { toCsvRow } from '@/lib/csv.ts';
import { callControlPlane } from '@/server/control-plane.ts';
import { parseQuery, relay, withUser } from '@/server/proxy.ts';
import { messageFilterQuery } from '@/server/schemas.ts';

const PAGE_SIZE = 200;
/** A cap so one click cannot keep the portal and the database busy indefinitely. */
const MAX_ROWS = 100_000;
const COLUMNS = ['time', 'direction', 'from', 'to', 'status', 'text', 'error', 'id'] as const;

interface LogItem {
  id?: string;
  createdAt?: string;
  direction?: string;
  from?: string;
  to?: string;
  status?: string;
  body?: string;
  error?: string | null;
}

interface LogPage {
  items?: LogItem[];
  nextCursor?: string | null;
}

function toRow(item: LogItem): string {
  return toCsvRow([
    item.createdAt,
    item.direction,
    item.from,
    item.to,
    item.status,
    item.body,
    item.error,
    item.id,
  ]);
}

/**
 * CSV of every message matching the current filter: the portal pages through the control plane itself
 * (keyset cursor) and streams rows as they come, so memory stays flat whatever the count.
 */
export function GET(req: NextRequest): Promise<Response> {
  return withUser(req, async (session) => {
    const filter = parseQuery(req, messageFilterQuery);
    if (!filter.ok) return filter.response;
    const fetchPage = (cursor: string | undefined) =>
      callControlPlane({
        path: '/portal/tenant/current/logs',
        query: { ...filter.value, limit: PAGE_SIZE, cursor },
        sessionToken: session.token,
        tenant: session.tenantSlug,
        signal: req.signal,
      });
    const first = await fetchPage(undefined);
    if (!first.ok) return relay(first);
    const firstPage = (await first.json()) as LogPage;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          controller.enqueue(encoder.encode(toCsvRow(COLUMNS)));
          let page = firstPage;
          let written = 0;
          for (;;) {
            const items = page.items ?? [];
            const chunk = items.slice(0, MAX_ROWS - written);
            if (chunk.length > 0) controller.enqueue(encoder.encode(chunk.map(toRow).join('')));
            written += chunk.length;
            if (!page.nextCursor || written >= MAX_ROWS) break;
            const next = await fetchPage(page.nextCursor);
            if (!next.ok) throw new Error(`control plane answered ${next.status} while exporting`);
            page = (await next.json()) as LogPage;
          }
          controller.close();
        } catch (err) {
          controller.error(err);
        }
      },
    });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    const name = `messages-${session.tenantSlug ?? 'tenant'}-${stamp}.csv`;
    return new Response(stream, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
      },
    });
  });
}
