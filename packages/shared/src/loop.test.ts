import { describe, expect, it } from 'vitest';
import { startLoop } from './loop.ts';
import { TimeoutError, withTimeout } from './timeout.ts';

const until = async (what: string, check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('startLoop', () => {
  it('never overlaps runs, counts failed ones, and stop() waits for the run in flight', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const errors: unknown[] = [];
    let release: (() => void) | undefined;
    const loop = startLoop(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        // Each run outlasts the interval many times over: setInterval would stack them.
        await new Promise<void>((resolve) => {
          release = resolve;
          setTimeout(resolve, 20);
        });
        active--;
        if (runs % 2 === 0) throw new Error(`run ${runs} failed`);
      },
      { intervalMs: 1, onError: (err) => errors.push(err) },
    );
    await until('five runs', () => loop.completedRuns >= 5);
    expect(maxActive).toBe(1);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    await until('a run in flight', () => active === 1);
    const stopped = loop.stop();
    let isStopped = false;
    void stopped.then(() => (isStopped = true));
    await new Promise((r) => setTimeout(r, 1));
    expect(isStopped).toBe(false);
    release?.();
    await stopped;
    expect(active).toBe(0);
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
  });

  it('waits one interval first with runNow: false', async () => {
    let runs = 0;
    const loop = startLoop(async () => void runs++, { intervalMs: 60_000, runNow: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(0);
    await loop.stop();
    const eager = startLoop(async () => void runs++, { intervalMs: 60_000 });
    await until('the first run', () => runs === 1);
    await eager.stop();
  });
});

describe('withTimeout', () => {
  it('rejects with a named TimeoutError, aborts work that takes the signal, passes results through', async () => {
    let signalSeen: AbortSignal | undefined;
    const never = withTimeout(
      (signal) => {
        signalSeen = signal;
        return new Promise(() => undefined);
      },
      20,
      'the slow thing',
    );
    await expect(never).rejects.toThrow(TimeoutError);
    await expect(never).rejects.toThrow('the slow thing timed out after 20 ms');
    expect(signalSeen?.aborted).toBe(true);
    await expect(withTimeout(Promise.resolve(42), 1_000, 'fast')).resolves.toBe(42);
    await expect(withTimeout(Promise.reject(new Error('own error')), 1_000, 'x')).rejects.toThrow(
      'own error',
    );
  });
});
