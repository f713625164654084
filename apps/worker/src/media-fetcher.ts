// Fetches the files of stored inbound messages, after the row: a message is in the database (media
// PENDING) before its file is asked for, so a slow or failing download never holds the pipeline. A
// failed download is retried with doubling back-off (the row shows RETRYING and the reason), up to
// MEDIA_MAX_ATTEMPTS, then FAILED. The queue is memory only; the rows are the truth: every start and
// every reconnect sweeps the tenant's PENDING and RETRYING rows again.
import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
import { MediaRejectedError, type MediaStore } from '@wa-fleet/media';
import { describeError, EngineNotReadyError, type WaEngine } from './engine/index.ts';

export interface MediaFetcherOptions {
  db: DbClient;
  tenantId: string;
  engine: WaEngine;
  store: MediaStore;
  log: Logger;
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** Rows read per sweep. */
const SWEEP_LIMIT = 500;

export class MediaFetcher {
  private readonly opts: MediaFetcherOptions;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private isStopped = false;

  constructor(opts: MediaFetcherOptions) {
    this.opts = opts;
  }

  enqueue(messageId: string): void {
    if (this.isStopped || this.queued.has(messageId)) return;
    this.queued.add(messageId);
    this.queue.push(messageId);
    this.pump();
  }

  /** Queues every row of the tenant still waiting for its file (after a start or a reconnect). */
  async sweep(): Promise<void> {
    const rows = await this.opts.db.messageLog.findMany({
      where: { tenantId: this.opts.tenantId, mediaStatus: { in: ['PENDING', 'RETRYING'] } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true },
      take: SWEEP_LIMIT,
    });
    for (const r of rows) this.enqueue(r.id);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    await this.running;
  }

  /** Resolves when nothing is queued or being fetched (retries waiting on a timer not included). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private pump(): void {
    if (this.running || this.isStopped) return;
    this.running = (async () => {
      while (!this.isStopped) {
        const id = this.queue.shift();
        if (!id) return;
        this.queued.delete(id);
        await this.fetch(id).catch((err: unknown) =>
          this.opts.log.error({ err, messageId: id }, 'media fetch step failed'),
        );
      }
    })().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 && !this.isStopped) this.pump();
    });
  }

  private async fetch(messageId: string): Promise<void> {
    const { db, tenantId, engine, store, log } = this.opts;
    const row = await db.messageLog.findFirst({
      where: { id: messageId, tenantId, mediaStatus: { in: ['PENDING', 'RETRYING'] } },
      select: { waMessageId: true, mediaAttempts: true },
    });
    if (!row?.waMessageId) return;
    if (!engine.downloadMedia) {
      await this.finish(messageId, { status: 'FAILED', error: 'this engine cannot download files' });
      return;
    }
    const attempt = row.mediaAttempts + 1;
    try {
      const media = await engine.downloadMedia(row.waMessageId);
      if (!media) {
        await this.finish(
          messageId,
          { status: 'FAILED', error: 'WhatsApp no longer has this file' },
          attempt,
        );
        return;
      }
      const stored = await store.put(tenantId, media.data);
      await db.messageLog.updateMany({
        where: { id: messageId, tenantId, mediaStatus: { in: ['PENDING', 'RETRYING'] } },
        data: {
          mediaStatus: 'STORED',
          mediaSha256: stored.sha256,
          mediaSize: stored.size,
          mediaMime: stored.mimeType,
          mediaAttempts: attempt,
          mediaError: null,
        },
      });
      log.info({ messageId, size: stored.size, mimeType: stored.mimeType, attempt }, 'media stored');
    } catch (err) {
      if (err instanceof MediaRejectedError) {
        await this.finish(messageId, { status: 'FAILED', error: err.message }, attempt);
        log.warn({ messageId, reason: err.message }, 'media not stored');
        return;
      }
      const reason = describeError(err);
      // Not connected is no attempt: the next connect sweeps this row again.
      const counted = err instanceof EngineNotReadyError ? row.mediaAttempts : attempt;
      if (counted >= this.opts.maxAttempts) {
        await this.finish(messageId, { status: 'FAILED', error: `media unavailable: ${reason}` }, counted);
        log.warn({ messageId, attempt: counted, reason }, 'media download given up');
        return;
      }
      await this.finish(
        messageId,
        { status: 'RETRYING', error: `media unavailable, retrying: ${reason}` },
        counted,
      );
      if (err instanceof EngineNotReadyError) return;
      const delay = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** (attempt - 1));
      log.warn({ messageId, attempt, retryInMs: delay, reason }, 'media download failed, retrying');
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(messageId);
      }, delay);
      this.timers.add(timer);
    }
  }

  private async finish(
    messageId: string,
    outcome: { status: 'FAILED' | 'RETRYING'; error: string },
    attempts?: number,
  ): Promise<void> {
    await this.opts.db.messageLog.updateMany({
      where: { id: messageId, tenantId: this.opts.tenantId, mediaStatus: { in: ['PENDING', 'RETRYING'] } },
      data: {
        mediaStatus: outcome.status,
        mediaError: outcome.error.slice(0, 500),
        ...(attempts === undefined ? {} : { mediaAttempts: attempts }),
      },
    });
  }
}
