import type { DbClient, Prisma } from '@wa-fleet/db';
import type { RouteQuery } from '@wa-fleet/contract';
import { AppError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../routes/mappers.ts';
import { richFields } from './message-media.ts';

// The message list and single-message reads of one tenant, shared by the portal
// (GET /portal/tenant/current/logs) and the public API (GET /v1/messages, /v1/messages/:id), so both
// filter, order and page the same way.

export type MessageListQuery = RouteQuery<'GET /portal/tenant/current/logs'>;

export function toMessageDto(m: Prisma.MessageLogGetPayload<object>) {
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
    ...richFields(m),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

/** One page of a tenant's messages, newest first, keyset-paged on (created_at, id). */
export async function listTenantMessages(db: DbClient, tenantId: string, query: MessageListQuery) {
  const { cursor, direction, status, q, from, to } = query;
  const limit = query.limit ?? 50;
  const and: Prisma.MessageLogWhereInput[] = [{ tenantId }];
  if (direction) and.push({ direction });
  if (status) and.push({ status });
  if (query.type) and.push({ type: query.type });
  if (from) and.push({ createdAt: { gte: new Date(from) } });
  if (to) and.push({ createdAt: { lt: new Date(to) } });
  if (q) {
    and.push({
      OR: [
        { body: { contains: q, mode: 'insensitive' } },
        { fromNumber: { contains: q } },
        { toNumber: { contains: q } },
      ],
    });
  }
  if (cursor) {
    const c = decodeCursor(cursor);
    if (!c) throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor');
    and.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
  }
  const rows = await db.messageLog.findMany({
    where: { AND: and },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toMessageDto),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

/** One message of the tenant, or undefined: another tenant's id is as unknown as a made-up one. */
export async function findTenantMessage(db: DbClient, tenantId: string, id: string) {
  const row = await db.messageLog.findFirst({ where: { id, tenantId } });
  return row ? toMessageDto(row) : undefined;
}
