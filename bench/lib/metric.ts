// One benchmark figure: what was measured, the baseline measured in the same run, their ratio, and the
// target it is held to. `report()` prints a human line and a machine line (prefixed METRIC_PREFIX) that
// bench/run.ts collects into the final JSON summary.

export const METRIC_PREFIX = '@@wa-bench-metric ';

export interface Metric {
  /** Stable name, e.g. "worker.idle_rss". */
  metric: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline run in the same process/run. */
  baseline: number;
  /** What the baseline is, in words ("node -e 0", "same SQL through pg"). */
  baselineLabel: string;
  /** value / baseline. */
  ratio: number;
  /** The target in words, e.g. "<= 90 MB". */
  target: string;
  met: boolean;
}

export type Comparison = '<=' | '>=';

export interface MetricInput {
  metric: string;
  value: number;
  unit: string;
  baseline: number;
  baselineLabel: string;
  /** The target the value must meet, compared with `compare`. */
  target: number;
  compare: Comparison;
  /** Optional: a target in words when it is not a plain bound of the value (e.g. "within 3x of baseline"). */
  targetLabel?: string;
  /** Optional: overrides the plain comparison (e.g. a ratio target). */
  met?: boolean;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function report(input: MetricInput): Metric {
  const ratio = input.baseline === 0 ? Number.POSITIVE_INFINITY : input.value / input.baseline;
  const met =
    input.met ?? (input.compare === '<=' ? input.value <= input.target : input.value >= input.target);
  const target = input.targetLabel ?? `${input.compare} ${fmt(input.target)} ${input.unit}`;
  const m: Metric = {
    metric: input.metric,
    value: Number(input.value.toFixed(3)),
    unit: input.unit,
    baseline: Number(input.baseline.toFixed(3)),
    baselineLabel: input.baselineLabel,
    ratio: Number(ratio.toFixed(3)),
    target,
    met,
  };
  console.log(
    `${m.metric.padEnd(40)} ${fmt(m.value).padStart(10)} ${m.unit.padEnd(6)} | baseline ${fmt(m.baseline)} ${m.unit} (${m.baselineLabel}) | ratio ${fmt(m.ratio)} | target ${target}: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(`${METRIC_PREFIX}${JSON.stringify(m)}`);
  return m;
}

/** True when the benchmark was started with --quick (a smaller data set, the whole suite in under 5 minutes). */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** Runs `fn` `runs` times after `warmup` runs and returns the sorted durations in milliseconds. */
export async function timeRuns(fn: () => Promise<unknown>, runs: number, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b);
}
