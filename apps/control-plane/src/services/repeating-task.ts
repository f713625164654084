import type { FastifyBaseLogger as Logger } from 'fastify';
import { startLoop, type Loop } from '@wa-fleet/shared';

/** A named background task of the control plane: the shared non-overlapping loop, errors logged. */
export type RepeatingTask = Loop;

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
  return startLoop(task, {
    intervalMs,
    runNow: opts.runNow ?? false,
    onError: (err) => log.error({ err, task: name }, 'repeating task failed'),
  });
}
