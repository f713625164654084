// Idle tenant worker memory: the resident size (VmRSS) of one simulator worker once it has written its
// first heartbeat and its session is CONNECTED (sending enabled, nothing to do), as the control plane
// launches it (built bundle, DEFAULT_WORKER_NODE_ARGS), next to two baselines in the same run: an idle
// `node -e` (the floor of any Node process) and the launch it replaced (`node --import tsx
// apps/worker/src/main.ts`, no flags). Each worker is spawned directly with the environment PM2 would
// give it; PM2's own wrapper (ProcessContainerFork) adds a little, see fleet-start for RSS under PM2.
// Run: pnpm bench [--quick] worker-memory
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_WORKER_NODE_ARGS, WORKER_BUNDLE } from '@wa-fleet/config';
import { createDbClient } from '@wa-fleet/db';
import { deployMigrations } from '@wa-fleet/db/migrate';
import { ensureDatabase, startEmbeddedPostgres, startRedis, waitFor } from '@wa-fleet/devstack';
import { quick, report } from './lib/metric.ts';

const root = path.resolve(import.meta.dirname, '..');
const RUNS = quick ? 1 : 3;
/** After CONNECTED: long enough for the send worker, the sweep and a few heartbeats to have run. */
const SETTLE_MS = quick ? 3_000 : 6_000;

const build = spawnSync(process.execPath, [path.join(root, 'apps/worker/scripts/build.mjs'), '--if-stale'], {
  stdio: 'inherit',
});
if (build.status !== 0) throw new Error('worker build failed');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-mem-'));
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), isThrowaway: true });
const redis = await startRedis({ dir: path.join(tmp, 'redis') });
await ensureDatabase(pg.adminUrl, 'wa');
const databaseUrl = pg.urlFor('wa');
await deployMigrations(databaseUrl);
const db = createDbClient(databaseUrl, { poolSize: 2, applicationName: 'bench' });

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]) / 1024;
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Sample {
  rssMb: number;
  msToRunning: number;
  cpuMsToConnected: number;
}

/** One worker started with `argv`: RSS once RUNNING and CONNECTED plus SETTLE_MS; killed afterwards. */
async function measureWorker(argv: string[]): Promise<Sample> {
  const slug = `m${Math.random().toString(36).slice(2, 8)}`;
  const tenant = await db.tenant.create({ data: { slug, name: slug } });
  const t0 = Date.now();
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      TENANT_ID: tenant.id,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'benchmem',
      LOG_DIR: path.join(tmp, 'logs'),
      INBOUND_SPOOL_DIR: path.join(tmp, 'spool'),
      WA_ENGINE: 'simulator',
      SIM_LINK_DELAY_MS: '0',
      SIM_INBOUND_PER_MIN: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let msToRunning = 0;
    await waitFor(
      `worker ${slug} RUNNING and CONNECTED`,
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
        const [worker, session] = await Promise.all([
          db.workerProcess.findUnique({ where: { tenantId: tenant.id } }),
          db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } }),
        ]);
        if (worker?.status === 'RUNNING' && !msToRunning) msToRunning = Date.now() - t0;
        return worker?.status === 'RUNNING' && session?.state === 'CONNECTED' ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 25 },
    );
    const cpuMsToConnected = cpuMs(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { rssMb: rssMb(child.pid!), msToRunning, cpuMsToConnected };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/** An idle Node process (a timer, nothing loaded): the floor. */
async function measureNode(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rss = rssMb(child.pid!);
  child.kill('SIGKILL');
  return rss;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const built: Sample[] = [];
const tsx: Sample[] = [];
const node: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    node.push(await measureNode());
    built.push(await measureWorker([...DEFAULT_WORKER_NODE_ARGS, WORKER_BUNDLE]));
    tsx.push(await measureWorker(['--import', 'tsx', 'apps/worker/src/main.ts']));
  }
} finally {
  await db.$disconnect();
  await redis.stop();
  await pg.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${os.cpus().length} cores)`,
);
console.log(`node -e RSS MB: ${fmt(node)}`);
console.log(
  `built worker RSS MB: ${fmt(built.map((s) => s.rssMb))}; ms to RUNNING: ${fmt(built.map((s) => s.msToRunning))}; CPU ms to CONNECTED: ${fmt(built.map((s) => s.cpuMsToConnected))}`,
);
console.log(
  `tsx worker RSS MB: ${fmt(tsx.map((s) => s.rssMb))}; ms to RUNNING: ${fmt(tsx.map((s) => s.msToRunning))}; CPU ms to CONNECTED: ${fmt(tsx.map((s) => s.cpuMsToConnected))}`,
);

const builtRss = median(built.map((s) => s.rssMb));
report({
  metric: 'worker.idle_rss',
  value: builtRss,
  unit: 'MB',
  baseline: median(node),
  baselineLabel: 'idle `node -e` process',
  target: 90,
  compare: '<=',
});
report({
  metric: 'worker.idle_rss_vs_tsx_launch',
  value: builtRss,
  unit: 'MB',
  baseline: median(tsx.map((s) => s.rssMb)),
  baselineLabel: 'node --import tsx src/main.ts, no flags',
  target: 90,
  compare: '<=',
});
report({
  metric: 'worker.start_cpu',
  value: median(built.map((s) => s.cpuMsToConnected)),
  unit: 'ms',
  baseline: median(tsx.map((s) => s.cpuMsToConnected)),
  baselineLabel: 'CPU of the tsx launch until CONNECTED',
  // 100 workers on 2 cores in 30 s leave at most 600 ms of CPU each (and nothing for anyone else).
  target: 600,
  compare: '<=',
});
