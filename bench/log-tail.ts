// Admin log tail: the control plane's read-from-the-end tail against the obvious implementation
// (stream the whole file, keep the last N lines), on the same file in the same run.
// Run: pnpm bench:log-tail   (BENCH_LOG_MB to change the file size; default 200)
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { tailLogFile } from '../apps/control-plane/src/services/log-tail.ts';

const SIZE_MB = Number(process.env.BENCH_LOG_MB ?? 200);
const LINES = 100;
const RUNS = 11;
const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-tail-'));
const file = path.join(dir, 'acme.log');

function writeLogFile(): number {
  const fd = openSync(file, 'w');
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  let written = 0;
  let i = 0;
  while (written < SIZE_MB * 1024 * 1024) {
    let chunk = '';
    for (let k = 0; k < 1000; k++, i++) {
      chunk += `${JSON.stringify({ level: i % 50 === 0 ? 'warn' : 'info', time: new Date(start + i).toISOString(), pid: 4242, tenant: 'acme', msg: 'inbound message stored', messageId: `m-${i}`, from: '55*******21' })}\n`;
    }
    written += writeSync(fd, chunk);
  }
  closeSync(fd);
  return written;
}

async function naiveTail(): Promise<number> {
  const last: string[] = [];
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    last.push(line);
    if (last.length > LINES) last.shift();
  }
  return last.map((l) => JSON.parse(l) as unknown).length;
}

async function median(name: string, fn: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  await fn(); // warm-up: JIT and page cache, so the median compares steady states
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const n = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n !== LINES) throw new Error(`${name} returned ${n} lines`);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(RUNS / 2)]!;
  console.log(`${name.padEnd(44)} ${ms.toFixed(2).padStart(10)} ms (median of ${RUNS})`);
  return ms;
}

const bytes = writeLogFile();
console.log(`file: ${(bytes / 1024 / 1024).toFixed(0)} MB, last ${LINES} lines`);
let bytesRead = 0;
const ours = await median('wa-fleet tailLogFile (reads from the end)', async () => {
  const result = await tailLogFile(file, LINES);
  bytesRead = result.bytesRead;
  return result.lines.length;
});
const base = await median('baseline: stream whole file, keep last N', naiveTail);
console.log(`bytes read by tailLogFile: ${bytesRead.toLocaleString('en-US')}`);
console.log(`ratio (baseline time / wa-fleet time): ${(base / ours).toFixed(0)}x faster`);
rmSync(dir, { recursive: true, force: true });
