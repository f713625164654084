// Self-healing with real PM2 and real workers: a hung (SIGSTOPped) worker is marked ERROR, killed and
// started again, with a back-off and a cap; every restart is audited and every status change is in the
// worker's history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { reconcileWorkers } from '../src/services/reconciler.ts';
import { isAlive, waitForStatus, workerEnv, workerRow } from './worker-helpers.ts';

const STALE_AFTER_MS = 1_500;
const STALE_CHECK_INTERVAL_MS = 500;
// Longer than a restart takes, so the second hang is marked before the back-off allows a restart.
const BACKOFF_MS = 8_000;
const CAP = 2;

let stack: TestStack;
let plane: FastifyInstance;
const stopped = new Set<number>();

beforeAll(async () => {
  stack = await createTestStack();
  const env = workerEnv({
    STALE_AFTER_MS: String(STALE_AFTER_MS),
    STALE_CHECK_INTERVAL_MS: String(STALE_CHECK_INTERVAL_MS),
    WORKER_AUTO_RESTART_BACKOFF_MS: String(BACKOFF_MS),
    WORKER_AUTO_RESTART_MAX_PER_HOUR: String(CAP),
    RECONCILE_INTERVAL_MS: '60000',
  });
  plane = await buildTestApp(stack, { driver: stack.driver, runBackgroundJobs: true }, env);
});

afterAll(async () => {
  for (const pid of stopped) if (isAlive(pid)) process.kill(pid, 'SIGCONT');
  await plane?.close();
  await stack?.cleanup();
});

async function hang(tenantId: string): Promise<{ pid: number; at: number }> {
  const { pid } = await waitForStatus(stack.db, tenantId, 'RUNNING', 20_000);
  process.kill(pid!, 'SIGSTOP');
  stopped.add(pid!);
  return { pid: pid!, at: Date.now() };
}

/**
 * ERROR in time (the checker's promise, read from the status history: the ERROR may last only
 * milliseconds before the restart), then RUNNING again with another pid and the hung one gone.
 */
async function expectHealed(tenantId: string, hung: { pid: number; at: number }): Promise<number> {
  const row = await waitFor(
    'RUNNING with a new pid',
    async () => {
      const r = await workerRow(stack.db, tenantId);
      return r.status === 'RUNNING' && r.pid && r.pid !== hung.pid ? r : undefined;
    },
    { timeoutMs: BACKOFF_MS * 2 + 20_000 },
  );
  const marked = await stack.db.workerStatusChange.findFirstOrThrow({
    where: { tenantId, fromStatus: 'RUNNING', toStatus: 'ERROR', changedAt: { gt: new Date(hung.at) } },
    orderBy: { id: 'asc' },
  });
  expect(marked.reason).toMatch(/^heartbeat stale/);
  expect(marked.changedAt.getTime() - hung.at).toBeLessThanOrEqual(
    STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS + 1_000,
  );
  await waitFor('the hung process gone (kill -0 fails)', () => !isAlive(hung.pid), { timeoutMs: 5_000 });
  stopped.delete(hung.pid);
  expect(row.lastError).toBeNull();
  return row.pid!;
}

async function history(slug: string, limit = 100) {
  const res = await plane.inject({
    method: 'GET',
    url: `/admin/tenants/${slug}/worker/history?limit=${limit}`,
    headers: adminHeaders,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: { at: string; from: string | null; to: string; reason: string | null }[] }>()
    .items;
}

describe('self-healing of hung workers', () => {
  it('restarts a hung worker, backs off, stops at the cap and says so; lastError clears on recovery', async () => {
    const tenant = await createTenant(stack.db, 'heals');
    const started = await plane.inject({
      method: 'POST',
      url: '/admin/tenants/heals/worker/start',
      headers: adminHeaders,
    });
    expect(started.statusCode).toBe(202);

    // 1st hang: restarted at once (below the cap: the positive control for the cap below).
    const firstHang = await hang(tenant.id);
    await expectHealed(tenant.id, firstHang);
    // 2nd hang: restarted again, but not before the back-off since the first restart.
    await expectHealed(tenant.id, await hang(tenant.id));
    const restarts = await stack.db.auditLog.findMany({
      where: { tenantId: tenant.id, action: 'worker.auto_restart' },
      orderBy: { createdAt: 'asc' },
    });
    expect(restarts.map((a) => a.actor)).toEqual(['system:self-healing', 'system:self-healing']);
    expect(restarts.map((a) => (a.details as { attempt: number }).attempt)).toEqual([1, 2]);
    expect((restarts[0]!.details as { killedPid: number }).killedPid).toBe(firstHang.pid);
    expect(restarts[1]!.createdAt.getTime() - restarts[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(
      BACKOFF_MS,
    );
    expect((restarts[1]!.details as { delayMs: number }).delayMs).toBe(BACKOFF_MS);

    // 3rd hang within the hour: the cap holds. It stays ERROR, says why, and is not restarted.
    const third = await hang(tenant.id);
    const capped = await waitFor(
      'lastError says the cap was reached',
      async () => {
        const r = await workerRow(stack.db, tenant.id);
        return r.status === 'ERROR' && r.lastError?.startsWith('not restarted') ? r : undefined;
      },
      { timeoutMs: STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS * 4 + 2_000 },
    );
    expect(capped.lastError).toMatch(/^not restarted: 2 automatic restarts in the last hour \(cap 2\)/);
    expect(
      await stack.db.auditLog.count({ where: { tenantId: tenant.id, action: 'worker.auto_restart_capped' } }),
    ).toBe(1);
    // Several more passes: still ERROR, still the hung process, no third restart.
    const passes = plane.backgroundTasks.get('stale-checker')!.completedRuns;
    await waitFor(
      'three more checker passes',
      () => plane.backgroundTasks.get('stale-checker')!.completedRuns >= passes + 3,
      {
        timeoutMs: STALE_CHECK_INTERVAL_MS * 20,
      },
    );
    expect((await workerRow(stack.db, tenant.id)).status).toBe('ERROR');
    expect(isAlive(third.pid)).toBe(true);
    expect(
      await stack.db.auditLog.count({ where: { tenantId: tenant.id, action: 'worker.auto_restart' } }),
    ).toBe(2);

    // The hung process wakes up: its heartbeat brings it back to RUNNING and lastError is cleared.
    process.kill(third.pid, 'SIGCONT');
    stopped.delete(third.pid);
    const recovered = await waitForStatus(stack.db, tenant.id, 'RUNNING', 10_000);
    expect(recovered.pid).toBe(third.pid);
    expect(recovered.lastError).toBeNull();

    // The history tells the whole story, newest first, with reasons.
    const items = await history('heals');
    const story = items
      .slice()
      .reverse()
      .map((h) => `${h.from ?? '-'}>${h.to}`);
    expect(story).toEqual([
      'STOPPED>STARTING',
      'STARTING>RUNNING',
      'RUNNING>ERROR',
      'ERROR>STARTING',
      'STARTING>RUNNING',
      'RUNNING>ERROR',
      'ERROR>STARTING',
      'STARTING>RUNNING',
      'RUNNING>ERROR',
      'ERROR>RUNNING',
    ]);
    const reasons = items.map((h) => h.reason ?? '');
    expect(reasons[0]).toBe('heartbeat resumed');
    expect(reasons[1]).toMatch(/^heartbeat stale: no heartbeat for \d+ ms/);
    expect(reasons.filter((r) => r.startsWith('automatic restart'))).toHaveLength(2);
    for (let i = 1; i < items.length; i++) expect(items[i - 1]!.at >= items[i]!.at).toBe(true);
    expect(await history('heals', 3)).toHaveLength(3);
  });

  it("never restarts a DISABLED tenant's hung worker (an ACTIVE one hung beside it is restarted); the reconciler stops it", async () => {
    const [off, on] = await Promise.all(['hung-off', 'hung-on'].map((slug) => createTenant(stack.db, slug)));
    for (const slug of ['hung-off', 'hung-on']) {
      const res = await plane.inject({
        method: 'POST',
        url: `/admin/tenants/${slug}/worker/start`,
        headers: adminHeaders,
      });
      expect(res.statusCode).toBe(202);
    }
    await waitForStatus(stack.db, off!.id, 'RUNNING', 20_000);
    // Disabled behind the control plane's back, so its worker is still running when it hangs.
    await stack.db.tenant.update({ where: { id: off!.id }, data: { status: 'DISABLED' } });
    const [offHang, onHang] = [await hang(off!.id), await hang(on!.id)];

    // Positive control: the ACTIVE tenant's hung worker is restarted ...
    await expectHealed(on!.id, onHang);
    // ... while the DISABLED one, marked ERROR by the same checker, stays down and hung.
    const offRow = await waitForStatus(stack.db, off!.id, 'ERROR', 10_000);
    expect(offRow.lastError).toMatch(/^heartbeat stale/);
    expect(offRow.pid).toBe(offHang.pid);
    expect(
      await stack.db.auditLog.count({ where: { tenantId: off!.id, action: 'worker.auto_restart' } }),
    ).toBe(0);
    expect(
      await stack.db.auditLog.count({ where: { tenantId: on!.id, action: 'worker.auto_restart' } }),
    ).toBe(1);

    // The reconciler takes the DISABLED tenant's process down.
    const log = plane.log;
    const result = await reconcileWorkers({ db: stack.db, driver: stack.driver, config: plane.config, log });
    expect(result.disabledStopped).toEqual(['hung-off']);
    expect(isAlive(offHang.pid)).toBe(false);
    stopped.delete(offHang.pid);
    expect((await workerRow(stack.db, off!.id)).status).toBe('STOPPED');
  });

  it('the history route validates its input', async () => {
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'other=1']) {
      const res = await plane.inject({
        method: 'GET',
        url: `/admin/tenants/heals/worker/history?${query}`,
        headers: adminHeaders,
      });
      expect(res.statusCode, query).toBe(400);
    }
    const missing = await plane.inject({
      method: 'GET',
      url: '/admin/tenants/no-such-tenant/worker/history',
      headers: adminHeaders,
    });
    expect(missing.statusCode).toBe(404);
    const anonymous = await plane.inject({ method: 'GET', url: '/admin/tenants/heals/worker/history' });
    expect(anonymous.statusCode).toBe(401);
  });
});
