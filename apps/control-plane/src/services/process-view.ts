import type { FastifyBaseLogger as Logger } from 'fastify';
import type { ProcessDriver, WorkerProcessInfo } from './process-driver.ts';

/** The process driver's list as of `takenAt` (Date.now()), by process name. */
export interface ProcessSnapshot {
  byName: ReadonlyMap<string, WorkerProcessInfo>;
  takenAt: number;
  /** The last refresh failed with this (the snapshot is the previous one, or empty). */
  error: string | null;
}

export interface ProcessViewOptions {
  /** The snapshot is refreshed this often while someone reads it. */
  refreshMs: number;
  /** Readers stop the refreshing after this long without a read. */
  idleStopMs?: number;
}

/**
 * The process driver's view of every process, kept in memory and refreshed in the background, so a
 * dashboard read does not cost a full driver list (PM2 sends every process's whole environment: about
 * 4 KB per worker) per request. The first read after a quiet spell waits for a fresh list; while reads
 * keep coming the list is refreshed every `refreshMs`, and a read never gets one older than twice that
 * (it then waits for the refresh in flight). Lifecycle actions call `invalidate()` so a start or a stop
 * shows without waiting for the next tick. Statuses come from PostgreSQL, not from here.
 */
export class ProcessView {
  private snapshot: ProcessSnapshot | undefined;
  private refreshing: Promise<ProcessSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastReadAt = 0;
  private lastAttemptAt = 0;
  private closed = false;
  private readonly idleStopMs: number;

  constructor(
    private readonly driver: ProcessDriver,
    private readonly log: Logger,
    private readonly opts: ProcessViewOptions,
  ) {
    this.idleStopMs = opts.idleStopMs ?? 60_000;
  }

  async read(): Promise<ProcessSnapshot> {
    const now = Date.now();
    this.lastReadAt = now;
    this.keepRefreshing();
    const current = this.snapshot;
    if (current && now - current.takenAt <= 2 * this.opts.refreshMs) return current;
    // A failing driver is asked again at the refresh pace, not once per read.
    if (current?.error && now - this.lastAttemptAt <= this.opts.refreshMs) return current;
    return this.refresh();
  }

  /** Something changed (a start, a stop): refresh now rather than at the next tick. */
  invalidate(): void {
    if (this.timer) void this.refresh();
    else this.snapshot = undefined;
  }

  /** One refresh at a time; callers during one share its result. Never rejects. */
  refresh(): Promise<ProcessSnapshot> {
    this.refreshing ??= (async () => {
      const startedAt = Date.now();
      this.lastAttemptAt = startedAt;
      try {
        const list = await this.driver.list();
        this.snapshot = { byName: new Map(list.map((p) => [p.name, p])), takenAt: startedAt, error: null };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn({ err }, 'process driver list failed');
        this.snapshot = {
          byName: this.snapshot?.byName ?? new Map(),
          takenAt: this.snapshot?.takenAt ?? startedAt,
          error: message,
        };
      }
      return this.snapshot;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private keepRefreshing(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      if (Date.now() - this.lastReadAt > this.idleStopMs) {
        this.stop();
        return;
      }
      void this.refresh();
    }, this.opts.refreshMs);
    this.timer.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.closed = true;
    this.stop();
  }
}
