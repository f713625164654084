// Chromium of a whatsapp-web.js worker: the proportional set size (PSS, shared pages split between the
// processes that share them) of the whole browser process tree with the worker's CHROMIUM_ARGS, next to
// the flags used before the memory flags were added, in the same run. Launched through the puppeteer
// whatsapp-web.js itself uses, headless, one page; offline (no WhatsApp Web), so a local page with
// some script and DOM stands in for it: the figure is the browser's own overhead, not WhatsApp Web's heap.
// Run: pnpm bench [--quick] chromium-memory   (CHROMIUM_PATH, default /usr/bin/chromium)
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS } from '../apps/worker/src/engine/wwebjs/wwebjs-engine.ts';
import { quick, report } from './lib/metric.ts';

const root = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = quick ? 1 : 3;
/** The flags before the memory flags (CHROMIUM_MEMORY_ARGS) were added. */
const BEFORE = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// whatsapp-web.js's own puppeteer (the worker's dependency), not a copy of ours.
const wwebjsRequire = createRequire(
  createRequire(path.join(root, 'apps/worker/package.json')).resolve('whatsapp-web.js/package.json'),
);
const puppeteer = (await import(wwebjsRequire.resolve('puppeteer'))) as {
  default: {
    launch(
      opts: object,
    ): Promise<{ newPage(): Promise<{ goto(url: string): Promise<unknown> }>; close(): Promise<void> }>;
  };
};

const PAGE = `data:text/html,${encodeURIComponent(
  `<!doctype html><title>x</title><div id=r></div><script>
  const r = document.getElementById('r');
  for (let i = 0; i < 2000; i++) { const d = document.createElement('div'); d.textContent = 'message ' + i; r.appendChild(d); }
  setInterval(() => { r.firstChild.textContent = String(Date.now()); }, 200);
  </script>`,
)}`;

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return Number(m?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Processes whose command line names `needle` (the run's own profile dir). */
function processesMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function measure(args: string[]): Promise<{ pssMb: number; processes: number }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-chromium-'));
  const browser = await puppeteer.default.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...args, `--user-data-dir=${profile}`],
  });
  try {
    const page = await browser.newPage();
    await page.goto(PAGE);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    // The browser and its helpers: all carry the profile dir, or are children of the browser (zygotes
    // and renderers name it only through their parent), so take the browser's whole tree.
    const browserPids = processesMentioning(`--user-data-dir=${profile}`);
    const tree = new Set(browserPids);
    for (let grew = true; grew;) {
      grew = false;
      for (const e of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        try {
          const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (tree.has(ppid) && !tree.has(Number(e))) {
            tree.add(Number(e));
            grew = true;
          }
        } catch {
          // gone
        }
      }
    }
    const total = [...tree].reduce((sum, pid) => sum + pssKb(pid), 0);
    if (process.env.BENCH_VERBOSE)
      for (const pid of tree) {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        console.log(
          `  ${pid} ${(pssKb(pid) / 1024).toFixed(1)} MB ${/--type=\S+/.exec(cmd.join(' '))?.[0] ?? 'browser'} ${/--(utility-sub-type|renderer-client-id)=\S+/.exec(cmd.join(' '))?.[0] ?? ''}`,
        );
      }
    return { pssMb: total / 1024, processes: tree.size };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const before: { pssMb: number; processes: number }[] = [];
const after: { pssMb: number; processes: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  before.push(await measure(BEFORE));
  after.push(
    await measure(
      process.env.BENCH_CHROMIUM_ARGS
        ? [...BEFORE, ...(JSON.parse(process.env.BENCH_CHROMIUM_ARGS) as string[])]
        : CHROMIUM_ARGS,
    ),
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: { pssMb: number; processes: number }[]) =>
  xs.map((x) => `${x.pssMb.toFixed(1)} MB in ${x.processes} processes`).join(', ');
console.log(
  `load average: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${os.cpus().length} cores)`,
);
console.log(`before: ${fmt(before)}`);
console.log(`CHROMIUM_ARGS: ${fmt(after)}`);
report({
  metric: 'wwebjs.chromium_pss',
  value: median(after.map((x) => x.pssMb)),
  unit: 'MB',
  baseline: median(before.map((x) => x.pssMb)),
  baselineLabel: 'the flags before the memory flags',
  target: median(before.map((x) => x.pssMb)),
  compare: '<=',
  targetLabel: 'below the baseline',
  met: median(after.map((x) => x.pssMb)) < median(before.map((x) => x.pssMb)),
});
