/** A time-out named after the operation that ran out of time. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with a TimeoutError when `work` has not settled within `ms`. Built on AbortSignal.timeout: no
 * timer to clear (and none that keeps the process alive), and work that accepts a signal is given it, so
 * it is cancelled rather than left running. Work that takes no signal runs on; only the wait ends.
 */
export function withTimeout<T>(
  work: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  ms: number,
  what: string,
): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  const promise = typeof work === 'function' ? work(signal) : work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TimeoutError(what, ms));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
