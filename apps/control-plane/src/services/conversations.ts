// Chats of a tenant: its messages grouped by the other side (from_number of inbound, to_number of
// outbound rows), with how many inbound messages came since the tenant last read each chat.
import { Prisma, type DbClient } from '@wa-fleet/db';
import { notFound } from '../errors.ts';
import { EDITS_INCLUDE, toMessageDto } from './message-queries.ts';

const CONTACT_SQL = Prisma.sql`CASE WHEN m.direction = 'IN' THEN m.from_number ELSE m.to_number END`;

export async function listConversations(db: DbClient, tenantId: string, limit: number) {
  const last = await db.$queryRaw<
    { id: string; contact: string; unread: number; last_read_at: Date | null }[]
  >`
    WITH latest AS (
      SELECT DISTINCT ON (${CONTACT_SQL}) m.id, ${CONTACT_SQL} AS contact, m.created_at
      FROM message_logs m
      WHERE m.tenant_id = ${tenantId}::uuid AND m.type <> 'REACTION'
      ORDER BY ${CONTACT_SQL}, m.created_at DESC, m.id DESC
    )
    SELECT l.id, l.contact, r.last_read_at,
      (SELECT count(*)::int FROM message_logs u
        WHERE u.tenant_id = ${tenantId}::uuid AND u.direction = 'IN' AND u.from_number = l.contact
          AND (r.last_read_at IS NULL OR u.created_at > r.last_read_at)) AS unread
    FROM latest l
    LEFT JOIN conversation_reads r ON r.tenant_id = ${tenantId}::uuid AND r.contact = l.contact
    ORDER BY l.created_at DESC, l.id DESC
    LIMIT ${limit}`;
  const rows = await db.messageLog.findMany({
    where: { tenantId, id: { in: last.map((l) => l.id) } },
    include: EDITS_INCLUDE,
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    items: last.flatMap((l) => {
      const row = byId.get(l.id);
      return row
        ? [
            {
              contact: l.contact,
              lastMessage: toMessageDto(row),
              unread: l.unread,
              lastReadAt: l.last_read_at?.toISOString() ?? null,
            },
          ]
        : [];
    }),
  };
}

/** The newest `limit` messages of one chat (before message `before` when given), oldest first. */
export async function listThread(
  db: DbClient,
  tenantId: string,
  contact: string,
  opts: { limit: number; before?: string | undefined },
) {
  const where: Prisma.MessageLogWhereInput = {
    tenantId,
    OR: [
      { direction: 'IN', fromNumber: contact },
      { direction: 'OUT', toNumber: contact },
    ],
  };
  if (opts.before) {
    const anchor = await db.messageLog.findFirst({
      where: { id: opts.before, tenantId },
      select: { createdAt: true, id: true },
    });
    if (!anchor) return { items: [] };
    where.AND = [
      {
        OR: [{ createdAt: { lt: anchor.createdAt } }, { createdAt: anchor.createdAt, id: { lt: anchor.id } }],
      },
    ];
  }
  const rows = await db.messageLog.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: opts.limit,
    include: EDITS_INCLUDE,
  });
  return { items: rows.reverse().map((row) => toMessageDto(row)) };
}

export async function markConversationRead(db: DbClient, tenantId: string, contact: string) {
  // Only a chat the tenant has: a made-up contact writes nothing (404), so no request leaves rows
  // for chats that do not exist.
  const [row] = await db.$queryRaw<{ last_read_at: Date }[]>`
    INSERT INTO conversation_reads (tenant_id, contact, last_read_at)
    SELECT ${tenantId}::uuid, ${contact}, now()
    WHERE EXISTS (
      SELECT 1 FROM message_logs
      WHERE tenant_id = ${tenantId}::uuid
        AND ((direction = 'IN' AND from_number = ${contact}) OR (direction = 'OUT' AND to_number = ${contact}))
    )
    ON CONFLICT (tenant_id, contact) DO UPDATE SET last_read_at = EXCLUDED.last_read_at
    RETURNING last_read_at`;
  if (!row) throw notFound('chat');
  return { contact, lastReadAt: row.last_read_at.toISOString() };
}
