import { Prisma, type DbClient } from '@wa-fleet/db';
import type { RouteQuery } from '@wa-fleet/contract';
import { AppError } from '../errors.ts';
import { richFields } from './message-media.ts';

// The message list and single-message reads of one tenant, shared by the portal
// (GET /portal/tenant/current/logs, .../logs/export) and the public API (GET /v1/messages,
// /v1/messages/:id), so all of them filter, order and page the same way.
//
// The list is one SQL statement (built with Prisma.sql, values always bound as parameters):
// - no q: newest first, keyset-paged with the row value (created_at, id) < ($1, $2), served by the
//   index (tenant_id, created_at DESC, id DESC) at any depth;
// - q: full-text search on body_tsv (to_tsvector('simple', body), GIN (tenant_id, body_tsv)), every word
//   of q a prefix of a word of the text; q with 3 or more digits also matches from/to numbers containing
//   them (trigram GIN indexes). sort=relevance (the default with q) orders by ts_rank, then newest, and
//   pages on (rank, created_at, id).

export type MessageListQuery = RouteQuery<'GET /portal/tenant/current/logs'>;
export type MessageFilter = Omit<MessageListQuery, 'limit' | 'cursor' | 'sort'>;
export type MessageRow = Prisma.MessageLogGetPayload<object>;
type EditRow = { previousBody: string; editedAt: Date };

/** What a message read includes to show a message's earlier texts (oldest first). */
export const EDITS_INCLUDE = {
  edits: { select: { previousBody: true, editedAt: true }, orderBy: { editedAt: 'asc' } },
} satisfies Prisma.MessageLogInclude;

/** `m.edits` when the read included them (EDITS_INCLUDE or withEdits); none otherwise. */
export function toMessageDto(m: MessageRow & { edits?: EditRow[] }) {
  return {
    id: m.id,
    direction: m.direction,
    from: m.fromNumber,
    to: m.toNumber,
    body: m.body,
    status: m.status,
    error: m.error,
    waMessageId: m.waMessageId,
    idempotencyKey: m.idempotencyKey,
    replyToId: m.replyToId,
    attempts: m.attempts,
    sentBy: m.sentByKind ? { kind: m.sentByKind, id: m.sentById, label: m.sentByLabel } : null,
    editedAt: m.editedAt?.toISOString() ?? null,
    edits: (m.edits ?? []).map((e) => ({ previousBody: e.previousBody, editedAt: e.editedAt.toISOString() })),
    deletedAt: m.deletedAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    ...richFields(m),
  };
}

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Every scalar column of message_logs under its Prisma field name (the schema maps fooBar to foo_bar),
 * so a raw read gives the row findMany would and toMessageDto reads a column added later without edits.
 */
export const MESSAGE_COLUMNS = Prisma.raw(
  Object.keys(Prisma.MessageLogScalarFieldEnum)
    .map((field) => `m."${snakeCase(field)}" AS "${field}"`)
    .join(', '),
);

/** Highlight markers handed to ts_headline: private-use characters that ordinary text never holds. */
const MARK_START = '\uE000';
const MARK_END = '\uE001';
const HEADLINE_OPTIONS = `HighlightAll=true, StartSel=${MARK_START}, StopSel=${MARK_END}`;

export interface Highlight {
  start: number;
  end: number;
}

/** The [start, end) ranges ts_headline marked, as offsets into the original text. */
export function highlightsOf(body: string, headline: string | null): Highlight[] {
  if (!headline || body.includes(MARK_START) || body.includes(MARK_END)) return [];
  const out: Highlight[] = [];
  let plain = 0;
  let start = -1;
  for (const ch of headline) {
    if (ch === MARK_START) start = plain;
    else if (ch === MARK_END) {
      if (start >= 0 && plain > start) out.push({ start, end: plain });
      start = -1;
    } else plain += ch.length;
  }
  // ts_headline keeps the text as it was; if it ever did not, no ranges rather than wrong ones.
  return plain === body.length ? out : [];
}

interface Search {
  q: string;
  /** The digits of q when it reads as (part of) a phone number. */
  digits: string | null;
}

function searchOf(q: string | undefined): Search | undefined {
  if (q === undefined) return undefined;
  if (!/[\p{L}\p{N}]/u.test(q)) {
    throw new AppError('VALIDATION_ERROR', 'querystring/q must contain a letter or a digit');
  }
  const compact = q.replace(/[\s()+\-.]/g, '');
  return { q, digits: /^[0-9]{3,}$/.test(compact) ? compact : null };
}

/** The tsquery of q: each of its words (as the 'simple' parser splits them) as a prefix, all required. */
const tsquerySql = (q: string) =>
  Prisma.sql`(SELECT to_tsquery('simple', string_agg(quote_literal(lexeme) || ':*', ' & '))
     FROM unnest(to_tsvector('simple', ${q}::text)))`;

/** WHERE conditions of a filter (tenant first), without the keyset part. */
function filterConditions(tenantId: string, filter: MessageFilter, search: Search | undefined) {
  const where: Prisma.Sql[] = [Prisma.sql`m.tenant_id = ${tenantId}::uuid`];
  if (filter.direction) where.push(Prisma.sql`m.direction = ${filter.direction}::"MessageDirection"`);
  if (filter.status) where.push(Prisma.sql`m.status = ${filter.status}::"MessageStatus"`);
  if (filter.type) where.push(Prisma.sql`m.type = ${filter.type}::"MessageType"`);
  if (filter.from) where.push(Prisma.sql`m.created_at >= ${filter.from}::timestamptz`);
  if (filter.to) where.push(Prisma.sql`m.created_at < ${filter.to}::timestamptz`);
  if (search) {
    const text = Prisma.sql`m.body_tsv @@ (SELECT query FROM search)`;
    if (search.digits) {
      const like = `%${search.digits}%`;
      where.push(Prisma.sql`(${text} OR m.from_number LIKE ${like} OR m.to_number LIKE ${like})`);
    } else where.push(text);
  }
  return where;
}

interface Cursor {
  createdAt: string;
  id: string;
  /** Present on cursors of the relevance order. */
  rank?: number;
}

function encodeCursor(c: Cursor): string {
  const parts = [c.createdAt, c.id, ...(c.rank === undefined ? [] : [String(c.rank)])];
  return Buffer.from(parts.join('|')).toString('base64url');
}

function decodeCursor(cursor: string, isRelevance: boolean): Cursor {
  const [time, id, rank, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = time ? new Date(time) : undefined;
  const rankValue = rank === undefined ? undefined : Number(rank);
  const isValid =
    createdAt !== undefined &&
    !Number.isNaN(createdAt.getTime()) &&
    !!id &&
    /^[0-9a-f-]{36}$/i.test(id) &&
    rest.length === 0 &&
    (rankValue === undefined || Number.isFinite(rankValue));
  if (!isValid) throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor');
  if ((rankValue !== undefined) !== isRelevance) {
    throw new AppError('VALIDATION_ERROR', 'querystring/cursor belongs to another sort order or search');
  }
  return { createdAt: createdAt.toISOString(), id, ...(rankValue === undefined ? {} : { rank: rankValue }) };
}

type ListRow = MessageRow & { rank?: number; headline?: string | null };

/** The SQL of one page (limit + 1 rows, to know whether there is a next page). Exported for the benchmark. */
export function messagePageSql(tenantId: string, query: MessageListQuery): Prisma.Sql {
  const search = searchOf(query.q);
  const isRelevance = search !== undefined && query.sort !== 'newest';
  const limit = query.limit ?? 50;
  const where = filterConditions(tenantId, query, search);
  const rank = Prisma.sql`ts_rank(m.body_tsv, (SELECT query FROM search))`;
  if (query.cursor) {
    const c = decodeCursor(query.cursor, isRelevance);
    where.push(
      isRelevance
        ? Prisma.sql`(${rank}, m.created_at, m.id) < (${c.rank}::real, ${c.createdAt}::timestamptz, ${c.id}::uuid)`
        : Prisma.sql`(m.created_at, m.id) < (${c.createdAt}::timestamptz, ${c.id}::uuid)`,
    );
  }
  const whereSql = Prisma.join(where, ' AND ');
  if (!search) {
    return Prisma.sql`SELECT ${MESSAGE_COLUMNS} FROM message_logs m WHERE ${whereSql}
      ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit + 1}`;
  }
  const order = isRelevance
    ? Prisma.sql`"rank" DESC, "createdAt" DESC, "id" DESC`
    : Prisma.sql`"createdAt" DESC, "id" DESC`;
  // ts_headline runs on the page's rows only (the outer select), never on every match.
  return Prisma.sql`WITH search AS (SELECT ${tsquerySql(search.q)} AS query)
    SELECT page.*, ts_headline('simple', page."body", (SELECT query FROM search), ${HEADLINE_OPTIONS}) AS "headline"
    FROM (
      SELECT ${MESSAGE_COLUMNS}, ${rank} AS "rank" FROM message_logs m WHERE ${whereSql}
      ORDER BY ${order} LIMIT ${limit + 1}
    ) page
    ORDER BY ${order}`;
}

/** Rows read with raw SQL, given their earlier texts (one query, only for rows that were edited). */
export async function withEdits<R extends MessageRow>(
  db: DbClient,
  tenantId: string,
  rows: R[],
): Promise<(R & { edits: EditRow[] })[]> {
  const edited = rows.filter((r) => r.editedAt !== null).map((r) => r.id);
  const edits =
    edited.length === 0
      ? []
      : await db.messageEdit.findMany({
          where: { tenantId, messageId: { in: edited } },
          select: { messageId: true, previousBody: true, editedAt: true },
          orderBy: { editedAt: 'asc' },
        });
  const byMessage = new Map<string, EditRow[]>();
  for (const e of edits) byMessage.set(e.messageId, [...(byMessage.get(e.messageId) ?? []), e]);
  return rows.map((r) => ({ ...r, edits: byMessage.get(r.id) ?? [] }));
}

/** One page of a tenant's messages: newest first, or best match first when searching. */
export async function listTenantMessages(db: DbClient, tenantId: string, query: MessageListQuery) {
  const limit = query.limit ?? 50;
  const isSearch = query.q !== undefined;
  const isRelevance = isSearch && query.sort !== 'newest';
  const rows = await db.$queryRaw<ListRow[]>(messagePageSql(tenantId, query));
  const page = await withEdits(db, tenantId, rows.slice(0, limit));
  const last = page.at(-1);
  return {
    items: page.map((row) => {
      const dto = toMessageDto(row);
      return isSearch ? { ...dto, highlights: highlightsOf(row.body, row.headline ?? null) } : dto;
    }),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor({
            createdAt: last.createdAt.toISOString(),
            id: last.id,
            ...(isRelevance ? { rank: Number(last.rank) } : {}),
          })
        : null,
  };
}

/** The export's statement: every row of the filter, newest first (no paging: one cursor reads it all). */
export function messageExportSql(tenantId: string, filter: MessageFilter): Prisma.Sql {
  const search = searchOf(filter.q);
  const whereSql = Prisma.join(filterConditions(tenantId, filter, search), ' AND ');
  const withSearch = search
    ? Prisma.sql`WITH search AS (SELECT ${tsquerySql(search.q)} AS query) `
    : Prisma.empty;
  return Prisma.sql`${withSearch}SELECT ${MESSAGE_COLUMNS} FROM message_logs m WHERE ${whereSql}
    ORDER BY m.created_at DESC, m.id DESC`;
}

/** How many rows the export would hold, counted up to `cap + 1` (enough to tell "too many"). */
export function messageExportCountSql(tenantId: string, filter: MessageFilter, cap: number): Prisma.Sql {
  const search = searchOf(filter.q);
  const whereSql = Prisma.join(filterConditions(tenantId, filter, search), ' AND ');
  const withSearch = search
    ? Prisma.sql`WITH search AS (SELECT ${tsquerySql(search.q)} AS query) `
    : Prisma.empty;
  return Prisma.sql`${withSearch}SELECT count(*)::int AS n FROM
    (SELECT 1 FROM message_logs m WHERE ${whereSql} LIMIT ${cap + 1}) capped`;
}

/** One message of the tenant, or undefined: another tenant's id is as unknown as a made-up one. */
export async function findTenantMessage(db: DbClient, tenantId: string, id: string) {
  const row = await db.messageLog.findFirst({ where: { id, tenantId }, include: EDITS_INCLUDE });
  return row ? toMessageDto(row) : undefined;
}
