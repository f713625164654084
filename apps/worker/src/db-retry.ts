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

/** Driver-adapter error kinds that name the data, not the database's availability. */
const DATA_ERROR_KINDS = new Set([
  'UniqueConstraintViolation',
  'NullConstraintViolation',
  'ForeignKeyConstraintViolation',
  'InvalidInputValue',
  'ValueOutOfRange',
  'LengthMismatch',
]);

/**
 * True when the database refused this write because of what is in it (a constraint, a value it cannot
 * store): retrying cannot help. Anything else (unreachable, connection closed, pool timeout, shutting
 * down, an unknown error) counts as the database being unavailable, which waiting can fix.
 */
export function isDataError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { name?: unknown }).name === 'PrismaClientValidationError') return true;
  const cause = (err as { meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } })
    .meta?.driverAdapterError?.cause;
  if (!cause) return false;
  if (typeof cause.kind === 'string' && DATA_ERROR_KINDS.has(cause.kind)) return true;
  // SQLSTATE class 22 (data exception) and 23 (integrity constraint violation).
  return cause.kind === 'postgres' && typeof cause.code === 'string' && /^2[23]/.test(cause.code);
}

/**
 * Runs `fn` until it succeeds, waiting baseMs, 2*baseMs, ... (at most maxMs) between attempts. For
 * database writes whose failure is never the data's fault (database down, pool exhausted): giving up
 * would lose the data, so only `isAborted` (checked between attempts, and waking the wait early
 * through `signal`) ends the loop, with RetryAbortedError. A data error (isDataError) is thrown at
 * once: no wait makes the database accept it.
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
      if (isDataError(err)) throw err;
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
