export interface DayStats {
  day: string;
  inbound: number;
  outbound: number;
  failed: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Reads the control plane's per-day rows, whatever the wrapper key, oldest day first. */
export function readDayStats(data: unknown): DayStats[] {
  const root = data as { days?: unknown; items?: unknown } | undefined;
  const raw = Array.isArray(data)
    ? data
    : Array.isArray(root?.days)
      ? root.days
      : Array.isArray(root?.items)
        ? root.items
        : [];
  return (raw as Record<string, unknown>[])
    .map((r) => ({
      day: (typeof r.day === 'string' ? r.day : typeof r.date === 'string' ? r.date : '').slice(0, 10),
      inbound: num(r.inbound ?? r.in),
      outbound: num(r.outbound ?? r.out),
      failed: num(r.failed),
    }))
    .filter((r) => r.day !== '')
    .sort((a, b) => a.day.localeCompare(b.day));
}

/** A round axis maximum (1, 2, 5 x 10^n) at or above `value`. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * exp >= value) return step * exp;
  return 10 * exp;
}
