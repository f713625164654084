/**
 * The one "run again after this one finished" loop of the code base. Unlike setInterval, a slow run makes
 * the next one late, never concurrent, and stop() waits for the run in flight, so a shutdown never races
 * a half-done write. Free of Node-only imports: the portal's browser code uses it too.
 */
export interface Loop {
  /** Runs finished so far, failed ones included: lets a caller wait for "one more full pass". */
  readonly completedRuns: number;
  /** Stops scheduling and waits for a run in progress. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  /** Delay between the end of one run and the start of the next. */
  intervalMs: number;
  /** First run at once (default) or after one interval. */
  runNow?: boolean;
  /** Called with a run's error; the loop goes on. Without it errors are swallowed. */
  onError?: (err: unknown) => void;
}

export function startLoop(task: () => Promise<unknown>, opts: LoopOptions): Loop {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let isStopped = false;
  let completedRuns = 0;

  const run = async (): Promise<void> => {
    timer = undefined;
    if (isStopped) return;
    running = (async () => {
      try {
        await task();
      } catch (err) {
        opts.onError?.(err);
      }
    })();
    await running;
    running = undefined;
    completedRuns++;
    if (!isStopped) timer = setTimeout(() => void run(), opts.intervalMs);
  };

  if (opts.runNow ?? true) void run();
  else timer = setTimeout(() => void run(), opts.intervalMs);

  return {
    get completedRuns() {
      return completedRuns;
    },
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
