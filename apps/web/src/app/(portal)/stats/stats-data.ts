import type { StatsDto } from '@wa-fleet/contract';

/** One day of the statistics, as the control plane sends it (oldest day first). */
export type DayStats = StatsDto['days'][number];

/** A round axis maximum (1, 2, 5 x 10^n) at or above `value`. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * exp >= value) return step * exp;
  return 10 * exp;
}
