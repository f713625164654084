import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
import type { InboundMessage, WaEngine } from './engine/index.ts';

/**
 * How far before the newest stored message a backfill starts. Messages are stored a few at a time and
 * not strictly in arrival order (and a phone's clock is not ours), so the newest stored one does not
 * prove that everything older was stored: re-reading this window costs a lookup, missing it a message.
 */
export const BACKFILL_OVERLAP_MS = 10 * 60_000;
/** A tenant that never stored a message backfills from its creation, but never more than this. */
export const BACKFILL_MAX_AGE_MS = 24 * 60 * 60_000;
/** Most messages one backfill takes from the engine. */
const BACKFILL_LIMIT = 20_000;
const LOOKUP_CHUNK = 1_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export interface BackfillDeps {
  db: DbClient;
  tenantId: string;
  engine: WaEngine;
  /** Hands a missed message to the inbound pipeline (which stores it once and runs the rules). */
  push: (message: InboundMessage) => void;
  log: Logger;
}

/**
 * After any gap (a start, a reconnect) asks the engine for what arrived since the last stored inbound
 * message and passes on the ones not stored. Runs one at a time; a request during a run runs once more
 * afterwards; a failure (database or engine down) is retried with back-off until it works or stop().
 */
export class Backfill {
  private readonly deps: BackfillDeps;
  private running: Promise<void> | undefined;
  private isRequested = false;
  private isStopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;

  constructor(deps: BackfillDeps) {
    this.deps = deps;
  }

  get isSupported(): boolean {
    return (
      this.deps.engine.capabilities.backfill && typeof this.deps.engine.fetchMessagesSince === 'function'
    );
  }

  /** Starts a backfill now, or right after the one running. */
  request(reason: string): void {
    if (this.isStopped || !this.isSupported) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.isRequested = true;
    if (!this.running) this.running = this.loop(reason).finally(() => (this.running = undefined));
  }

  /** Waits for a run in progress and prevents new ones. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private async loop(reason: string): Promise<void> {
    while (this.isRequested && !this.isStopped) {
      this.isRequested = false;
      try {
        await this.runOnce(reason);
        this.retryMs = RETRY_MIN_MS;
      } catch (err) {
        if (this.isStopped) return;
        this.deps.log.warn({ err, retryInMs: this.retryMs }, 'backfill failed, will retry');
        const delay = this.retryMs;
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
        this.retryTimer = setTimeout(() => this.request(reason), delay);
        return;
      }
    }
  }

  private async runOnce(reason: string): Promise<void> {
    const { engine, log } = this.deps;
    const since = await this.since();
    const found = await engine.fetchMessagesSince!(since, BACKFILL_LIMIT);
    const missing = await this.notStored(found);
    for (const message of missing) this.deps.push(message);
    log.info(
      { reason, since: since.toISOString(), fetched: found.length, missing: missing.length },
      'backfill done',
    );
  }

  private async since(): Promise<Date> {
    const [row] = await this.deps.db.$queryRaw<{ newest: Date | null; createdAt: Date; now: Date }[]>`
      SELECT (SELECT max(created_at) FROM message_logs
                WHERE tenant_id = ${this.deps.tenantId}::uuid AND direction = 'IN') AS newest,
             t.created_at AS "createdAt", now() AS now
      FROM tenants t WHERE t.id = ${this.deps.tenantId}::uuid`;
    if (!row) throw new Error('tenant row is gone');
    const from = row.newest ? row.newest.getTime() - BACKFILL_OVERLAP_MS : row.createdAt.getTime();
    return new Date(Math.max(from, row.now.getTime() - BACKFILL_MAX_AGE_MS));
  }

  /** The messages whose WhatsApp id is not stored yet, in the engine's order (one id once). */
  private async notStored(found: InboundMessage[]): Promise<InboundMessage[]> {
    const stored = new Set<string>();
    for (let i = 0; i < found.length; i += LOOKUP_CHUNK) {
      const ids = found.slice(i, i + LOOKUP_CHUNK).map((m) => m.waMessageId.slice(0, 128));
      const rows = await this.deps.db.$queryRaw<{ id: string }[]>`
        SELECT wa_message_id AS id FROM message_logs
        WHERE tenant_id = ${this.deps.tenantId}::uuid AND direction = 'IN' AND wa_message_id = ANY(${ids}::text[])`;
      for (const r of rows) stored.add(r.id);
    }
    const seen = new Set<string>();
    return found.filter((m) => {
      const id = m.waMessageId.slice(0, 128);
      if (stored.has(id) || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }
}
