// pnpm bench [--quick] [name ...]: runs every bench/*.bench.ts (or the named ones) one after another, each
// in its own Node process so one benchmark's heap never colours the next, then prints one JSON summary
// line per metric: {"metric","value","unit","baseline","ratio","target","met"}.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { METRIC_PREFIX, type Metric } from './lib/metric.ts';

const dir = import.meta.dirname;
const args = process.argv.slice(2);
const quickMode = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
const selected = names.length > 0 ? names : all;

function runOne(name: string): Promise<{ code: number; metrics: Metric[] }> {
  return new Promise((resolve) => {
    const metrics: Metric[] = [];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(dir, `${name}.bench.ts`), ...(quickMode ? ['--quick'] : [])],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_QUICK: quickMode ? '1' : '0' } },
    );
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith(METRIC_PREFIX))
          metrics.push(JSON.parse(line.slice(METRIC_PREFIX.length)) as Metric);
        else console.log(`  ${line}`);
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, metrics }));
  });
}

const results: Metric[] = [];
let failed = 0;
const started = Date.now();
for (const name of selected) {
  console.log(`\x1b[1m[bench]\x1b[0m ${name}${quickMode ? ' (quick)' : ''}`);
  const t0 = Date.now();
  const { code, metrics } = await runOne(name);
  results.push(...metrics);
  if (code !== 0) failed++;
  console.log(
    `\x1b[1m[bench]\x1b[0m ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}
console.log(`\x1b[1m[bench]\x1b[0m summary (${((Date.now() - started) / 1000).toFixed(0)} s):`);
for (const m of results) {
  const { metric, value, unit, baseline, ratio, target, met } = m;
  console.log(JSON.stringify({ metric, value, unit, baseline, ratio, target, met }));
}
const missed = results.filter((m) => !m.met).length;
console.log(
  `\x1b[1m[bench]\x1b[0m ${results.length} metrics, ${results.length - missed} met, ${missed} not met${failed ? `, ${failed} benchmark(s) failed` : ''}`,
);
process.exit(failed > 0 ? 1 : 0);
