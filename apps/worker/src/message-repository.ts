// message_logs and message_stats_hourly, as the worker writes them. Every status move is conditional
// (a row never goes backwards, a second writer changes nothing) and every counter moves in the same
// statement as the row it counts, so statistics cannot drift from the rows after a crash.
import { Prisma, type DbClient } from '@wa-fleet/db';
import { hasMediaFile } from '@wa-fleet/shared';
import type { AckStatus, InboundMessage } from './engine/index.ts';
import { uuidv7 } from './message-ids.ts';

export interface StoredInbound {
  id: string;
  fromNumber: string;
  toNumber: string;
  /** The message has a file to fetch (its media status is PENDING). */
  mediaPending?: boolean;
}

/** One inbound message to store, with the auto-reply its rule gives (if any). */
export interface InboundToStore {
  message: InboundMessage;
  reply?: { body: string; ruleId: string } | undefined;
}

export interface StoredBatchItem {
  inbound: StoredInbound;
  /** The queued auto-reply, null when the message got none. */
  replyId: string | null;
}

export type SendOutcome = { status: 'SENT'; waMessageId: string } | { status: 'FAILED'; error: string };

export interface SendAttempt {
  attempts: number;
  toNumber: string;
  body: string;
  /** Set when the message carries a file (stored on upload, before the row was written). */
  mediaSha256: string | null;
  mediaMime: string | null;
  /** The row's meta (fileName of a file). */
  meta: unknown;
}

/** Statuses an acknowledgement may move a row out of: acks arrive out of order and must not regress it. */
const ACK_FROM: Record<AckStatus, string[]> = {
  SENT: [],
  DELIVERED: ['SENT'],
  READ: ['SENT', 'DELIVERED'],
  FAILED: ['SENT'],
};

export class MessageRepository {
  private readonly db: DbClient;
  private readonly tenantId: string;

  constructor(db: DbClient, tenantId: string) {
    this.db = db;
    this.tenantId = tenantId;
  }

  /**
   * Stores inbound messages in one statement, in the given order: each message once (the unique key
   * (tenant, direction, wa id) drops one WhatsApp delivered before, or twice in the batch), its
   * auto-reply (when given) QUEUED with the idempotency key auto:<inbound id>, and both counters, all
   * or nothing. A message is never stored without its reply, so a replay after a crash (which finds
   * the message stored, a duplicate) has no reply left to make. One answer per input, in order:
   * undefined for a duplicate.
   */
  async storeInboundBatch(items: readonly InboundToStore[]): Promise<(StoredBatchItem | undefined)[]> {
    if (items.length === 0) return [];
    const rows = items.map(({ message, reply }) => ({
      id: uuidv7(),
      type: message.type ?? 'TEXT',
      rawType: message.rawType?.slice(0, 64) ?? null,
      meta: message.meta && Object.keys(message.meta).length > 0 ? JSON.stringify(message.meta) : null,
      mediaStatus: hasMediaFile(message.type ?? 'TEXT') ? 'PENDING' : null,
      fromNumber: message.from.slice(0, 64),
      toNumber: message.to.slice(0, 64),
      body: message.body,
      waMessageId: message.waMessageId.slice(0, 128),
      // Made right after its message's id: a reply sorts just after the message it answers.
      replyId: reply ? uuidv7() : null,
      replyBody: reply?.body ?? null,
      ruleId: reply?.ruleId ?? null,
    }));
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    const stored = await this.db.$queryRaw<{ id: string; replyId: string | null }[]>`
      WITH input AS (
        SELECT * FROM unnest(${col('id')}::uuid[], ${col('fromNumber')}::text[], ${col('toNumber')}::text[],
          ${col('body')}::text[], ${col('waMessageId')}::text[], ${col('replyId')}::uuid[],
          ${col('replyBody')}::text[], ${col('ruleId')}::text[], ${col('type')}::text[], ${col('rawType')}::text[],
          ${col('meta')}::text[], ${col('mediaStatus')}::text[])
          WITH ORDINALITY AS u(id, from_number, to_number, body, wa_message_id, reply_id, reply_body, rule_id,
            type, raw_type, meta, media_status, ord)
      ), ins AS (
        INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, wa_message_id, status,
          type, raw_type, meta, media_status, updated_at)
        SELECT id, ${this.tenantId}::uuid, 'IN'::"MessageDirection", from_number, to_number, body, wa_message_id,
          'RECEIVED'::"MessageStatus", type::"MessageType", raw_type, meta::jsonb, media_status::"MediaStatus", now()
        FROM input ORDER BY ord
        ON CONFLICT (tenant_id, direction, wa_message_id) DO NOTHING
        RETURNING id
      ), replies AS (
        INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, status,
          idempotency_key, reply_to_id, sent_by_kind, sent_by_id, updated_at)
        SELECT i.reply_id, ${this.tenantId}::uuid, 'OUT'::"MessageDirection", i.to_number, i.from_number, i.reply_body,
          'QUEUED'::"MessageStatus", 'auto:' || i.id, i.id, 'AUTO_REPLY'::"SenderKind", i.rule_id, now()
        FROM input i JOIN ins ON ins.id = i.id WHERE i.reply_id IS NOT NULL ORDER BY i.ord
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        RETURNING id, reply_to_id
      ), counted AS (
        INSERT INTO message_stats_hourly (tenant_id, hour, inbound, auto_replies)
        SELECT ${this.tenantId}::uuid, date_trunc('hour', now()), (SELECT count(*) FROM ins), (SELECT count(*) FROM replies)
        WHERE EXISTS (SELECT 1 FROM ins)
        ON CONFLICT (tenant_id, hour) DO UPDATE SET
          inbound = message_stats_hourly.inbound + EXCLUDED.inbound,
          auto_replies = message_stats_hourly.auto_replies + EXCLUDED.auto_replies
      )
      SELECT ins.id::text AS id, r.id::text AS "replyId" FROM ins LEFT JOIN replies r ON r.reply_to_id = ins.id`;
    const byId = new Map(stored.map((s) => [s.id, s.replyId]));
    return rows.map((r) =>
      byId.has(r.id)
        ? {
            inbound: {
              id: r.id,
              fromNumber: r.fromNumber,
              toNumber: r.toNumber,
              ...(r.mediaStatus ? { mediaPending: true } : {}),
            },
            replyId: byId.get(r.id) ?? null,
          }
        : undefined,
    );
  }

  /**
   * Claims one send attempt of a QUEUED outbound row of this tenant (attempts + 1). Undefined when the
   * row is not ours, not outbound or no longer QUEUED: then there is nothing to send.
   */
  async beginAttempt(messageId: string): Promise<SendAttempt | undefined> {
    const rows = await this.db.$queryRaw<SendAttempt[]>`
      UPDATE message_logs SET attempts = attempts + 1, updated_at = now()
      WHERE id = ${messageId}::uuid AND tenant_id = ${this.tenantId}::uuid AND direction = 'OUT' AND status = 'QUEUED'
      RETURNING attempts, to_number AS "toNumber", body, media_sha256 AS "mediaSha256",
        media_mime AS "mediaMime", meta`;
    return rows[0];
  }

  /**
   * QUEUED -> SENT (with WhatsApp's id) or QUEUED -> FAILED (with the reason), counted in the hourly
   * statistics in the same statement. False when the row had moved on (nothing changes then).
   */
  async finishSend(messageId: string, outcome: SendOutcome): Promise<boolean> {
    const isSent = outcome.status === 'SENT';
    const waMessageId = isSent ? outcome.waMessageId.slice(0, 128) : null;
    const error = isSent ? null : outcome.error.slice(0, 2000);
    const count = await this.db.$executeRaw`
      WITH moved AS (
        UPDATE message_logs SET status = ${outcome.status}::"MessageStatus",
          wa_message_id = COALESCE(${waMessageId}, wa_message_id), error = ${error},
          sent_at = CASE WHEN ${isSent} THEN now() ELSE sent_at END, updated_at = now()
        WHERE id = ${messageId}::uuid AND tenant_id = ${this.tenantId}::uuid AND status = 'QUEUED'
        RETURNING id
      )
      INSERT INTO message_stats_hourly (tenant_id, hour, outbound, failed)
      SELECT ${this.tenantId}::uuid, date_trunc('hour', now()), ${isSent ? 1 : 0}, ${isSent ? 0 : 1} FROM moved
      ON CONFLICT (tenant_id, hour) DO UPDATE SET
        outbound = message_stats_hourly.outbound + EXCLUDED.outbound,
        failed = message_stats_hourly.failed + EXCLUDED.failed`;
    return count > 0;
  }

  /** Applies a delivery acknowledgement; false when no row could move (unknown id, or already past it). */
  async applyAck(waMessageId: string, status: AckStatus): Promise<boolean> {
    const from = ACK_FROM[status];
    if (from.length === 0) return true;
    const error = status === 'FAILED' ? 'WhatsApp reported the message as not delivered' : null;
    const count = await this.db.$executeRaw`
      UPDATE message_logs SET status = ${status}::"MessageStatus", error = COALESCE(${error}, error), updated_at = now()
      WHERE tenant_id = ${this.tenantId}::uuid AND direction = 'OUT' AND wa_message_id = ${waMessageId}
        AND status::text IN (${Prisma.join(from)})`;
    return count > 0;
  }

  /** Ids of this tenant's outbound rows still waiting to be sent, oldest first. */
  async listQueued(limit: number): Promise<string[]> {
    const rows = await this.db.messageLog.findMany({
      where: { tenantId: this.tenantId, direction: 'OUT', status: 'QUEUED' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true },
      take: limit,
    });
    return rows.map((r) => r.id);
  }
}
