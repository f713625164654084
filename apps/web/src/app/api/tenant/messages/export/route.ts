import type { NextRequest } from 'next/server';
import type { MessageDto, MessagePageDto } from '@wa-fleet/contract';
import { toCsvRow } from '@/lib/csv.ts';
import { callRoute, openRoute, type RouteInput } from '@/server/control-plane.ts';
import { identityOf, parseQuery, relay, withUser } from '@/server/proxy.ts';

const ROUTE = 'GET /portal/tenant/current/logs';
const PAGE_SIZE = 200;
/** A cap so one click cannot keep the portal and the database busy indefinitely. */
const MAX_ROWS = 100_000;
const COLUMNS = ['time', 'direction', 'from', 'to', 'status', 'text', 'error', 'id'] as const;

function toRow(item: MessageDto): string {
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
 * (keyset cursor) and streams rows as they come, so memory stays flat whatever the count. The filter is
 * the message list's query, checked against the same contract; its page size and cursor are ours.
 */
export function GET(req: NextRequest): Promise<Response> {
  return withUser(req, async (session) => {
    const parsed = parseQuery(req, ROUTE);
    if (!parsed.ok) return parsed.response;
    const { limit: _limit, cursor: _cursor, ...filter } = parsed.value ?? {};
    const pageInput = (cursor: string | undefined): RouteInput<typeof ROUTE> => ({
      query: { ...filter, limit: PAGE_SIZE, cursor },
      as: identityOf(session),
      signal: req.signal,
    });
    const first = await openRoute(ROUTE, pageInput(undefined));
    if (!first.ok) return relay(first);
    const firstPage = (await first.json()) as MessagePageDto;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          controller.enqueue(encoder.encode(toCsvRow(COLUMNS)));
          let page = firstPage;
          let written = 0;
          for (;;) {
            const chunk = page.items.slice(0, MAX_ROWS - written);
            if (chunk.length > 0) controller.enqueue(encoder.encode(chunk.map(toRow).join('')));
            written += chunk.length;
            if (!page.nextCursor || written >= MAX_ROWS) break;
            const next = await callRoute(ROUTE, pageInput(page.nextCursor));
            if (!next.ok) throw new Error(`control plane answered ${next.status} while exporting`);
            page = next.data;
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
