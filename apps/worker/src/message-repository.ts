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

/** What became of an edit or a deletion: `unknown` = no such inbound message (kept as pending). */
export interface ChangeOutcome {
  result: 'applied' | 'unchanged' | 'unknown';
  messageId?: string;
}

/** DELETED_MESSAGE_CONTENT: a message deleted for everyone keeps its text (and edit history) or loses it. */
export type DeletedContent = 'keep' | 'remove';

export class MessageRepository {
  private readonly db: DbClient;
  private readonly tenantId: string;
  private readonly deletedContent: DeletedContent;

  constructor(db: DbClient, tenantId: string, opts: { deletedContent?: DeletedContent } = {}) {
    this.db = db;
    this.tenantId = tenantId;
    this.deletedContent = opts.deletedContent ?? 'keep';
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
   * A new text for an inbound message: the text it had becomes a message_edits row and the row takes
   * the new one (body_tsv, generated, follows), in one statement. `unchanged` when this edit was
   * applied before ((message, editedAt) is unique, and a text equal to the current one is no edit),
   * when it is not newer than the last one, or when the message was deleted for everyone.
   */
  async applyEdit(waMessageId: string, body: string, editedAt: Date): Promise<ChangeOutcome> {
    const rows = await this.db.$queryRaw<{ id: string; applied: boolean }[]>`
      WITH target AS (
        SELECT id, body, edited_at, deleted_at FROM message_logs
        WHERE tenant_id = ${this.tenantId}::uuid AND direction = 'IN' AND wa_message_id = ${waMessageId}
        FOR UPDATE
      ), history AS (
        INSERT INTO message_edits (id, tenant_id, message_id, previous_body, edited_at)
        SELECT ${uuidv7()}::uuid, ${this.tenantId}::uuid, t.id, t.body, ${editedAt} FROM target t
        WHERE t.deleted_at IS NULL AND t.body IS DISTINCT FROM ${body}
          AND (t.edited_at IS NULL OR t.edited_at < ${editedAt})
        ON CONFLICT (message_id, edited_at) DO NOTHING
        RETURNING message_id
      ), updated AS (
        UPDATE message_logs SET body = ${body}, edited_at = ${editedAt}, updated_at = now(),
          -- A media message's text is its caption: both say the new one.
          meta = CASE WHEN meta ? 'caption' THEN jsonb_set(meta, '{caption}', to_jsonb(${body}::text)) ELSE meta END
        WHERE id IN (SELECT message_id FROM history)
        RETURNING id
      )
      SELECT t.id::text AS id, EXISTS (SELECT 1 FROM updated) AS applied FROM target t`;
    return this.changeOutcome(rows, { kind: 'EDIT', waMessageId, changedAt: editedAt, body });
  }

  /**
   * Marks an inbound message deleted for everyone (once: the first deletion's time stays). With
   * DELETED_MESSAGE_CONTENT=remove its text, caption, contact card and edit history go too; the row
   * (who wrote, when, its type) stays either way.
   */
  async applyRevoke(waMessageId: string, revokedAt: Date): Promise<ChangeOutcome> {
    const remove = this.deletedContent === 'remove';
    const rows = await this.db.$queryRaw<{ id: string; applied: boolean }[]>`
      WITH target AS (
        SELECT id FROM message_logs
        WHERE tenant_id = ${this.tenantId}::uuid AND direction = 'IN' AND wa_message_id = ${waMessageId}
        FOR UPDATE
      ), updated AS (
        UPDATE message_logs SET deleted_at = ${revokedAt},
          body = CASE WHEN ${remove} THEN '' ELSE body END,
          meta = CASE WHEN ${remove} THEN meta - 'caption' - 'vcard' ELSE meta END,
          updated_at = now()
        WHERE id IN (SELECT id FROM target) AND deleted_at IS NULL
        RETURNING id
      ), forgotten AS (
        DELETE FROM message_edits WHERE ${remove} AND message_id IN (SELECT id FROM updated)
      )
      SELECT t.id::text AS id, EXISTS (SELECT 1 FROM updated) AS applied FROM target t`;
    return this.changeOutcome(rows, { kind: 'REVOKE', waMessageId, changedAt: revokedAt, body: null });
  }

  /** The outcome of a change; one for a message not stored is kept in pending_message_changes. */
  private async changeOutcome(
    rows: { id: string; applied: boolean }[],
    pending: { kind: 'EDIT' | 'REVOKE'; waMessageId: string; changedAt: Date; body: string | null },
  ): Promise<ChangeOutcome> {
    const row = rows[0];
    if (row) return { result: row.applied ? 'applied' : 'unchanged', messageId: row.id };
    await this.db.$executeRaw`
      INSERT INTO pending_message_changes (tenant_id, wa_message_id, kind, changed_at, body)
      VALUES (${this.tenantId}::uuid, ${pending.waMessageId.slice(0, 128)}, ${pending.kind}, ${pending.changedAt},
        ${pending.body})
      ON CONFLICT DO NOTHING`;
    return { result: 'unknown' };
  }

  /**
   * Applies the pending edits and deletions of these (just stored) messages, oldest first, and drops
   * them; how many were applied. Safe to repeat: each change is idempotent.
   */
  async applyPendingChanges(waMessageIds: readonly string[]): Promise<number> {
    if (waMessageIds.length === 0) return 0;
    const pending = await this.db.pendingMessageChange.findMany({
      where: { tenantId: this.tenantId, waMessageId: { in: waMessageIds.map((id) => id.slice(0, 128)) } },
      orderBy: [{ changedAt: 'asc' }],
    });
    let applied = 0;
    for (const change of pending) {
      const outcome =
        change.kind === 'EDIT'
          ? await this.applyEdit(change.waMessageId, change.body ?? '', change.changedAt)
          : await this.applyRevoke(change.waMessageId, change.changedAt);
      // Still unknown (an outbound row of the same id, say): it stays pending, nothing is lost.
      if (outcome.result === 'unknown') continue;
      if (outcome.result === 'applied') applied += 1;
      await this.db.pendingMessageChange.deleteMany({
        where: {
          tenantId: this.tenantId,
          waMessageId: change.waMessageId,
          kind: change.kind,
          changedAt: change.changedAt,
        },
      });
    }
    return applied;
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
