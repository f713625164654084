// Control-plane throughput against a real control plane (apps/control-plane/src/server.ts in its own
// process) on a real PostgreSQL and Redis, next to a bare Fastify route in its own process in the same run:
// - GET /portal/tenant/current (a signed-in user's page poll), requests/s and p99;
// - GET /admin/workers with 100 worker processes registered in PM2 through the control plane's own driver
//   (lightweight stand-ins: IDLE_PROCESS below), requests/s and p99;
// - POST /admin/tenants/:tenant/worker/start for 50 tenants one after another while the earlier starts
//   launch their workers (HEARTBEAT_WORKER below, a real process that heartbeats over pg),
//   p95 of the 202, then the time until all 50 are RUNNING.
// Run: pnpm bench control-plane   (--quick: shorter autocannon runs, same fleet sizes)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createDbClient } from '@wa-fleet/db';
import { deployMigrations } from '@wa-fleet/db/migrate';
import { ensureDatabase, freePort, startEmbeddedPostgres, startRedis, waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import { Pm2Driver } from '../apps/control-plane/src/services/pm2-driver.ts';
import { createSession } from '../apps/control-plane/src/services/sessions.ts';
import { percentile, quick, report } from './lib/metric.ts';

const root = path.resolve(import.meta.dirname, '..');
const cpDir = path.join(root, 'apps/control-plane');
const DURATION_S = quick ? 5 : 15;
const CONNECTIONS = 10;
const IDLE_WORKERS = 100;
const STARTS = 50;
/** BENCH_CP_ONLY=portal|workers|start runs one part; BENCH_CP_PROFILE=<dir> runs the control plane with --cpu-prof. */
const only = process.env.BENCH_CP_ONLY;
const profileDir = process.env.BENCH_CP_PROFILE;
const runs = (part: string) => !only || only === part;

/** A process named like a worker that only stays alive: a hundred fit on a small machine. */
const IDLE_PROCESS = `setInterval(() => {}, 60_000);
process.on('SIGINT', () => process.exit(0));
`;

/**
 * A light worker for the starts: what the control plane waits for (the first heartbeat turns STARTING
 * into RUNNING, then one every HEARTBEAT_INTERVAL_MS; STOPPED on SIGINT), over plain pg.
 */
function heartbeatWorker(pgEntry: string): string {
  return `import { createRequire } from 'node:module';
const pg = createRequire(import.meta.url)(${JSON.stringify(pgEntry)});
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const beat = () => client.query(
  "UPDATE worker_processes SET status = 'RUNNING', pid = $2, last_heartbeat_at = now(), updated_at = now() " +
  "WHERE tenant_id = $1::uuid AND status IN ('STARTING', 'RUNNING', 'ERROR')",
  [process.env.TENANT_ID, process.pid]);
await beat();
setInterval(() => void beat().catch(() => undefined), Number(process.env.HEARTBEAT_INTERVAL_MS ?? 10000));
process.on('SIGINT', async () => {
  await client.query("UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now() WHERE tenant_id = $1::uuid",
    [process.env.TENANT_ID]).catch(() => undefined);
  process.exit(0);
});
`;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-cp-'));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

function spawnServer(args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitHttp(url: string): Promise<void> {
  await waitFor(`${url} answers`, async () => (await fetch(url).catch(() => undefined))?.ok || undefined, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
}

async function cannon(url: string, headers: Record<string, string>): Promise<{ rps: number; p99: number }> {
  // A short warm-up first (JIT, pools, caches), then the measured run.
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

async function main(): Promise<void> {
  const pgServer = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), isThrowaway: true });
  cleanups.push(() => pgServer.stop());
  const redis = await startRedis({ dir: path.join(tmp, 'redis') });
  cleanups.push(() => redis.stop());
  await ensureDatabase(pgServer.adminUrl, 'wa_bench');
  const databaseUrl = pgServer.urlFor('wa_bench');
  await deployMigrations(databaseUrl);
  const db = createDbClient(databaseUrl, { poolSize: 4, applicationName: 'bench' });
  cleanups.push(() => db.$disconnect());

  // Seed: the portal user's tenant, 100 tenants whose workers "run", 50 to start.
  const portalTenant = await db.tenant.create({
    data: {
      slug: 'portal-bench',
      name: 'Portal bench',
      engine: 'simulator',
      worker: { create: { pm2Name: workerAppName('portal-bench') } },
      session: { create: {} },
    },
  });
  const user = await db.user.create({
    data: {
      email: 'bench@example.com',
      name: 'Bench',
      passwordHash: 'not-used-sessions-are-created-directly',
      memberships: { create: [{ tenantId: portalTenant.id, role: 'TENANT_ADMIN' }] },
    },
  });
  const { token } = await createSession(db, { userId: user.id, ttlMs: 3600_000 });
  const idleSlugs = Array.from({ length: IDLE_WORKERS }, (_, i) => `idle-${String(i).padStart(3, '0')}`);
  const startSlugs = Array.from({ length: STARTS }, (_, i) => `start-${String(i).padStart(3, '0')}`);
  for (const slug of [...idleSlugs, ...startSlugs]) {
    await db.tenant.create({
      data: {
        slug,
        name: `Tenant ${slug}`,
        engine: 'simulator',
        worker: { create: { pm2Name: workerAppName(slug) } },
        session: { create: {} },
      },
    });
  }

  const adminKey = `admin-${randomBytes(16).toString('hex')}`;
  const portalKey = `portal-${randomBytes(16).toString('hex')}`;
  const pm2Home = path.join(tmp, 'pm2');
  const logDir = path.join(tmp, 'logs');
  const driver = new Pm2Driver({
    home: pm2Home,
    daemonEnv: { PATH: process.env.PATH, HOME: process.env.HOME ?? tmp },
  });
  cleanups.push(() => driver.killDaemon());

  // 100 processes named like workers, registered through the same driver the control plane uses.
  console.log(`registering ${IDLE_WORKERS} lightweight PM2 processes`);
  const idleScript = path.join(tmp, 'idle-process.mjs');
  writeFileSync(idleScript, IDLE_PROCESS);
  for (const slug of runs('workers') ? idleSlugs : []) {
    const name = workerAppName(slug);
    await driver.start({
      name,
      script: idleScript,
      interpreterArgs: [],
      args: [],
      cwd: root,
      env: { PATH: process.env.PATH ?? '' },
      maxMemoryMb: 200,
      killTimeoutMs: 2000,
      restartBackoffMs: 1000,
      logFiles: {
        out: path.join(logDir, 'pm2', `${name}-out.log`),
        err: path.join(logDir, 'pm2', `${name}-error.log`),
      },
    });
  }
  await db.$executeRaw`
    UPDATE worker_processes w SET status = 'RUNNING', last_heartbeat_at = now(), started_at = now() - interval '1 minute'
    FROM tenants t WHERE t.id = w.tenant_id AND t.slug LIKE 'idle-%'`;

  // The bare-Fastify baseline, in its own process like the control plane.
  const fastifyEntry = createRequire(path.join(cpDir, 'package.json')).resolve('fastify');
  const barePort = await freePort();
  spawnServer(
    [
      '--input-type=module',
      '-e',
      `const { default: Fastify } = await import(${JSON.stringify(fastifyEntry)});
       const app = Fastify(); app.get('/health', async () => ({ status: 'ok' }));
       await app.listen({ host: '127.0.0.1', port: ${barePort} });`,
    ],
    { PATH: process.env.PATH ?? '' },
    root,
  );

  const heartbeatScript = path.join(tmp, 'heartbeat-worker.mjs');
  writeFileSync(
    heartbeatScript,
    heartbeatWorker(createRequire(path.join(root, 'packages/db/package.json')).resolve('pg')),
  );
  const cpPort = await freePort();
  spawnServer(
    [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--import',
      'tsx',
      'src/server.ts',
    ],
    {
      NODE_ENV: 'production',
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmp,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'bench',
      ADMIN_API_KEY: adminKey,
      PORTAL_INTERNAL_KEY: portalKey,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      LOG_DIR: logDir,
      LOG_LEVEL: 'info',
      PM2_HOME: pm2Home,
      CONTROL_PLANE_HOST: '127.0.0.1',
      CONTROL_PLANE_PORT: String(cpPort),
      WA_ENGINE: 'simulator',
      WORKER_SCRIPT: heartbeatScript,
      HEARTBEAT_INTERVAL_MS: '5000',
      WORKER_LISTEN_TIMEOUT_MS: '120000',
    },
    cpDir,
  );
  const bare = `http://127.0.0.1:${barePort}`;
  const cp = `http://127.0.0.1:${cpPort}`;
  await waitHttp(`${bare}/health`);
  await waitHttp(`${cp}/health`);
  await waitHttp(`${cp}/ready`);
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );

  const baseline = await cannon(`${bare}/health`, {});
  const cpHealth = await cannon(`${cp}/health`, {});
  console.log(`control plane GET /health: ${cpHealth.rps.toFixed(0)} req/s, p99 ${cpHealth.p99} ms`);

  const portalHeaders = { 'x-portal-key': portalKey, 'x-session-token': token };
  if (runs('portal')) {
    const portal = await cannon(`${cp}/portal/tenant/current`, portalHeaders);
    report({
      metric: 'control_plane.portal_tenant_current.rps',
      value: portal.rps,
      unit: 'req/s',
      baseline: baseline.rps,
      baselineLabel: 'bare Fastify route',
      target: 2000,
      compare: '>=',
    });
    report({
      metric: 'control_plane.portal_tenant_current.p99',
      value: portal.p99,
      unit: 'ms',
      baseline: baseline.p99,
      baselineLabel: 'bare Fastify route',
      target: 50,
      compare: '<=',
    });
  }
  const adminHeaders = { authorization: `Bearer ${adminKey}` };
  if (runs('workers')) {
    // PM2 brings the 100 processes online in its own time (slowly on a busy machine): wait for all.
    await waitFor(
      `/admin/workers shows ${IDLE_WORKERS} running processes`,
      async () => {
        const res = await fetch(`${cp}/admin/workers`, { headers: adminHeaders });
        const body = (await res.json()) as { items: { processState: string | null }[] };
        return body.items.filter((i) => i.processState === 'running').length >= IDLE_WORKERS;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const workers = await cannon(`${cp}/admin/workers`, adminHeaders);
    report({
      metric: 'control_plane.admin_workers_100.rps',
      value: workers.rps,
      unit: 'req/s',
      baseline: baseline.rps,
      baselineLabel: 'bare Fastify route',
      target: 1000,
      compare: '>=',
    });
    report({
      metric: 'control_plane.admin_workers_100.p99',
      value: workers.p99,
      unit: 'ms',
      baseline: baseline.p99,
      baselineLabel: 'bare Fastify route',
      target: 50,
      compare: '<=',
    });
  }
  if (!runs('start')) return;
  // Starts, one after another, timed from send to the 202; the bare route timed the same way beside them.
  const timeOne = async (url: string, init: RequestInit): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`${url}: ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const bareTimes: number[] = [];
  for (let i = 0; i < STARTS; i++) bareTimes.push(await timeOne(`${bare}/health`, {}));
  const startTimes: number[] = [];
  const t0 = Date.now();
  for (const slug of startSlugs) {
    startTimes.push(
      await timeOne(`${cp}/admin/tenants/${slug}/worker/start`, { method: 'POST', headers: adminHeaders }),
    );
  }
  const sentMs = Date.now() - t0;
  startTimes.sort((a, b) => a - b);
  bareTimes.sort((a, b) => a - b);
  console.log(
    `${STARTS} starts sent in ${sentMs} ms; p50 ${percentile(startTimes, 50).toFixed(1)} ms, max ${startTimes.at(-1)?.toFixed(1)} ms`,
  );
  report({
    metric: 'control_plane.worker_start_202.p95',
    value: percentile(startTimes, 95),
    unit: 'ms',
    baseline: percentile(bareTimes, 95),
    baselineLabel: 'bare Fastify route, same client',
    target: 50,
    compare: '<=',
  });
  const running = await waitFor(
    `${STARTS} started workers RUNNING`,
    async () => {
      const rows = await db.workerProcess.findMany({
        where: { tenant: { slug: { startsWith: 'start-' } } },
        select: { status: true, lastError: true },
      });
      const errors = rows.filter((r) => r.status === 'ERROR');
      if (errors.length > 0) return { error: `${errors.length} starts failed: ${errors[0]?.lastError}` };
      return rows.every((r) => r.status === 'RUNNING') ? Date.now() - t0 : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 250 },
  );
  if (typeof running !== 'number') throw new Error(running.error);
  console.log(
    `all ${STARTS} workers RUNNING ${(running / 1000).toFixed(1)} s after the first start was sent`,
  );
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once('exit', r))),
  );
  for (const fn of cleanups.reverse())
    await fn().catch((err: unknown) => console.error('cleanup failed', err));
  rmSync(tmp, { recursive: true, force: true });
}
