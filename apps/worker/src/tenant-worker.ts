import type { Redis } from 'ioredis';
import type { WorkerConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
import {
  rulesChangedChannel,
  startLoop,
  withTimeout,
  workerControlChannel,
  type Loop,
} from '@wa-fleet/shared';
import { classifyError } from '@wa-fleet/shared/health';
import { AutoReplyRuleCache } from './auto-reply-rules.ts';
import { Backfill } from './backfill.ts';
import type { AckStatus, WaEngine } from './engine/index.ts';
import { InboundPipeline } from './inbound-pipeline.ts';
import { InboundSpool } from './inbound-spool.ts';
import { LocalMediaStore } from '@wa-fleet/media';
import { MediaFetcher } from './media-fetcher.ts';
import { MessageRepository } from './message-repository.ts';
import { PairingRequests } from './pairing.ts';
import { SendQueue } from './send-queue.ts';
import { SessionRecorder } from './session-recorder.ts';
import { WorkerStatusRepository } from './worker-status-repository.ts';

export interface TenantWorkerDeps {
  config: WorkerConfig;
  tenant: { id: string; slug: string };
  db: DbClient;
  /** Commands connection; owned by the caller (it closes it after stop()). */
  redis: Redis;
  log: Logger;
  /** The tenant's engine, made by the caller from the registry (createEngine). */
  engine: WaEngine;
  pid?: number;
}

export interface StartHooks {
  /** Called once the first heartbeat (the control plane's readiness signal) is written. */
  onReady?: () => void;
  /** The engine (or the heartbeat) cannot continue: the caller records ERROR and exits. */
  onFatal: (err: Error) => void;
}

const PENDING_ACK_TTL_MS = 60_000;
/**
 * Acks waiting for their SENT write, at most (the oldest go first). Bounded by count, not by age: the
 * SENT write of a message sent just before a database outage waits as long as the outage lasts, and
 * its acks must still be there when it lands.
 */
const PENDING_ACKS_MAX = 10_000;
/** Per sent message: enough for each ack status racing its SENT write once, plus one that cannot apply. */
const MAX_ACK_REPUSHES = 4;
const BACKFILL_STOP_MS = 1_000;
/**
 * Bounds on the database steps of a stop, so a database that is down or hanging cannot turn a stop
 * into a grace timeout: the events held are spooled by then, and only bookkeeping is left.
 */
const SESSION_DRAIN_MS = 1_000;
const HEARTBEAT_STOP_MS = 1_000;
const STATUS_WRITE_MS = 2_000;

/**
 * One tenant's worker. start() brings it up in this order: status rows -> first heartbeat (RUNNING)
 * -> readiness -> send queue (paused until the session connects) and sweep -> subscriptions (rule
 * changes, control requests) -> engine. Every `connected` (the first and each reconnect) starts a backfill. stop() undoes it in
 * reverse (see there).
 */
export class TenantWorker {
  private readonly deps: TenantWorkerDeps;
  private readonly pid: number;
  private readonly status: WorkerStatusRepository;
  private readonly messages: MessageRepository;
  private readonly rules: AutoReplyRuleCache;
  private readonly session: SessionRecorder;
  readonly engine: WaEngine;
  private readonly sendQueue: SendQueue;
  private readonly pipeline: InboundPipeline;
  private readonly backfill: Backfill;
  private readonly pairing: PairingRequests;
  /** Fetches the files of media messages; only for an engine with the `media` capability. */
  readonly media: MediaFetcher | undefined;
  private heartbeat: Loop | undefined;
  /** One connection for both channels: rule changes (all tenants) and this worker's control requests. */
  private subscriber: Redis | undefined;
  /** Acks that arrived before their row was marked SENT (the engine can be faster than our write). */
  private readonly pendingAcks = new Map<string, { status: AckStatus; at: number }>();
  /**
   * Messages marked SENT in the last PENDING_ACK_TTL_MS. An ack whose UPDATE ran just before the SENT
   * write committed comes back unmatched after onSent already looked for it; seen here, it is applied
   * again instead of waiting for an onSent that has passed. Bounded per message, so an ack that can
   * never apply (a DELIVERED arriving after READ) is not retried forever.
   */
  private readonly recentlySent = new Map<string, { at: number; rePushes: number }>();
  private isStopping = false;

  constructor(deps: TenantWorkerDeps) {
    this.deps = deps;
    const { config, tenant, db, log } = deps;
    this.pid = deps.pid ?? process.pid;
    this.status = new WorkerStatusRepository(db, tenant);
    this.messages = new MessageRepository(db, tenant.id, { deletedContent: config.DELETED_MESSAGE_CONTENT });
    this.rules = new AutoReplyRuleCache(db, tenant.id, log);
    this.session = new SessionRecorder(db, tenant.id, log);
    this.engine = deps.engine;
    const mediaStore = new LocalMediaStore(config.MEDIA_DIR, {
      maxFileBytes: config.MEDIA_MAX_FILE_BYTES,
      maxTenantBytes: config.MEDIA_MAX_TENANT_BYTES,
    });
    this.sendQueue = new SendQueue({
      tenantId: tenant.id,
      redisUrl: config.REDIS_URL,
      redisPrefix: config.REDIS_PREFIX,
      ratePerMin: config.SEND_RATE_PER_MIN,
      maxAttempts: config.SEND_MAX_ATTEMPTS,
      backoffMs: config.SEND_BACKOFF_MS,
      sweepIntervalMs: config.SEND_SWEEP_INTERVAL_MS,
      dbRetry: { baseMs: config.DB_RETRY_BASE_MS, maxMs: config.DB_RETRY_MAX_MS },
      engine: this.engine,
      messages: this.messages,
      mediaStore,
      log,
      onSent: (messageId, waMessageId) => {
        const now = Date.now();
        dropOlderThan(this.recentlySent, now - PENDING_ACK_TTL_MS);
        this.recentlySent.set(waMessageId, { at: now, rePushes: 0 });
        this.applyPendingAck(waMessageId);
      },
    });
    if (this.engine.capabilities.media) {
      this.media = new MediaFetcher({
        db,
        tenantId: tenant.id,
        engine: this.engine,
        store: mediaStore,
        log,
        baseMs: config.MEDIA_RETRY_BASE_MS,
        maxMs: config.MEDIA_RETRY_MAX_MS,
        maxAttempts: config.MEDIA_MAX_ATTEMPTS,
      });
    }
    this.pipeline = new InboundPipeline({
      messages: this.messages,
      onMediaPending: (id) => this.media?.enqueue(id),
      rules: this.rules,
      enqueueSend: (id) => this.sendQueue.enqueue(id),
      onAckUnmatched: (waMessageId, status) => this.rememberAck(waMessageId, status),
      spool: new InboundSpool(config.INBOUND_SPOOL_DIR, tenant.id),
      retry: { baseMs: config.DB_RETRY_BASE_MS, maxMs: config.DB_RETRY_MAX_MS },
      bufferMax: config.INBOUND_BUFFER_MAX,
      spoolAfterMs: config.INBOUND_SPOOL_AFTER_MS,
      log,
    });
    this.backfill = new Backfill({
      db,
      tenantId: tenant.id,
      engine: this.engine,
      push: (message) => {
        if (!this.isStopping) this.pipeline.pushMessage(message);
      },
      log,
    });
    this.pairing = new PairingRequests(db, tenant.id, this.engine, log);
  }

  async start(hooks: StartHooks): Promise<void> {
    const { log, config } = this.deps;
    await this.status.ensureRows();
    await this.status.markStarting(this.pid);
    await this.beat();
    // Next beat measured from the end of the previous one: a slow database delays beats, never stacks them.
    this.heartbeat = startLoop(() => this.beat(), {
      intervalMs: config.HEARTBEAT_INTERVAL_MS,
      runNow: false,
      onError: (err) => log.error({ err }, 'heartbeat failed'),
    });
    hooks.onReady?.();

    this.pipeline.start();
    this.sendQueue.startSweeping();
    await this.subscribe();
    this.attachEngine(hooks.onFatal);
    log.info(
      { engine: this.engine.name, capabilities: this.engine.capabilities },
      'starting WhatsApp engine',
    );
    await this.engine.start();
  }

  /**
   * Shutdown order:
   * 1. stop taking send jobs and let an in-flight send finish (BullMQ worker.close());
   * 2. stop listening to the engine and backfilling (a backfill cut short is redone at the next
   *    connect: its messages stay on the network); inbound events already received are stored, or
   *    spooled to disk when the database cannot take them in time (replayed at the next start);
   * 3. stop the heartbeat (waits for a beat in flight), then write STOPPED, so no late beat undoes it;
   * 4. stop the engine (closes Chromium);
   * 5. close our Redis subscribers. The caller then closes Redis and Postgres and flushes the log.
   */
  async stop(): Promise<void> {
    if (this.isStopping) return;
    this.isStopping = true;
    const { log } = this.deps;
    await this.sendQueue.close();
    this.engine.removeAllListeners();
    // A download cut short leaves its row PENDING/RETRYING: the next start fetches it again.
    await withTimeout(this.media?.stop() ?? Promise.resolve(), BACKFILL_STOP_MS, 'media stop').catch(
      () => undefined,
    );
    // Bounded: a backfill stuck on a hanging database must not eat the shutdown grace.
    await withTimeout(this.backfill.stop(), BACKFILL_STOP_MS, 'backfill stop').catch(() => undefined);
    await this.pipeline.stop();
    // From here on only bookkeeping is left (the inbound events are stored or spooled): a database that
    // is down costs a log line, not the stop.
    await withTimeout(this.session.drain(), SESSION_DRAIN_MS, 'session state writes').catch(() => undefined);
    await withTimeout(this.heartbeat?.stop() ?? Promise.resolve(), HEARTBEAT_STOP_MS, 'heartbeat stop').catch(
      () => undefined,
    );
    try {
      await withTimeout(this.status.markStopped(), STATUS_WRITE_MS, 'recording STOPPED');
      log.info({ status: 'STOPPED' }, 'worker status changed');
    } catch (err) {
      const isUnreachable = classifyError(err) === 'unreachable';
      log.warn(
        {
          err,
          hint: 'the row stays as it was until the control plane finds the process gone; spooled events are stored at the next start',
        },
        isUnreachable ? 'could not record STOPPED: the database is unreachable' : 'could not record STOPPED',
      );
    }
    await this.engine.stop();
    await this.closeSubscriber();
  }

  /**
   * Best-effort cleanup after a fatal error: record ERROR with the reason and make sure no browser
   * outlives us. Never throws; the caller exits 1 afterwards.
   */
  async crash(err: Error): Promise<void> {
    this.isStopping = true;
    this.engine.removeAllListeners();
    void this.backfill.stop();
    void this.media?.stop();
    await this.pipeline.stop(0).catch(() => undefined);
    await this.heartbeat?.stop().catch(() => undefined);
    await this.status
      .markError(err.message)
      .catch((e: unknown) => this.deps.log.error({ err: e }, 'could not record ERROR'));
    await this.engine.stop().catch(() => undefined);
    await this.sendQueue.close().catch(() => undefined);
    await this.closeSubscriber();
  }

  private async beat(): Promise<void> {
    const result = await this.status.beat(this.pid);
    if (!result) throw new Error('worker row is gone (tenant deleted?)');
    if (result.previous === result.current) return;
    if (result.previous === 'ERROR') {
      this.deps.log.warn({ status: result.current, previousStatus: result.previous }, 'worker recovered');
    } else {
      this.deps.log.info(
        { status: result.current, previousStatus: result.previous },
        'worker status changed',
      );
    }
  }

  private attachEngine(onFatal: (err: Error) => void): void {
    const { engine } = this;
    this.session.attach(engine);
    engine.on('connected', () => {
      this.sendQueue.setSending(true);
      // Whatever arrived while nobody listened (stopped, crashed, hung, disconnected) is fetched now.
      this.backfill.request('connected');
      // Files whose download failed or never started (a restart, a dropped connection) are tried again.
      this.media
        ?.sweep()
        .catch((err: unknown) => this.deps.log.warn({ err }, 'media sweep failed; the next connect retries'));
    });
    engine.on('disconnected', () => this.sendQueue.setSending(false));
    engine.on('logged_out', () => this.sendQueue.setSending(false));
    engine.on('auth_failed', () => this.sendQueue.setSending(false));
    engine.on('message', (message) => {
      if (!this.isStopping) this.pipeline.pushMessage(message);
    });
    // Acks go through the pipeline too: retried, spooled and replayed like messages, never dropped.
    engine.on('message_ack', (waMessageId, status) => this.pipeline.pushAck(waMessageId, status));
    // Edits and deletions for everyone as well (no backfill brings them back: even while stopping they
    // are taken, and spooled once the pipeline stopped).
    engine.on('message_edit', (edit) => this.pipeline.pushEdit(edit));
    engine.on('message_revoke', (revoke) => this.pipeline.pushRevoke(revoke));
    engine.on('fatal', (err) => onFatal(err));
  }

  private rememberAck(waMessageId: string, status: AckStatus): void {
    const now = Date.now();
    dropOlderThan(this.recentlySent, now - PENDING_ACK_TTL_MS);
    const sent = this.recentlySent.get(waMessageId);
    if (sent && sent.rePushes < MAX_ACK_REPUSHES) {
      sent.rePushes += 1;
      this.pipeline.pushAck(waMessageId, status);
      return;
    }
    const known = this.pendingAcks.get(waMessageId);
    if (!known || known.status !== 'READ') this.pendingAcks.set(waMessageId, { status, at: now });
    for (const id of this.pendingAcks.keys()) {
      if (this.pendingAcks.size <= PENDING_ACKS_MAX) break;
      this.pendingAcks.delete(id);
    }
  }

  private applyPendingAck(waMessageId: string): void {
    const pending = this.pendingAcks.get(waMessageId);
    if (!pending) return;
    this.pendingAcks.delete(waMessageId);
    this.pipeline.pushAck(waMessageId, pending.status);
  }

  private async subscribe(): Promise<void> {
    const { config, tenant, log } = this.deps;
    const rulesChannel = rulesChangedChannel(config.REDIS_PREFIX);
    const controlChannel = workerControlChannel(config.REDIS_PREFIX, tenant.id);
    const subscriber = this.deps.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (err) => log.error({ err }, 'subscriber error'));
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === rulesChannel) {
        if (payload.trim() === tenant.id) this.rules.invalidate();
        return;
      }
      if (channel !== controlChannel || this.isStopping) return;
      const type = parseControlType(payload);
      if (type === 'pairing_code') void this.pairing.request();
      else log.warn('control request ignored: unknown type');
    });
    await subscriber.subscribe(rulesChannel, controlChannel);
  }

  private async closeSubscriber(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}

function parseControlType(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { type?: unknown };
    return typeof parsed.type === 'string' ? parsed.type : undefined;
  } catch {
    return undefined;
  }
}

/** Drops the entries of `map` recorded before `cutoff`. */
function dropOlderThan(map: Map<string, { at: number }>, cutoff: number): void {
  for (const [id, entry] of map) if (entry.at < cutoff) map.delete(id);
}
