import type { Logger } from '@wa-fleet/logger';
import { maskPhone, TimeoutError, withTimeout } from '@wa-fleet/shared';
import type { AutoReplyRuleCache } from './auto-reply-rules.ts';
import { RetryAbortedError, retryUntilDone, type RetryPolicy } from './db-retry.ts';
import type { AckStatus, InboundEdit, InboundMessage, InboundRevoke } from './engine/index.ts';
import type { InboundSpool, SpoolRecord } from './inbound-spool.ts';
import type { InboundToStore, MessageRepository } from './message-repository.ts';

type MessageRecord = Extract<SpoolRecord, { kind: 'message' }>;
type ChangeRecord = Extract<SpoolRecord, { kind: 'edit' | 'revoke' }>;

/** How often waiting events are checked for spilling to the spool while the database fails. */
const SPILL_CHECK_MS = 200;
/** A graceful stop lets a healthy pipeline finish this long before spooling what is left. */
const STOP_DRAIN_MS = 2_000;
/** Inbound messages in a row (no ack between them) stored by one statement at most. */
export const INBOUND_BATCH_MAX = 200;

export interface InboundPipelineDeps {
  messages: MessageRepository;
  rules: AutoReplyRuleCache;
  enqueueSend: (messageId: string) => Promise<void>;
  /** A stored message has a file to fetch (its row is PENDING): the worker's media fetcher takes it. */
  onMediaPending?: (messageId: string) => void;
  /** An ack no row could take yet (the row is not SENT yet): the worker keeps it for later. */
  onAckUnmatched: (waMessageId: string, status: AckStatus) => void;
  spool: InboundSpool;
  retry: RetryPolicy;
  /** Events held in memory at most (older ones go to the spool). */
  bufferMax: number;
  /** While the database fails, an event that waited this long in memory goes to the spool. */
  spoolAfterMs: number;
  log: Logger;
}

interface Waiting {
  record: SpoolRecord;
  receivedAt: number;
  /** Already on disk (read from the spool, or spilled while it was being stored). */
  isOnDisk: boolean;
}

/**
 * Engine events (inbound messages, acks, edits, deletions) -> the database, in arrival order: auto-reply
 * rule -> message stored once with its reply QUEUED (one statement) -> reply enqueued; ack applied; edit
 * or deletion applied (or kept as pending until its message is stored). Messages that wait
 * in a row (no ack between them, at most INBOUND_BATCH_MAX) are stored by one statement together; a
 * batch the database refuses for its content is retried one message at a time, so only the bad one is
 * set aside.
 *
 * Nothing is dropped. A database write that fails is retried with back-off until it succeeds. Events
 * wait in memory (at most bufferMax); past the bound, after spoolAfterMs of a failing database, and
 * when the worker stops, they are appended to the tenant's spool on disk (fsync), which is replayed
 * first, at the next start or as soon as the database is back. The spool always holds events older
 * than those in memory, so replaying it first keeps the arrival order. Replays can store a message
 * twice only in the database's eyes: the unique key (tenant, direction, wa id) drops the second one.
 */
export class InboundPipeline {
  private readonly deps: InboundPipelineDeps;
  private readonly waiting: Waiting[] = [];
  /** The events being written now (taken from memory or from a spool segment), oldest first. */
  private current: Waiting[] = [];
  private running: Promise<void> | undefined;
  private isFailing = false;
  private isStopping = false;
  private isStopped = false;
  private readonly abort = new AbortController();
  private spillTimer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  constructor(deps: InboundPipelineDeps) {
    this.deps = deps;
  }

  /** Replays what an earlier run left in the spool, then handles events as they come. */
  start(): void {
    const onDisk = this.deps.spool.segments().length;
    if (onDisk > 0) this.deps.log.info({ segments: onDisk }, 'replaying the inbound spool');
    this.spillTimer = setInterval(() => this.spill(false), SPILL_CHECK_MS);
    this.spillTimer.unref();
    this.pump();
  }

  pushMessage(message: InboundMessage): void {
    this.push({
      kind: 'message',
      waMessageId: message.waMessageId,
      from: message.from,
      to: message.to,
      body: message.body,
      timestamp: message.timestamp.toISOString(),
      ...(message.type ? { type: message.type } : {}),
      ...(message.rawType ? { rawType: message.rawType } : {}),
      ...(message.meta ? { meta: message.meta } : {}),
    });
  }

  pushAck(waMessageId: string, status: AckStatus): void {
    this.push({ kind: 'ack', waMessageId, status });
  }

  pushEdit(edit: InboundEdit): void {
    this.push({
      kind: 'edit',
      waMessageId: edit.waMessageId,
      body: edit.body,
      editedAt: edit.editedAt.toISOString(),
    });
  }

  pushRevoke(revoke: InboundRevoke): void {
    this.push({ kind: 'revoke', waMessageId: revoke.waMessageId, revokedAt: revoke.revokedAt.toISOString() });
  }

  /** Events not yet in the database, in memory (the rest is in the spool). */
  get inMemory(): number {
    return this.waiting.length + this.current.filter((w) => !w.isOnDisk).length;
  }

  /** Resolves when everything pushed so far has been handled (or spooled by stop()). */
  async drain(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /**
   * Stops taking events: waits up to STOP_DRAIN_MS for a healthy database to take what is waiting,
   * then appends the rest (the event being written included) to the spool and stops retrying.
   */
  async stop(drainMs = STOP_DRAIN_MS): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    if (!this.isFailing && drainMs > 0)
      await waitAtMost(this.drain(), drainMs, 'draining the inbound buffer');
    this.isStopped = true;
    clearInterval(this.spillTimer);
    this.spill(true);
    this.abort.abort();
    // A write stuck in a hanging database must not eat the shutdown grace; its event is on disk.
    if (this.running) await waitAtMost(this.running, Math.max(drainMs, 500), 'the write in progress');
  }

  private push(record: SpoolRecord): void {
    if (this.isStopped) {
      try {
        this.deps.spool.append([record]);
      } catch (err) {
        this.deps.log.error({ err, kind: record.kind }, 'event after stop could not be spooled');
      }
      return;
    }
    this.waiting.push({ record, receivedAt: Date.now(), isOnDisk: false });
    if (this.waiting.length > this.deps.bufferMax) this.spill(false);
    this.pump();
  }

  /**
   * Moves events from memory to the spool, oldest first: all of them when `everything`, else those
   * past the bound and, while the database fails, those older than spoolAfterMs.
   */
  private spill(everything: boolean): void {
    const { bufferMax, spoolAfterMs, spool, log } = this.deps;
    const now = Date.now();
    const isOld = (w: Waiting) => this.isFailing && now - w.receivedAt >= spoolAfterMs;
    let n = 0;
    while (
      n < this.waiting.length &&
      (everything || this.waiting.length - n > bufferMax || isOld(this.waiting[n]!))
    ) {
      n += 1;
    }
    const out: SpoolRecord[] = [];
    // The events being written are older than anything waiting, so they go first whenever anything
    // goes, and stay being retried (if that write wins, their spooled copies are duplicates the unique
    // key drops at replay).
    const current = this.current.filter((w) => !w.isOnDisk);
    const withCurrent = current.length > 0 && (n > 0 || everything || current.some((w) => isOld(w)));
    if (withCurrent) out.push(...current.map((w) => w.record));
    out.push(...this.waiting.slice(0, n).map((w) => w.record));
    if (out.length === 0) return;
    try {
      spool.append(out);
    } catch (err) {
      // A full or broken disk: the events stay in memory (and in order); the next check tries again.
      log.error({ err, count: out.length }, 'spooling inbound events to disk failed');
      return;
    }
    if (withCurrent) for (const w of current) w.isOnDisk = true;
    this.waiting.splice(0, n);
    log.warn(
      { count: out.length, reason: everything ? 'stopping' : 'database not keeping up' },
      'inbound events spooled to disk',
    );
  }

  private pump(): void {
    if (this.running || this.isStopped) return;
    this.running = this.run()
      .catch((err: unknown) => this.deps.log.error({ err }, 'inbound pipeline stopped on an error'))
      .finally(() => {
        this.running = undefined;
        if (this.waiting.length > 0 && !this.isStopped) this.pump();
        else for (const resolve of this.idle.splice(0)) resolve();
      });
  }

  private async run(): Promise<void> {
    const { spool } = this.deps;
    while (!this.isStopped) {
      const segment = spool.takeOldest();
      if (segment) {
        const records = segment.records.map((record) => ({ record, receivedAt: Date.now(), isOnDisk: true }));
        for (let i = 0; i < records.length;) {
          const batch = takeBatch(records.slice(i, i + INBOUND_BATCH_MAX));
          if (!(await this.write(batch))) return;
          i += batch.length;
        }
        spool.remove(segment.seq);
        this.deps.log.info({ count: segment.records.length }, 'inbound spool segment replayed');
        continue;
      }
      if (this.waiting.length === 0) return;
      const batch = takeBatch(this.waiting.slice(0, INBOUND_BATCH_MAX));
      this.waiting.splice(0, batch.length);
      if (!(await this.write(batch))) return;
    }
  }

  /**
   * Writes one ack or a run of messages, retrying the database until it works; false when stopped
   * first. What the database refuses for its content is set aside (one message at a time).
   */
  private async write(items: Waiting[], pending: Waiting[] = items): Promise<boolean> {
    // `pending`: everything of this write not stored yet (spilled on stop), items and what follows.
    this.current = pending;
    try {
      const first = items[0]!.record;
      if (first.kind === 'ack') await this.handleAck(first.waMessageId, first.status);
      else if (first.kind === 'edit' || first.kind === 'revoke') await this.handleChange(first);
      else await this.handleMessages(items.map((w) => w.record as MessageRecord));
      return true;
    } catch (err) {
      if (err instanceof RetryAbortedError) return false;
      if (items.length > 1) {
        this.deps.log.warn(
          { count: items.length },
          'a batch of inbound messages was refused by the database; storing them one by one',
        );
        for (let i = 0; i < items.length; i++) {
          // The rest of the batch stays "being written" (spilled on stop) until its turn.
          if (!(await this.write([items[i]!], items.slice(i)))) return false;
        }
        return true;
      }
      // The database refused this event for what is in it: waiting cannot help, and holding it would
      // block every event behind it. It is kept on disk for a person, with the reason.
      const record = items[0]!.record;
      const reason = err instanceof Error ? err.message.slice(-500) : String(err);
      this.deps.spool.reject(record, reason);
      this.deps.log.error(
        { err, kind: record.kind, waMessageId: record.waMessageId },
        'inbound event refused by the database; kept in the spool folder (rejected.jsonl)',
      );
      return true;
    } finally {
      this.current = [];
    }
  }

  private retry<T>(what: string, fn: () => Promise<T>, context: Record<string, unknown>): Promise<T> {
    return retryUntilDone(
      what,
      async () => {
        try {
          const result = await fn();
          this.isFailing = false;
          return result;
        } catch (err) {
          this.isFailing = true;
          throw err;
        }
      },
      { ...this.deps.retry, log: this.deps.log, signal: this.abort.signal, context },
    );
  }

  private async handleMessages(records: MessageRecord[]): Promise<void> {
    const { messages, rules, enqueueSend, log } = this.deps;
    const context = { waMessageId: records[0]!.waMessageId, count: records.length };
    const messagesIn: InboundMessage[] = records.map(({ kind: _kind, ...fields }) => ({
      ...fields,
      timestamp: new Date(fields.timestamp),
    }));
    let items: InboundToStore[] = [];
    // The rules are read inside the retried unit: a message is stored together with its reply, so
    // reading what to reply is part of storing it.
    const stored = await this.retry(
      'storing an inbound message',
      async () => {
        items = [];
        for (const message of messagesIn) {
          const rule = await rules.match(message.body);
          items.push({ message, reply: rule ? { body: rule.reply, ruleId: rule.id } : undefined });
        }
        return messages.storeInboundBatch(items);
      },
      context,
    );
    // Edits and deletions that came before their message: applied now (duplicates included, so a
    // replay after a crash between the two statements still applies them).
    const applied = await this.retry(
      'applying edits and deletions that waited for their message',
      () => messages.applyPendingChanges(messagesIn.map((m) => m.waMessageId)),
      context,
    );
    if (applied > 0) log.info({ count: applied }, 'waiting edits or deletions applied to their message');
    for (const [i, { message, reply }] of items.entries()) {
      const row = stored[i];
      if (!row) {
        log.debug({ waMessageId: message.waMessageId }, 'duplicate inbound message dropped');
        continue;
      }
      const { inbound, replyId } = row;
      log.info(
        { messageId: inbound.id, from: maskPhone(message.from), type: message.type ?? 'TEXT' },
        'inbound message stored',
      );
      if (inbound.mediaPending) this.deps.onMediaPending?.(inbound.id);
      log.debug({ messageId: inbound.id, body: message.body }, 'inbound message body');
      if (!replyId || !reply) continue;
      log.info(
        {
          messageId: replyId,
          replyToId: inbound.id,
          ruleId: reply.ruleId,
          to: maskPhone(inbound.fromNumber),
        },
        'auto-reply queued',
      );
      // If this fails the row is still QUEUED, and the queue's sweep enqueues it.
      await enqueueSend(replyId).catch((err: unknown) =>
        log.warn({ err, messageId: replyId }, 'enqueueing an auto-reply failed; the sweep will'),
      );
    }
  }

  /**
   * An edit or a deletion for everyone. One for a message not stored (yet) is kept as pending and
   * applied when the message arrives; a repeated one changes nothing.
   */
  private async handleChange(record: ChangeRecord): Promise<void> {
    const { messages, log } = this.deps;
    const context = { waMessageId: record.waMessageId, kind: record.kind };
    const outcome = await this.retry(
      record.kind === 'edit' ? 'applying a message edit' : 'applying a message deletion',
      () =>
        record.kind === 'edit'
          ? messages.applyEdit(record.waMessageId, record.body, new Date(record.editedAt))
          : messages.applyRevoke(record.waMessageId, new Date(record.revokedAt)),
      context,
    );
    const what = record.kind === 'edit' ? 'inbound message edited' : 'inbound message deleted for everyone';
    if (outcome.result === 'applied') {
      log.info({ messageId: outcome.messageId, kind: record.kind }, what);
      if (record.kind === 'edit') log.debug({ messageId: outcome.messageId, body: record.body }, 'new body');
    } else if (outcome.result === 'unchanged') {
      log.debug(context, 'edit or deletion already applied (or older than the last one): nothing changed');
    } else {
      log.warn(
        context,
        'edit or deletion for a message not stored (yet): kept as pending, applied when the message arrives',
      );
    }
  }

  private async handleAck(waMessageId: string, status: AckStatus): Promise<void> {
    const isApplied = await this.retry(
      'applying a message ack',
      () => this.deps.messages.applyAck(waMessageId, status),
      { waMessageId, status },
    );
    if (isApplied) this.deps.log.debug({ waMessageId, status }, 'message acknowledged');
    else this.deps.onAckUnmatched(waMessageId, status);
  }
}

/** The first ack, edit or deletion alone, or the run of messages at the start of `items` (up to the first ack). */
function takeBatch(items: Waiting[]): Waiting[] {
  if (items[0]?.record.kind !== 'message') return items.slice(0, 1);
  const end = items.findIndex((w) => w.record.kind !== 'message');
  return end === -1 ? items : items.slice(0, end);
}

/** Waits for `work` for at most `ms`; past that the caller goes on (the work is left to finish or not). */
async function waitAtMost(work: Promise<unknown>, ms: number, what: string): Promise<void> {
  await withTimeout(work, ms, what).catch((err: unknown) => {
    if (!(err instanceof TimeoutError)) throw err;
  });
}
