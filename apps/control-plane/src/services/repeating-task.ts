import type { FastifyBaseLogger as Logger } from 'fastify';

export interface RepeatingTask {
  /** Runs finished so far, failed ones included: lets a caller wait for "one more full pass". */
  readonly completedRuns: number;
  /** Stops scheduling and waits for a run in progress, so shutdown never races a half-done write. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, the next run scheduled only after the previous one finished: a slow
 * database makes runs late, never concurrent (what setInterval would do).
 */
export function startRepeatingTask(
  name: string,
  intervalMs: number,
  task: () => Promise<void>,
  log: Logger,
  opts: { runNow?: boolean } = {},
): RepeatingTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let isStopped = false;
  let completedRuns = 0;

  const run = async (): Promise<void> => {
    if (isStopped) return;
    running = task().catch((err: unknown) => log.error({ err, task: name }, 'repeating task failed'));
    await running;
    running = undefined;
    completedRuns++;
    if (!isStopped) timer = setTimeout(() => void run(), intervalMs);
  };

  if (opts.runNow) void run();
  else timer = setTimeout(() => void run(), intervalMs);

  return {
    get completedRuns() {
      return completedRuns;
    },
    async stop() {
      isStopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
