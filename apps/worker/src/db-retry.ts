import type { Logger } from '@wa-fleet/logger';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/** Thrown by retryUntilDone when the caller stopped waiting (the process is shutting down). */
export class RetryAbortedError extends Error {
  constructor(what: string) {
    super(`${what}: given up because the worker is stopping`);
    this.name = 'RetryAbortedError';
  }
}

/**
 * Runs `fn` until it succeeds, waiting baseMs, 2*baseMs, ... (at most maxMs) between attempts. For
 * database writes whose failure is never the data's fault (database down, pool exhausted): giving up
 * would lose the data, so only `isAborted` (checked between attempts, and waking the wait early
 * through `abortSignal`) ends the loop, with RetryAbortedError.
 */
export async function retryUntilDone<T>(
  what: string,
  fn: () => Promise<T>,
  opts: RetryPolicy & { log: Logger; signal?: AbortSignal; context?: Record<string, unknown> },
): Promise<T> {
  let failures = 0;
  for (;;) {
    if (opts.signal?.aborted) throw new RetryAbortedError(what);
    try {
      const result = await fn();
      if (failures > 0) opts.log.info({ ...opts.context, failures }, `${what}: succeeded after retrying`);
      return result;
    } catch (err) {
      if (opts.signal?.aborted) throw new RetryAbortedError(what);
      failures += 1;
      const delayMs = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(failures - 1, 20));
      // First failure and then every 10th: a long outage must not flood the tenant log.
      if (failures === 1 || failures % 10 === 0) {
        opts.log.warn({ ...opts.context, err, failures, delayMs }, `${what} failed, retrying`);
      }
      await sleep(delayMs, opts.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
