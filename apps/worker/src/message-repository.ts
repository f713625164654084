// message_logs and message_stats_hourly, as the worker writes them. Every status move is conditional
// (a row never goes backwards, a second writer changes nothing) and every counter moves in the same
// statement as the row it counts, so statistics cannot drift from the rows after a crash.
import { Prisma, isUniqueViolation, type DbClient } from '@wa-fleet/db';
import { hasMediaFile } from '@wa-fleet/shared';
import type { AckStatus, InboundMessage } from './engine/index.ts';

export interface StoredInbound {
  id: string;
  fromNumber: string;
  toNumber: string;
  /** The message has a file to fetch (its media status is PENDING). */
  mediaPending?: boolean;
}

export type SendOutcome = { status: 'SENT'; waMessageId: string } | { status: 'FAILED'; error: string };

export interface SendAttempt {
  attempts: number;
  toNumber: string;
  body: string;
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

  /** Stores an inbound message once; undefined when WhatsApp delivered this id before. */
  async storeInbound(msg: InboundMessage): Promise<StoredInbound | undefined> {
    const type = msg.type ?? 'TEXT';
    const mediaPending = hasMediaFile(type);
    try {
      const [row] = await this.db.$transaction([
        this.db.messageLog.create({
          data: {
            tenantId: this.tenantId,
            direction: 'IN',
            fromNumber: msg.from.slice(0, 64),
            toNumber: msg.to.slice(0, 64),
            body: msg.body,
            waMessageId: msg.waMessageId.slice(0, 128),
            status: 'RECEIVED',
            type,
            rawType: msg.rawType?.slice(0, 64) ?? null,
            meta: msg.meta && Object.keys(msg.meta).length > 0 ? { ...msg.meta } : Prisma.DbNull,
            mediaStatus: mediaPending ? 'PENDING' : null,
          },
          select: { id: true, fromNumber: true, toNumber: true },
        }),
        this.countStat('inbound'),
      ]);
      return mediaPending ? { ...row, mediaPending } : row;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /**
   * Stores the auto-reply to `inbound` as QUEUED. The idempotency key is derived from the inbound row,
   * so however the pipeline is re-run for a message, it gets one reply. Undefined if it already has one.
   */
  async queueAutoReply(
    inbound: StoredInbound,
    body: string,
    ruleId?: string,
  ): Promise<{ id: string } | undefined> {
    try {
      const [row] = await this.db.$transaction([
        this.db.messageLog.create({
          data: {
            tenantId: this.tenantId,
            direction: 'OUT',
            fromNumber: inbound.toNumber,
            toNumber: inbound.fromNumber,
            body,
            status: 'QUEUED',
            idempotencyKey: `auto:${inbound.id}`,
            replyToId: inbound.id,
            sentByKind: 'AUTO_REPLY',
            sentById: ruleId ?? null,
          },
          select: { id: true },
        }),
        this.countStat('auto_replies'),
      ]);
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /**
   * Claims one send attempt of a QUEUED outbound row of this tenant (attempts + 1). Undefined when the
   * row is not ours, not outbound or no longer QUEUED: then there is nothing to send.
   */
  async beginAttempt(messageId: string): Promise<SendAttempt | undefined> {
    const rows = await this.db.$queryRaw<SendAttempt[]>`
      UPDATE message_logs SET attempts = attempts + 1, updated_at = now()
      WHERE id = ${messageId}::uuid AND tenant_id = ${this.tenantId}::uuid AND direction = 'OUT' AND status = 'QUEUED'
      RETURNING attempts, to_number AS "toNumber", body`;
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

  private countStat(column: 'inbound' | 'auto_replies') {
    // Column names cannot be parameters; both spellings are fixed here, never taken from input.
    return column === 'inbound'
      ? this.db.$executeRaw`
          INSERT INTO message_stats_hourly (tenant_id, hour, inbound) VALUES (${this.tenantId}::uuid, date_trunc('hour', now()), 1)
          ON CONFLICT (tenant_id, hour) DO UPDATE SET inbound = message_stats_hourly.inbound + 1`
      : this.db.$executeRaw`
          INSERT INTO message_stats_hourly (tenant_id, hour, auto_replies) VALUES (${this.tenantId}::uuid, date_trunc('hour', now()), 1)
          ON CONFLICT (tenant_id, hour) DO UPDATE SET auto_replies = message_stats_hourly.auto_replies + 1`;
  }
}
