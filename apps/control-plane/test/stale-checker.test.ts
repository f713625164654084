import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDbClient } from '@wa-fleet/db';
import { waitFor } from '@wa-fleet/devstack';
import { createServiceLogger } from '@wa-fleet/logger';
import type { Pm2Driver } from '../src/services/pm2-driver.ts';
import { checkStaleWorkers } from '../src/services/stale-worker-checker.ts';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { isAlive, waitForStatus, workerEnv, workerRow } from './worker-helpers.ts';

const STALE_AFTER_MS = 1_500;
const STALE_CHECK_INTERVAL_MS = 500;

let stack: TestStack;
let planeA: FastifyInstance;
let planeB: FastifyInstance;
let pm2: Pm2Driver;
let stoppedPid: number | undefined;

function staleCheckPasses(plane: FastifyInstance): number {
  const task = plane.backgroundTasks.get('stale-checker');
  if (!task) throw new Error('stale checker not running on this control plane');
  return task.completedRuns;
}

beforeAll(async () => {
  stack = await createTestStack();
  pm2 = stack.driver;
  const env = workerEnv({
    STALE_AFTER_MS: String(STALE_AFTER_MS),
    STALE_CHECK_INTERVAL_MS: String(STALE_CHECK_INTERVAL_MS),
    RECONCILE_INTERVAL_MS: '60000',
    // Detection alone here (a hung worker stays ERROR until SIGCONT); self-healing has its own suite.
    WORKER_AUTO_RESTART_MAX_PER_HOUR: '0',
  });
  // Two control planes on one database, both running the checker.
  planeA = await buildTestApp(stack, { driver: pm2, runBackgroundJobs: true }, env);
  planeB = await buildTestApp(stack, { driver: pm2, db: undefined, runBackgroundJobs: true }, env);
});

afterAll(async () => {
  if (stoppedPid && isAlive(stoppedPid)) process.kill(stoppedPid, 'SIGCONT');
  await planeA?.close();
  await planeB?.close();
  await pm2?.killDaemon();
  await stack?.cleanup();
});

describe('stale-worker checker', () => {
  it('marks a hung (SIGSTOPped) worker ERROR in time, once, and it recovers on SIGCONT', async () => {
    const tenant = await createTenant(stack.db, 'hangs');
    const res = await planeA.inject({
      method: 'POST',
      url: '/admin/tenants/hangs/worker/start',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(202);
    const running = await waitForStatus(stack.db, tenant.id, 'RUNNING', 10_000);
    const pid = running.pid!;

    process.kill(pid, 'SIGSTOP');
    stoppedPid = pid;
    const stoppedAt = Date.now();
    const marked = await waitForStatus(
      stack.db,
      tenant.id,
      'ERROR',
      STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS + 1_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS + 1_000);
    expect(marked.lastError).toMatch(/^heartbeat stale/);
    expect((await stack.db.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).status).toBe('ERROR');

    // Both planes keep checking while the worker stays hung. A pass already under way now (maybe the one
    // that marked it, still writing its audit row) finishes as +1; the +2 pass on each plane started after
    // the worker was ERROR, so it has had its chance to mark it a second time.
    const passesAtMark = [planeA, planeB].map(staleCheckPasses);
    await waitFor(
      'two more stale-check passes on each control plane',
      () => [planeA, planeB].every((plane, i) => staleCheckPasses(plane) >= passesAtMark[i]! + 2),
      { timeoutMs: STALE_CHECK_INTERVAL_MS * 10 },
    );
    const afterPasses = await workerRow(stack.db, tenant.id);
    expect(afterPasses.status).toBe('ERROR');
    expect(afterPasses.updatedAt).toEqual(marked.updatedAt);
    const audits = await stack.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'worker.stale' },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actor).toBe('system:stale-checker');

    process.kill(pid, 'SIGCONT');
    stoppedPid = undefined;
    const recovered = await waitForStatus(stack.db, tenant.id, 'RUNNING', 10_000);
    expect(recovered.pid).toBe(pid);
  });

  it('two concurrent checker passes mark and report each stale worker exactly once', async () => {
    const tenants = await Promise.all(
      ['race-a', 'race-b', 'race-c'].map((slug) => createTenant(stack.db, slug)),
    );
    await stack.db.$executeRaw`
      UPDATE worker_processes SET status = 'RUNNING', last_heartbeat_at = now() - interval '1 hour'
      WHERE tenant_id = ANY(${tenants.map((t) => t.id)}::uuid[])`;
    const log = await createServiceLogger({ service: 'test', stdout: false });
    const clients = [1, 2, 3, 4].map(() => createDbClient(stack.databaseUrl, { poolSize: 1 }));
    try {
      const results = await Promise.all(clients.map((db) => checkStaleWorkers(db, STALE_AFTER_MS, log)));
      // The two control planes of this suite run their own checkers too and may win some rows: what
      // matters is that across all six checkers each worker was marked, reported and audited once.
      const reported = results
        .flat()
        .map((w) => w.tenantSlug)
        .filter((s) => s.startsWith('race-'));
      expect(new Set(reported).size).toBe(reported.length);
      const where = { action: 'worker.stale', tenantId: { in: tenants.map((t) => t.id) } };
      // A background checker that won a row writes its audit entry just after its UPDATE.
      await waitFor('three stale audit entries', async () => (await stack.db.auditLog.count({ where })) >= 3);
      const rows = await stack.db.workerProcess.findMany({
        where: { tenantId: { in: tenants.map((t) => t.id) } },
      });
      expect(rows.map((r) => r.status)).toEqual(['ERROR', 'ERROR', 'ERROR']);
      const audits = await stack.db.auditLog.groupBy({
        by: ['tenantSlug'],
        where,
        _count: { _all: true },
      });
      expect(audits.map((a) => [a.tenantSlug, a._count._all]).sort()).toEqual([
        ['race-a', 1],
        ['race-b', 1],
        ['race-c', 1],
      ]);
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
  });
});
