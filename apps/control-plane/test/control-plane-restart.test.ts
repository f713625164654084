import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import type { Pm2Driver } from '../src/services/pm2-driver.ts';
import {
  adminHeaders,
  createTenant,
  createTestStack,
  spawnControlPlane,
  type RunningControlPlane,
  type TestStack,
} from './helpers.ts';
import { isAlive, waitForStatus, workerEnv } from './worker-helpers.ts';

let stack: TestStack;
let pm2: Pm2Driver;
const planes: ChildProcess[] = [];

/** The control plane as its own process, with fast reconcile and stale checks. */
async function startControlPlane(overrides: Record<string, string> = {}): Promise<RunningControlPlane> {
  const env = stack.env(
    workerEnv({
      RECONCILE_INTERVAL_MS: '1000',
      STALE_CHECK_INTERVAL_MS: '1000',
      STALE_AFTER_MS: '5000',
      ...overrides,
    }),
  );
  return spawnControlPlane(env, 20_000, planes);
}

async function api(plane: RunningControlPlane, method: string, url: string) {
  const res = await fetch(`${plane.url}${url}`, { method, headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  stack = await createTestStack();
  pm2 = stack.driver;
});

afterAll(async () => {
  for (const child of planes) if (child.exitCode === null) child.kill('SIGKILL');
  await pm2?.killDaemon();
  await stack?.cleanup();
});

describe('control plane restarts', () => {
  it('a killed control plane leaves workers running; the next one reconciles and reports them RUNNING', async () => {
    const tenant = await createTenant(stack.db, 'survivor');
    const first = await startControlPlane();
    expect((await api(first, 'POST', '/admin/tenants/survivor/worker/start')).status).toBe(202);
    const { pid } = await waitForStatus(stack.db, tenant.id, 'RUNNING', 10_000);

    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(isAlive(pid!)).toBe(true);
    const before = (await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId: tenant.id } }))
      .lastHeartbeatAt!;
    await waitFor('heartbeats continue without a control plane', async () => {
      const row = await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId: tenant.id } });
      return row.lastHeartbeatAt! > before ? true : undefined;
    });

    const second = await startControlPlane();
    // let the boot reconciliation run, then the report must still say RUNNING with the same process
    await waitFor('boot reconciliation', async () =>
      second.output().includes('repeating task failed')
        ? undefined
        : (await api(second, 'GET', '/admin/workers')).status === 200,
    );
    const { body } = await api(second, 'GET', '/admin/workers');
    const items = body.items as { tenantSlug: string; status: string; pid: number; processState: string }[];
    expect(items.find((w) => w.tenantSlug === 'survivor')).toMatchObject({
      status: 'RUNNING',
      pid,
      processState: 'running',
    });
    expect(await stack.db.auditLog.count({ where: { action: 'worker.process_missing' } })).toBe(0);

    // graceful shutdown of the control plane also leaves the worker alone
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(isAlive(pid!)).toBe(true);
  });

  it('reconciles: a RUNNING worker whose process vanished becomes ERROR "process missing"; an orphan app is stopped', async () => {
    const tenant = await createTenant(stack.db, 'vanishes');
    // A long stale limit keeps the stale checker out of this story.
    const plane = await startControlPlane({ STALE_AFTER_MS: '120000' });
    expect((await api(plane, 'POST', '/admin/tenants/vanishes/worker/start')).status).toBe(202);
    const { pid } = await waitForStatus(stack.db, tenant.id, 'RUNNING', 10_000);
    const orphan = await createTenant(stack.db, 'orphan');
    expect((await api(plane, 'POST', '/admin/tenants/orphan/worker/start')).status).toBe(202);
    await waitForStatus(stack.db, orphan.id, 'RUNNING', 10_000);

    // The process disappears behind the control plane's back without a word: frozen, so it cannot write
    // STOPPED on its way out, then removed from PM2 (SIGKILLed after kill_timeout).
    process.kill(pid!, 'SIGSTOP');
    await pm2.delete(workerAppName('vanishes'));
    expect(isAlive(pid!)).toBe(false);
    const row = await waitForStatus(stack.db, tenant.id, 'ERROR', 10_000);
    expect(row.lastError).toBe('process missing');
    expect(
      await stack.db.auditLog.count({ where: { tenantId: tenant.id, action: 'worker.process_missing' } }),
    ).toBe(1);

    // The tenant row goes away behind its back (deleted directly in the database): its worker is stopped.
    await stack.db.tenant.delete({ where: { id: orphan.id } });
    await waitFor(
      'orphan stopped',
      async () => ((await pm2.find(workerAppName('orphan'))) === undefined ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    plane.child.kill('SIGTERM');
    await exited(plane.child);
  });
});
