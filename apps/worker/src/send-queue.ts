import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { MediaStore } from '@wa-fleet/media';
import type { Logger } from '@wa-fleet/logger';
import {
  cleanMessageMeta,
  isUuid,
  maskPhone,
  sendJob,
  sendQueueName,
  startLoop,
  type Loop,
  type SendJobData,
} from '@wa-fleet/shared';
import { RetryAbortedError, retryUntilDone, type RetryPolicy } from './db-retry.ts';
import { isRetryableEngineError, PermanentSendError, type WaEngine } from './engine/index.ts';
import type { MessageRepository, SendAttempt } from './message-repository.ts';

export interface SendQueueOptions {
  tenantId: string;
  redisUrl: string;
  redisPrefix: string;
  ratePerMin: number;
  maxAttempts: number;
  backoffMs: number;
  sweepIntervalMs: number;
  /** Back-off of database calls, retried without limit: a database outage is never the send's fault. */
  dbRetry: RetryPolicy;
  engine: WaEngine;
  messages: MessageRepository;
  /** The tenant's files: an outbound message with a file is read from here when it is sent. */
  mediaStore: MediaStore;
  log: Logger;
  /** Called after a row became SENT (applies acks that overtook the write). */
  onSent: (messageId: string, waMessageId: string) => void;
}

/** What a job may carry: anything, if someone else wrote it; checked before use. */
type IncomingJobData = Partial<Record<keyof SendJobData, unknown>>;
/** A job held back by a stopping worker comes back this soon (its row stays QUEUED either way). */
const STOPPING_REQUEUE_DELAY_MS = 1_000;

// A send takes milliseconds; a job whose lock is not renewed for this long belongs to a dead process
// (one worker per tenant), so a SIGKILLed worker's in-flight job is back in the queue ~20 s later.
const LOCK_DURATION_MS = 15_000;
const STALLED_INTERVAL_MS = 5_000;
const SWEEP_BATCH = 5_000;

/**
 * The tenant's outbound queue. The message row is the source of truth: a job only says "look at row X".
 * Sending once per row rests on three things: the row must still be QUEUED to be attempted, the engine
 * gets the row id as clientRef, and a periodic sweep re-adds QUEUED rows whose job Redis lost, failed or
 * never got (jobId = row id: re-adding a waiting job is a no-op, a failed leftover is removed first).
 *
 * Two kinds of failure, two policies. A database call that fails is retried with back-off inside the
 * job for as long as it takes (the row cannot be read or written, which says nothing about the send).
 * An engine send that fails is counted on the row: retryable errors are retried SEND_MAX_ATTEMPTS times
 * with exponential back-off, then the row is FAILED with the engine's reason, as is a permanent error.
 */
export class SendQueue {
  private readonly opts: SendQueueOptions;
  private readonly queue: Queue;
  private readonly worker: Worker<IncomingJobData>;
  private readonly connections: Redis[] = [];
  private sweeper: Loop | undefined;
  private isClosed = false;
  private readonly closing = new AbortController();

  constructor(opts: SendQueueOptions) {
    this.opts = opts;
    const name = sendQueueName(opts.tenantId);
    const queueConnection = this.connect();
    const workerConnection = this.connect();
    this.queue = new Queue(name, { connection: queueConnection, prefix: opts.redisPrefix });
    this.queue.on('error', (err) => opts.log.error({ err }, 'send queue connection error'));
    this.worker = new Worker<IncomingJobData>(name, (job, token) => this.process(job, token), {
      connection: workerConnection,
      prefix: opts.redisPrefix,
      autorun: false,
      // One at a time: messages to a chat keep their order, and stop() waits for at most one send.
      concurrency: 1,
      // Evenly paced: one send per 60 s / SEND_RATE_PER_MIN. BullMQ counts in back-to-back windows, so
      // "N per minute" would allow 2N inside a minute straddling two windows (and bursts look like spam
      // to WhatsApp); with one send per window no minute ever holds more than N.
      limiter: { max: 1, duration: Math.max(1, Math.floor(60_000 / opts.ratePerMin)) },
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: 5,
      // The producer may not set these; finished jobs must go, or a re-add of the same id would be a no-op.
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    });
    this.worker.on('error', (err) => opts.log.error({ err }, 'send worker error'));
  }

  private connect(): Redis {
    const connection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.connections.push(connection);
    return connection;
  }

  async enqueue(messageId: string): Promise<void> {
    const job = sendJob(messageId);
    await this.queue.add(job.name, job.data, job.opts);
  }

  /** Begins sweeping now and every sweepIntervalMs (next sweep scheduled after the previous one). */
  startSweeping(): void {
    this.sweeper = startLoop(() => this.sweep(), {
      intervalMs: this.opts.sweepIntervalMs,
      onError: (err) => this.opts.log.error({ err }, 'queued-message sweep failed'),
    });
  }

  /**
   * Re-enqueues every QUEUED row of the tenant. A job that ended (failed, or completed by a producer
   * that kept finished jobs) while its row is still QUEUED blocks a re-add of its jobId: it is removed
   * first. Waiting, delayed and active jobs are left alone (adding them again is a no-op).
   */
  async sweep(): Promise<number> {
    const ids = await this.opts.messages.listQueued(SWEEP_BATCH);
    if (ids.length === 0 || this.isClosed) return 0;
    const queued = new Set(ids);
    const ended = [...(await this.queue.getFailed()), ...(await this.queue.getCompleted())];
    let removed = 0;
    for (const job of ended) {
      if (job.id === undefined || !queued.has(job.id)) continue;
      await job.remove();
      removed += 1;
    }
    if (removed > 0) {
      this.opts.log.warn({ count: removed }, 'ended jobs of still-QUEUED messages removed for re-enqueueing');
    }
    await this.queue.addBulk(ids.map((id) => sendJob(id)));
    this.opts.log.debug({ count: ids.length }, 'queued messages re-enqueued');
    return ids.length;
  }

  /** Takes jobs while the session is connected; pauses (without waiting) when it is not. */
  setSending(isConnected: boolean): void {
    if (this.isClosed) return;
    if (isConnected) {
      if (!this.worker.isRunning()) {
        this.worker
          .run()
          .catch((err: unknown) => this.opts.log.error({ err }, 'send worker stopped with an error'));
      } else if (this.worker.isPaused()) {
        void this.worker
          .resume()
          .catch((err: unknown) => this.opts.log.error({ err }, 'resuming the send worker failed'));
      }
      this.opts.log.info('sending enabled');
    } else if (this.worker.isRunning() && !this.worker.isPaused()) {
      void this.worker
        .pause(true)
        .catch((err: unknown) => this.opts.log.error({ err }, 'pausing the send worker failed'));
      this.opts.log.info('sending paused: session not connected');
    }
  }

  /** Stops taking jobs and waits for an in-flight send to finish, then closes the connections. */
  async close(): Promise<void> {
    this.isClosed = true;
    this.closing.abort();
    await this.sweeper?.stop();
    await this.worker.close();
    await this.queue.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  /** A database call, retried until it works or the queue closes (RetryAbortedError). */
  private db<T>(what: string, messageId: string, fn: () => Promise<T>): Promise<T> {
    return retryUntilDone(what, fn, {
      ...this.opts.dbRetry,
      log: this.opts.log,
      signal: this.closing.signal,
      context: { messageId },
    });
  }

  private async process(job: Job<IncomingJobData>, token?: string): Promise<void> {
    try {
      await this.processRow(job, token);
    } catch (err) {
      if (!(err instanceof RetryAbortedError)) throw err;
      // Stopping while the database is away: hand the job back; the row is still QUEUED.
      await job.moveToDelayed(Date.now() + STOPPING_REQUEUE_DELAY_MS, token);
      throw new DelayedError();
    }
  }

  private async processRow(job: Job<IncomingJobData>, token?: string): Promise<void> {
    const { log, messages, engine } = this.opts;
    const messageId = job.data.messageId;
    if (!isUuid(messageId)) {
      log.warn({ jobId: job.id }, 'send job ignored: no valid messageId');
      return;
    }
    const attempt = await this.db('claiming a send attempt', messageId, () =>
      messages.beginAttempt(messageId),
    );
    if (!attempt) {
      log.debug({ messageId }, 'send job skipped: message is not queued (already handled)');
      return;
    }
    if (attempt.attempts > 1 && !engine.capabilities.idempotentClientRef) {
      // An earlier attempt may have reached WhatsApp before its outcome was recorded, and this engine
      // cannot recognise the repeated clientRef: say so, so a duplicate can be explained.
      log.warn({ messageId, attempt: attempt.attempts }, 'retrying a send the engine cannot deduplicate');
    }
    let waMessageId: string;
    try {
      ({ waMessageId } = await this.sendOne(messageId, attempt));
    } catch (err) {
      await this.handleSendError(job, token, messageId, attempt.attempts, err);
      return;
    }
    // The message is out: from here on only the database can fail, and it is waited for. If the worker
    // dies first, the row stays QUEUED and the retry reaches the engine with the same clientRef again.
    const isSent = await this.db('marking a message SENT', messageId, () =>
      messages.finishSend(messageId, { status: 'SENT', waMessageId }),
    );
    if (isSent) {
      log.info({ messageId, to: maskPhone(attempt.toNumber), attempt: attempt.attempts }, 'message sent');
    } else {
      // An earlier try of this write can have committed while its answer was lost (the database went
      // away mid-reply): the row has moved on. The network has the message either way.
      log.warn({ messageId, attempt: attempt.attempts }, 'message sent; its row was no longer QUEUED');
    }
    // Acks that came back before this point wait for it; without it they would never be applied.
    this.opts.onSent(messageId, waMessageId);
  }

  /** Text, or a file with its caption (the row's body), through the engine. */
  private async sendOne(messageId: string, attempt: SendAttempt): Promise<{ waMessageId: string }> {
    const { engine } = this.opts;
    const opts = { clientRef: messageId };
    if (!attempt.mediaSha256) return engine.sendText(attempt.toNumber, attempt.body, opts);
    if (!engine.capabilities.media || !engine.sendMedia) {
      throw new PermanentSendError(`the ${engine.name} engine cannot send files`);
    }
    const data = await this.opts.mediaStore.read(this.opts.tenantId, attempt.mediaSha256);
    if (!data) throw new PermanentSendError('the file of this message is no longer stored');
    return engine.sendMedia(
      attempt.toNumber,
      {
        data,
        mimeType: attempt.mediaMime ?? 'application/octet-stream',
        fileName: cleanMessageMeta(attempt.meta).fileName,
        caption: attempt.body || undefined,
      },
      opts,
    );
  }

  private async handleSendError(
    job: Job,
    token: string | undefined,
    messageId: string,
    attempts: number,
    err: unknown,
  ) {
    const { log, messages } = this.opts;
    const reason = err instanceof Error ? err.message : String(err);
    if (isRetryableEngineError(err) && attempts < this.opts.maxAttempts) {
      const delayMs = this.opts.backoffMs * 2 ** (attempts - 1);
      log.warn({ messageId, attempt: attempts, delayMs, reason }, 'send failed, will retry');
      // Retries are counted on the row (not in the job), so they survive restarts and do not depend
      // on which producer added the job with which options.
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
    const error = attempts > 1 ? `${reason} (gave up after ${attempts} attempts)` : reason;
    await this.db('marking a message FAILED', messageId, () =>
      messages.finishSend(messageId, { status: 'FAILED', error }),
    );
    log.error({ messageId, attempt: attempts, reason }, 'send failed permanently');
    throw new UnrecoverableError(reason);
  }
}
