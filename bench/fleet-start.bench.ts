// Fleet start: N simulator workers started at once through the real control plane (a child process),
// its PM2 daemon and the real worker launch, timed from the first start request until every worker is
// RUNNING (first heartbeat written), next to one worker started alone in the same run. Also counted:
// starts that failed on the listen time-out (WORKER_LISTEN_TIMEOUT_MS, 30 s as in production), and the
// workers' resident size under PM2 once all run.
// Run: pnpm bench [--quick] fleet-start   (N=100; --quick N=20; BENCH_FLEET_N to choose)
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { startStack } from '../drills/lib/stack.ts';
import { quick, report } from './lib/metric.ts';

const N = Number(process.env.BENCH_FLEET_N ?? (quick ? 20 : 100));
const LISTEN_TIMEOUT_MS = 30_000;
/** How long the fleet is given before the benchmark gives up (reported as not met). */
const GIVE_UP_MS = 240_000;

const stack = await startStack({
  // Production pace: a first heartbeat at once, then every 10 s; nothing marked stale during the burst
  // unless it really is (45 s), so self-healing does not restart what is merely slow.
  HEARTBEAT_INTERVAL_MS: '10000',
  STALE_AFTER_MS: '45000',
  STALE_CHECK_INTERVAL_MS: '15000',
  RECONCILE_INTERVAL_MS: '30000',
  WORKER_LISTEN_TIMEOUT_MS: String(LISTEN_TIMEOUT_MS),
  SIM_LINK_DELAY_MS: '0',
  LOG_LEVEL: 'warn',
});

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1]) / 1024;
  } catch {
    return undefined;
  }
}

async function createTenants(count: number, prefix: string): Promise<{ slug: string; id: string }[]> {
  const out: { slug: string; id: string }[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, k) => `${prefix}-${i + k}`);
    await Promise.all(
      batch.map(async (slug) => {
        const res = await stack.admin('POST', '/admin/tenants', { slug, name: slug, engine: 'simulator' });
        if (res.status !== 201) throw new Error(`create ${slug}: HTTP ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { id: string };
        out.push({ slug, id: body.id });
      }),
    );
  }
  return out;
}

interface StartResult {
  msFirstRunning: number;
  msAllRunning: number | undefined;
  running: number;
  listenTimeouts: number;
  otherErrors: string[];
  pids: number[];
  failedRequests: string[];
}

/** Starts every tenant at once; polls the rows until all are RUNNING with a heartbeat newer than the start. */
async function startAll(tenants: { slug: string; id: string }[]): Promise<StartResult> {
  const ids = tenants.map((t) => t.id);
  const [{ now: since }] = await stack.db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
  const t0 = Date.now();
  const failedRequests: string[] = [];
  // A start request the control plane could not answer (e.g. 500 while its database pool is busy) is
  // sent again after a second, as a client would; how many were is reported.
  const requests = tenants.map(async ({ slug }) => {
    for (let attempt = 1; ; attempt++) {
      const res = await stack.admin('POST', `/admin/tenants/${slug}/worker/start`).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status === 202) return;
      const why = res instanceof Error ? res.message : `HTTP ${res.status} ${await res.text()}`;
      failedRequests.push(`${slug}: ${why}`);
      if (attempt === 5) throw new Error(`start ${slug} refused 5 times: ${why}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  });
  let msFirstRunning = 0;
  let msAllRunning: number | undefined;
  let rows: { status: string; pid: number | null; lastHeartbeatAt: Date | null; lastError: string | null }[] =
    [];
  const requestsDone = Promise.all(requests);
  requestsDone.catch(() => undefined); // awaited below, after the polling
  for (;;) {
    rows = await stack.db.workerProcess.findMany({
      where: { tenantId: { in: ids } },
      select: { status: true, pid: true, lastHeartbeatAt: true, lastError: true },
    });
    const running = rows.filter(
      (r) => r.status === 'RUNNING' && r.lastHeartbeatAt && r.lastHeartbeatAt > since,
    );
    if (running.length > 0 && !msFirstRunning) msFirstRunning = Date.now() - t0;
    if (running.length === tenants.length) {
      msAllRunning = Date.now() - t0;
      break;
    }
    const settled = rows.filter((r) => r.status === 'ERROR').length + running.length;
    if (settled === tenants.length || Date.now() - t0 > GIVE_UP_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await requestsDone;
  const errors = rows.filter((r) => r.status === 'ERROR').map((r) => r.lastError ?? 'ERROR');
  const listenTimeouts = errors.filter((e) => /no heartbeat within/.test(e)).length;
  return {
    msFirstRunning,
    msAllRunning,
    running: rows.filter((r) => r.status === 'RUNNING').length,
    listenTimeouts,
    otherErrors: errors.filter((e) => !/no heartbeat within/.test(e)),
    pids: rows.flatMap((r) => (r.pid ? [r.pid] : [])),
    failedRequests,
  };
}

let exitCode = 0;
try {
  const [alone] = await createTenants(1, 'alone');
  const fleet = await createTenants(N, 'fleet');
  const loadBefore = os.loadavg();
  const one = await startAll([alone!]);
  if (one.msAllRunning === undefined)
    throw new Error(`the single worker did not start: ${one.otherErrors.join('; ')}`);
  const all = await startAll(fleet);
  const loadAfter = os.loadavg();
  const rss = all.pids
    .map(rssMb)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  const total = rss.reduce((a, b) => a + b, 0);
  console.log(
    `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB)`,
  );
  console.log(
    `N=${N}: first RUNNING after ${all.msFirstRunning} ms, all RUNNING ${all.msAllRunning === undefined ? `NOT reached (${all.running} of ${N} after ${GIVE_UP_MS} ms)` : `after ${all.msAllRunning} ms`}; one alone ${one.msAllRunning} ms`,
  );
  console.log(
    `start requests refused and sent again: ${all.failedRequests.length}${all.failedRequests.length ? ` (${[...new Set(all.failedRequests.map((f) => f.replace(/^[^:]+: /, '')))].join(' | ')})` : ''}`,
  );
  console.log(
    `listen time-outs: ${all.listenTimeouts}; other errors: ${all.otherErrors.length ? all.otherErrors.slice(0, 3).join(' | ') : 'none'}`,
  );
  if (rss.length > 0)
    console.log(
      `worker RSS under PM2 (MB): median ${rss[Math.floor(rss.length / 2)]!.toFixed(1)}, max ${rss.at(-1)!.toFixed(1)}, all ${rss.length} together ${(total / 1024).toFixed(2)} GB`,
    );

  report({
    metric: `fleet.start_${N}_all_running`,
    value: (all.msAllRunning ?? Number.POSITIVE_INFINITY) / 1000,
    unit: 's',
    baseline: one.msAllRunning / 1000,
    baselineLabel: 'one worker started alone',
    target: 30,
    compare: '<=',
  });
  report({
    metric: `fleet.start_${N}_first_running`,
    value: all.msFirstRunning / 1000,
    unit: 's',
    baseline: one.msAllRunning / 1000,
    baselineLabel: 'one worker started alone',
    target: LISTEN_TIMEOUT_MS / 1000,
    compare: '<=',
  });
  report({
    metric: `fleet.start_${N}_listen_timeouts`,
    value: all.listenTimeouts,
    unit: 'starts',
    baseline: one.listenTimeouts,
    baselineLabel: 'one worker started alone',
    target: 0,
    compare: '<=',
  });
  if (rss.length > 0)
    report({
      metric: `fleet.worker_rss_under_pm2_median`,
      value: rss[Math.floor(rss.length / 2)]!,
      unit: 'MB',
      baseline: rssMb(one.pids[0] ?? 0) ?? Number.NaN,
      baselineLabel: 'the worker started alone, at the same moment',
      target: 90,
      compare: '<=',
    });
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await stack.close();
}
process.exit(exitCode);
