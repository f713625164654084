// Tenant log throughput: wa-fleet's tenant logger (synchronous appends, so a crash never loses the lines
// that explain it) against a baseline Pino logger writing the same lines through an asynchronous
// buffered destination, measured in the same run. Run: pnpm bench:logger
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createTenantLogger, flushLogger } from '@wa-fleet/logger';

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-log-'));

async function measure(
  name: string,
  write: (i: number) => void,
  finish: () => Promise<void>,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) write(i);
  await finish();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = LINES / seconds;
  console.log(`${name.padEnd(38)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} lines/s`);
  return rate;
}

const tenant = await createTenantLogger('bench', { service: 'bench', logDir: dir, stdout: false });
const dest = pino.destination({ dest: path.join(dir, 'baseline.log'), sync: false, minLength: 4096 });
const baseline = pino({ base: { tenant: 'bench', pid: process.pid } }, dest);

// Warm-up so neither side pays JIT costs inside the measurement.
for (let i = 0; i < 2_000; i++) {
  tenant.info({ i, from: '55*******21' }, 'inbound message');
  baseline.info({ i, from: '55*******21' }, 'inbound message');
}

const ours = await measure(
  'wa-fleet tenant logger (sync append)',
  (i) => tenant.info({ i, from: '55*******21' }, 'inbound message'),
  () => flushLogger(tenant),
);
const base = await measure(
  'baseline pino (async, 4 KiB buffer)',
  (i) => baseline.info({ i, from: '55*******21' }, 'inbound message'),
  () => new Promise<void>((resolve) => dest.flush(() => resolve())),
);
console.log(
  `ratio (wa-fleet / baseline): ${(ours / base).toFixed(2)}  lines: ${LINES.toLocaleString('en-US')}`,
);
rmSync(dir, { recursive: true, force: true });
