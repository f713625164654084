import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient, Prisma } from '@wa-fleet/db';
import { startRepeatingTask, type RepeatingTask } from '../repeating-task.ts';
import { postWebhook, SIGNATURE_HEADER, signatureHeader, type PostResult } from './http-post.ts';

/**
 * The webhook dispatcher of the control plane.
 *
 * 1. Outbox: database triggers write webhook_events in the transaction of the change and NOTIFY
 *    `webhook_events`. The dispatcher LISTENs and, on each notification and on a periodic sweep, fans
 *    undispatched events out into one webhook_deliveries row per subscribed, enabled endpoint (marking
 *    the event dispatched in the same statement), then wakes those endpoints with a BullMQ job.
 * 2. Jobs are wake-up calls for an endpoint, never the state: the delivery rows are. A job drains its
 *    endpoint: under a per-endpoint advisory lock it claims the lowest-seq due delivery (at most one in
 *    flight per endpoint), posts it, records the attempt and claims the next, until none is due. A lost
 *    job, a crash between commit and enqueue, or a process killed mid-request is picked up by the sweep
 *    (due deliveries whose lock expired), so every event is delivered at least once.
 */

export const WEBHOOK_QUEUE = 'webhooks';

export interface WebhookSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  timeoutMs: number;
  excerptBytes: number;
  allowPrivate: boolean;
  concurrency: number;
  sweepIntervalMs: number;
  pauseAfterDeadLetters: number;
  pauseAfterFailingMs: number;
}

export function webhookSettings(config: ControlPlaneConfig): WebhookSettings {
  return {
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    retryMaxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    excerptBytes: config.WEBHOOK_RESPONSE_EXCERPT_BYTES,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    sweepIntervalMs: config.WEBHOOK_SWEEP_INTERVAL_MS,
    pauseAfterDeadLetters: config.WEBHOOK_PAUSE_AFTER_DEAD_LETTERS,
    pauseAfterFailingMs: config.WEBHOOK_PAUSE_AFTER_FAILING_MS,
  };
}

/**
 * Delay before attempt `attemptsMade + 1`: base * 2^(attemptsMade-1), capped, times a jitter in
 * [0.75, 1.25). A Retry-After of the receiver wins when it is longer (capped too).
 */
export function retryDelayMs(
  attemptsMade: number,
  s: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxDelayMs'>,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  const exp = Math.min(s.retryMaxDelayMs, s.retryBaseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(exp * (0.75 + random() * 0.5));
  if (retryAfterMs !== null) return Math.min(s.retryMaxDelayMs, Math.max(retryAfterMs, jittered));
  return jittered;
}

type Outcome = 'success' | 'retry' | 'final';

/** 2xx succeeds; network errors, timeouts, 408, 429 and 5xx are retried; anything else is final. */
export function classify(result: PostResult): Outcome {
  if (result.blocked) return 'final';
  const code = result.statusCode;
  if (code === null) return 'retry';
  if (code >= 200 && code < 300) return 'success';
  if (code === 408 || code === 429 || code >= 500) return 'retry';
  return 'final';
}

interface Claimed {
  deliveryId: string;
  endpointId: string;
  attempts: number;
  round: number;
  url: string;
  secret: string;
  body: string;
  eventId: string;
  eventType: string;
}

type Tx = Prisma.TransactionClient;

const lockEndpoint = (tx: Tx, endpointId: string) =>
  tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${endpointId}))`.then(() => undefined);

export function eventBody(event: {
  id: string;
  type: string;
  tenant: string;
  time: Date;
  data: unknown;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    tenant: event.tenant,
    time: event.time.toISOString(),
    data: event.data,
  });
}

export class WebhookDispatcher {
  readonly queue: Queue;
  private worker: Worker | null = null;
  private workerConnection: Redis | null = null;
  private listener: pg.Client | null = null;
  private sweepTask: RepeatingTask | null = null;
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;
  private stopped = true;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      db: DbClient;
      databaseUrl: string;
      redis: Redis;
      redisUrl: string;
      prefix: string;
      settings: WebhookSettings;
      log: Logger;
    },
  ) {
    this.queue = new Queue(WEBHOOK_QUEUE, { connection: deps.redis, prefix: deps.prefix });
  }

  get settings(): WebhookSettings {
    return this.deps.settings;
  }

  /** Starts the LISTEN connection, the BullMQ worker and the sweep (which runs once at once). */
  async start(): Promise<void> {
    this.stopped = false;
    this.workerConnection = new Redis(this.deps.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection.on('error', (err) =>
      this.deps.log.warn({ err: { message: err.message } }, 'webhook worker redis error'),
    );
    this.worker = new Worker(
      WEBHOOK_QUEUE,
      (job: Job<{ endpointId: string }>) => this.drain(job.data.endpointId),
      {
        connection: this.workerConnection,
        prefix: this.deps.prefix,
        concurrency: this.deps.settings.concurrency,
      },
    );
    this.worker.on('error', (err) =>
      this.deps.log.warn({ err: { message: err.message } }, 'webhook worker error'),
    );
    await this.listen();
    this.sweepTask = startRepeatingTask(
      'webhook-sweep',
      this.deps.settings.sweepIntervalMs,
      () => this.sweep(),
      this.deps.log,
      { runNow: true },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.sweepTask?.stop();
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    await this.dispatching;
    await this.worker?.close();
    this.workerConnection?.disconnect();
    await this.queue.close();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.deps.databaseUrl,
      application_name: 'webhook-listener',
    });
    client.on('notification', () => this.kick());
    client.on('error', (err) => {
      this.deps.log.warn({ err: { message: err.message } }, 'webhook listener lost its connection');
      this.listener = null;
      client.end().catch(() => undefined);
      if (!this.stopped)
        this.reconnectTimer = setTimeout(() => void this.listen().catch(() => undefined), 1_000);
    });
    try {
      await client.connect();
      await client.query('LISTEN webhook_events');
      this.listener = client;
    } catch (err) {
      this.deps.log.warn({ err: { message: (err as Error).message } }, 'webhook listener cannot connect');
      await client.end().catch(() => undefined);
      if (!this.stopped)
        this.reconnectTimer = setTimeout(() => void this.listen().catch(() => undefined), 1_000);
    }
  }

  /** Runs a fan-out pass now, or once more after the running one (notifications coalesce). */
  kick(): void {
    if (this.stopped) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = (async () => {
      do {
        this.dispatchAgain = false;
        try {
          await this.dispatchPending();
        } catch (err) {
          this.deps.log.error({ err }, 'webhook fan-out failed (the sweep retries)');
        }
      } while (this.dispatchAgain && !this.stopped);
    })().finally(() => {
      this.dispatching = null;
    });
  }

  /** Fans undispatched events out into deliveries (in event order), then wakes their endpoints. */
  async dispatchPending(): Promise<number> {
    const BATCH = 500;
    let total = 0;
    for (;;) {
      const { events, rows } = await this.deps.db.$transaction(async (tx) => {
        const batch = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM webhook_events WHERE dispatched_at IS NULL
          ORDER BY seq LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`;
        if (batch.length === 0) return { events: 0, rows: [] };
        const ids = batch.map((b) => b.id);
        const created = await tx.$queryRaw<{ endpoint_id: string; id: string }[]>`
          INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, status, next_attempt_at, updated_at)
          SELECT gen_random_uuid(), e.tenant_id, w.id, e.id, 'PENDING', now(), now()
          FROM webhook_events e
          JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.enabled AND e.type = ANY(w.event_types)
          WHERE e.id = ANY(${ids}::uuid[])
          ORDER BY e.seq, w.id
          ON CONFLICT (endpoint_id, event_id) DO NOTHING
          RETURNING endpoint_id, id`;
        await tx.$executeRaw`UPDATE webhook_events SET dispatched_at = now() WHERE id = ANY(${ids}::uuid[])`;
        return { events: batch.length, rows: created };
      });
      const firstByEndpoint = new Map<string, string>();
      for (const row of rows)
        if (!firstByEndpoint.has(row.endpoint_id)) firstByEndpoint.set(row.endpoint_id, row.id);
      for (const [endpointId, deliveryId] of firstByEndpoint) await this.wake(endpointId, `f-${deliveryId}`);
      total += rows.length;
      if (events < BATCH) return total;
    }
  }

  /** One sweep: fan out anything a notification missed; wake endpoints with due, unlocked deliveries. */
  async sweep(): Promise<void> {
    await this.dispatchPending();
    const due = await this.deps.db.$queryRaw<{ endpoint_id: string }[]>`
      SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d
      JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled AND w.paused_at IS NULL
      WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
      LIMIT 1000`;
    const bucket = Math.floor(Date.now() / this.deps.settings.sweepIntervalMs);
    for (const { endpoint_id } of due) await this.wake(endpoint_id, `s-${endpoint_id}-${bucket}`);
  }

  /** Queues a drain of the endpoint, now or after delayMs; a jobId already queued is not added twice. */
  async wake(endpointId: string, jobId: string = `m-${randomUUID()}`, delayMs = 0): Promise<void> {
    await this.queue.add(
      'drain',
      { endpointId },
      { jobId, delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 },
    );
  }

  /** Claims the next due delivery of the endpoint, if no other is in flight. Runs under the endpoint lock. */
  private async claimNext(tx: Tx, endpointId: string): Promise<Claimed | null> {
    const endpoint = await tx.webhookEndpoint.findUnique({
      where: { id: endpointId },
      select: { url: true, secret: true, enabled: true, pausedAt: true, tenant: { select: { slug: true } } },
    });
    if (!endpoint || !endpoint.enabled || endpoint.pausedAt) return null;
    const busy = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM webhook_deliveries
      WHERE endpoint_id = ${endpointId}::uuid AND status = 'PENDING' AND locked_until > now() LIMIT 1`;
    if (busy.length > 0) return null;
    const next = await tx.$queryRaw<{ id: string; attempts: number; round: number; event_id: string }[]>`
      SELECT id, attempts, round, event_id FROM webhook_deliveries
      WHERE endpoint_id = ${endpointId}::uuid AND status = 'PENDING' AND next_attempt_at <= now()
      ORDER BY seq LIMIT 1`;
    const row = next[0];
    if (!row) return null;
    const lockMs = this.deps.settings.timeoutMs + 5_000;
    await tx.$executeRaw`
      UPDATE webhook_deliveries SET locked_until = now() + make_interval(secs => ${lockMs / 1000}::float8)
      WHERE id = ${row.id}::uuid`;
    const event = await tx.webhookEvent.findUniqueOrThrow({
      where: { id: row.event_id },
      select: { id: true, type: true, data: true, createdAt: true },
    });
    return {
      deliveryId: row.id,
      endpointId,
      attempts: row.attempts,
      round: row.round,
      url: endpoint.url,
      secret: endpoint.secret,
      eventId: event.id,
      eventType: event.type,
      body: eventBody({
        id: event.id,
        type: event.type,
        tenant: endpoint.tenant.slug,
        time: event.createdAt,
        data: event.data,
      }),
    };
  }

  /** Delivers the endpoint's due deliveries one at a time, in event order, until none is due. */
  async drain(endpointId: string): Promise<void> {
    let claimed = await this.deps.db.$transaction(async (tx) => {
      await lockEndpoint(tx, endpointId);
      return this.claimNext(tx, endpointId);
    });
    while (claimed && !this.stopped) {
      const current: Claimed = claimed;
      const unix = Math.floor(Date.now() / 1000);
      const startedAt = new Date();
      const result = await postWebhook(current.url, current.body, {
        timeoutMs: this.deps.settings.timeoutMs,
        excerptBytes: this.deps.settings.excerptBytes,
        allowPrivate: this.deps.settings.allowPrivate,
        headers: {
          [SIGNATURE_HEADER]: signatureHeader(current.secret, current.body, unix),
          'Wa-Fleet-Event-Id': current.eventId,
          'Wa-Fleet-Event-Type': current.eventType,
          'Wa-Fleet-Delivery-Attempt': String(current.attempts + 1),
        },
      });
      const { next, retry } = await this.deps.db.$transaction(async (tx) => {
        await lockEndpoint(tx, endpointId);
        const retryAt = await this.record(tx, current, startedAt, result);
        return { retry: retryAt, next: await this.claimNext(tx, endpointId) };
      });
      if (retry) {
        await this.wake(
          endpointId,
          `r-${current.deliveryId}-${current.round}-${current.attempts + 1}`,
          retry,
        );
      }
      claimed = next;
    }
  }

  /** Writes the attempt and the delivery's new state; returns the retry delay when one is scheduled. */
  private async record(
    tx: Tx,
    claimed: Claimed,
    startedAt: Date,
    result: PostResult,
  ): Promise<number | null> {
    const s = this.deps.settings;
    const error = result.error ?? (classify(result) === 'success' ? null : `HTTP ${result.statusCode}`);
    await tx.webhookAttempt.create({
      data: {
        deliveryId: claimed.deliveryId,
        startedAt,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: error?.slice(0, 500) ?? null,
        responseExcerpt: result.excerpt,
      },
    });
    const outcome = classify(result);
    const attempts = claimed.attempts + 1;
    const common = {
      attempts,
      lockedUntil: null,
      lastStatusCode: result.statusCode,
      lastError: error?.slice(0, 500) ?? null,
    };
    if (outcome === 'success') {
      await tx.webhookDelivery.update({
        where: { id: claimed.deliveryId },
        data: { ...common, status: 'SUCCEEDED', finishedAt: new Date() },
      });
      // Written only when there is something to reset: a healthy endpoint's row is not rewritten per event.
      await tx.webhookEndpoint.updateMany({
        where: {
          id: claimed.endpointId,
          OR: [{ consecutiveDead: { gt: 0 } }, { failingSince: { not: null } }],
        },
        data: { consecutiveDead: 0, failingSince: null },
      });
      return null;
    }
    const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({
      where: { id: claimed.endpointId },
      select: { failingSince: true, consecutiveDead: true },
    });
    const failingSince = endpoint.failingSince ?? startedAt;
    if (outcome === 'retry' && attempts < s.maxAttempts) {
      const delay = retryDelayMs(attempts, s, result.retryAfterMs);
      await tx.webhookDelivery.update({
        where: { id: claimed.deliveryId },
        data: { ...common, status: 'PENDING', nextAttemptAt: new Date(Date.now() + delay) },
      });
      const failingTooLong = Date.now() - failingSince.getTime() >= s.pauseAfterFailingMs;
      await tx.webhookEndpoint.update({
        where: { id: claimed.endpointId },
        data: {
          failingSince,
          ...(failingTooLong
            ? {
                pausedAt: new Date(),
                pausedReason: `paused: failing without a success since ${failingSince.toISOString()} (last: ${error})`,
              }
            : {}),
        },
      });
      return delay;
    }
    // A dead letter: every attempt failed (DEAD) or the receiver refused it for good (FAILED).
    await tx.webhookDelivery.update({
      where: { id: claimed.deliveryId },
      data: { ...common, status: outcome === 'retry' ? 'DEAD' : 'FAILED', finishedAt: new Date() },
    });
    const dead = endpoint.consecutiveDead + 1;
    const pause = dead >= s.pauseAfterDeadLetters;
    await tx.webhookEndpoint.update({
      where: { id: claimed.endpointId },
      data: {
        failingSince,
        consecutiveDead: dead,
        ...(pause
          ? {
              pausedAt: new Date(),
              pausedReason: `paused after ${dead} failed deliveries in a row (last: ${error})`,
            }
          : {}),
      },
    });
    return null;
  }
}
