// The reconciler's rules and /ready while it has not finished its first pass, against real PM2; and the
// start path when a worker never heartbeats (PM2's growing restart delays, then ERROR "start failed").
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { createServiceLogger } from '@wa-fleet/logger';
import { workerAppName } from '@wa-fleet/shared';
import { reconcileWorkers } from '../src/services/reconciler.ts';
import type { ProcessDriver } from '../src/services/process-driver.ts';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { FIXTURE_WORKER, isAlive, waitForStatus, workerEnv, workerRow } from './worker-helpers.ts';

const CRASHING_WORKER = path.join(path.dirname(FIXTURE_WORKER), 'crash-at-start.ts');
const LISTEN_TIMEOUT_MS = 12_000;
const KILL_TIMEOUT_MS = 4_000;
// Long enough for four starts of node + tsx on a busy machine plus 800 + 1200 + 1800 ms of back-off.
const CRASH_LISTEN_TIMEOUT_MS = 30_000;

let stack: TestStack;

beforeAll(async () => {
  stack = await createTestStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

async function setRow(tenantId: string, status: string, ageMs: number): Promise<void> {
  await stack.db.$executeRaw`
    UPDATE worker_processes SET status = ${status}::"WorkerStatus",
      updated_at = now() - make_interval(secs => ${ageMs}::int / 1000.0)
    WHERE tenant_id = ${tenantId}::uuid`;
}

describe('reconciler', () => {
  it('STARTING past the listen timeout with no process -> ERROR; STOPPING past the kill timeout -> STOPPED', async () => {
    const config = stack.config(
      workerEnv({
        WORKER_LISTEN_TIMEOUT_MS: String(LISTEN_TIMEOUT_MS),
        WORKER_KILL_TIMEOUT_MS: String(KILL_TIMEOUT_MS),
      }),
    );
    const [oldStart, freshStart, oldStop, freshStop] = await Promise.all(
      ['old-start', 'fresh-start', 'old-stop', 'fresh-stop'].map((slug) => createTenant(stack.db, slug)),
    );
    await stack.driver.list(); // the PM2 daemon is up before the clock of the rows below starts
    await setRow(oldStart!.id, 'STARTING', LISTEN_TIMEOUT_MS + 5_000);
    await setRow(freshStart!.id, 'STARTING', 0);
    await setRow(oldStop!.id, 'STOPPING', KILL_TIMEOUT_MS + 5_000);
    await setRow(freshStop!.id, 'STOPPING', 0);
    const log = await createServiceLogger({ service: 'test', stdout: false });

    const result = await reconcileWorkers({ db: stack.db, driver: stack.driver, config, log });
    expect(result.startFailed).toEqual([workerAppName('old-start')]);
    expect(result.stopped).toEqual([workerAppName('old-stop')]);
    const old = await workerRow(stack.db, oldStart!.id);
    expect(old.status).toBe('ERROR');
    expect(old.lastError).toBe('start failed: no process after listen timeout');
    expect((await workerRow(stack.db, oldStop!.id)).status).toBe('STOPPED');
    // Positive controls: within their timeouts they are left alone (a start or stop may be under way).
    expect((await workerRow(stack.db, freshStart!.id)).status).toBe('STARTING');
    expect((await workerRow(stack.db, freshStop!.id)).status).toBe('STOPPING');
  });

  it('/ready answers 503 "workers reconciling" until the first pass finished, then 200', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The real PM2 driver whose first list() waits for the test: the first pass is held mid-way.
    const held: ProcessDriver = {
      start: (spec) => stack.driver.start(spec),
      stop: (name) => stack.driver.stop(name),
      delete: (name) => stack.driver.delete(name),
      kill: (name) => stack.driver.kill(name),
      find: (name) => stack.driver.find(name),
      disconnect: () => Promise.resolve(),
      list: async () => {
        await gate;
        return stack.driver.list();
      },
    };
    const app = await buildTestApp(stack, { driver: held, runBackgroundJobs: true }, workerEnv());
    try {
      const during = await app.inject({ method: 'GET', url: '/ready' });
      expect(during.statusCode).toBe(503);
      expect(during.json()).toMatchObject({
        checks: { database: 'ok', redis: 'ok', workers: 'reconciling' },
      });
      release();
      await waitFor('first reconcile pass', () => app.backgroundTasks.get('reconciler')!.completedRuns > 0);
      const after = await app.inject({ method: 'GET', url: '/ready' });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ status: 'ready', checks: { workers: 'ok' } });
    } finally {
      release();
      await app.close();
    }
  });
});

describe('a DISABLED tenant whose worker still runs', () => {
  let app: FastifyInstance;

  afterAll(async () => {
    await app?.close();
  });

  it("is stopped by the reconciler (row STOPPED, audited); an ACTIVE tenant's worker keeps running", async () => {
    app = await buildTestApp(stack, { driver: stack.driver }, workerEnv());
    const [off, on] = await Promise.all(['goes-off', 'stays-on'].map((slug) => createTenant(stack.db, slug)));
    for (const slug of ['goes-off', 'stays-on']) {
      const res = await app.inject({
        method: 'POST',
        url: `/admin/tenants/${slug}/worker/start`,
        headers: adminHeaders,
      });
      expect(res.statusCode).toBe(202);
    }
    const offPid = (await waitForStatus(stack.db, off!.id, 'RUNNING', 30_000)).pid!;
    const onPid = (await waitForStatus(stack.db, on!.id, 'RUNNING', 30_000)).pid!;
    // Disabled behind the control plane's back (a disable whose stop never ran): the process lives on.
    await stack.db.tenant.update({ where: { id: off!.id }, data: { status: 'DISABLED' } });
    expect(isAlive(offPid)).toBe(true);

    const log = await createServiceLogger({ service: 'test', stdout: false });
    const config = stack.config(workerEnv());
    const result = await reconcileWorkers({ db: stack.db, driver: stack.driver, config, log });

    expect(result.disabledStopped).toEqual(['goes-off']);
    expect(isAlive(offPid)).toBe(false);
    expect(await stack.driver.find(workerAppName('goes-off'))).toBeUndefined();
    expect(await workerRow(stack.db, off!.id)).toMatchObject({ status: 'STOPPED', pid: null });
    expect((await stack.db.tenant.findUniqueOrThrow({ where: { id: off!.id } })).status).toBe('DISABLED');
    expect(
      await stack.db.auditLog.count({ where: { tenantId: off!.id, action: 'worker.disabled_stopped' } }),
    ).toBe(1);
    // Positive control: the ACTIVE tenant's worker is untouched.
    expect(isAlive(onPid)).toBe(true);
    expect((await stack.driver.find(workerAppName('stays-on')))?.state).toBe('running');
    expect(await workerRow(stack.db, on!.id)).toMatchObject({ status: 'RUNNING', pid: onPid });

    // A second pass has nothing left to do.
    const again = await reconcileWorkers({ db: stack.db, driver: stack.driver, config, log });
    expect(again.disabledStopped).toEqual([]);
    expect(isAlive(onPid)).toBe(true);
  });
});

describe('a worker that never heartbeats', () => {
  let app: FastifyInstance;

  afterAll(async () => {
    await app?.close();
  });

  it('is restarted by PM2 with growing delays, then marked ERROR "start failed" and removed', async () => {
    app = await buildTestApp(
      stack,
      { driver: stack.driver },
      workerEnv({
        WORKER_SCRIPT: CRASHING_WORKER,
        WORKER_RESTART_BACKOFF_MS: '800',
        WORKER_LISTEN_TIMEOUT_MS: String(CRASH_LISTEN_TIMEOUT_MS),
      }),
    );
    const tenant = await createTenant(stack.db, 'crashes');
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tenants/crashes/worker/start',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(202);

    const startsFile = path.join(stack.logDir, 'crash-starts.log');
    const starts = await waitFor(
      'four starts of the crashing worker',
      () => {
        const lines = existsSync(startsFile) ? readFileSync(startsFile, 'utf8').trim().split('\n') : [];
        return lines.length >= 4 ? lines.map((l) => l.split(' ').map(Number) as [number, number]) : undefined;
      },
      { timeoutMs: CRASH_LISTEN_TIMEOUT_MS },
    );
    // Restart delay k: process k+1 started minus process k exited.
    const gaps = starts.slice(1, 4).map(([startedAt], i) => startedAt - starts[i]![1]);
    // PM2's exponential back-off (800, 1200, 1800 ms): every wait longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(800);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]).toBeGreaterThan(gaps[1]!);

    const failed = await waitForStatus(stack.db, tenant.id, 'ERROR', CRASH_LISTEN_TIMEOUT_MS + 10_000);
    expect(failed.lastError).toMatch(
      new RegExp(
        `^start failed: no heartbeat within ${CRASH_LISTEN_TIMEOUT_MS} ms \\(process (crashed|starting|running)`,
      ),
    );
    await waitFor(
      'the crashing process removed',
      async () => (await stack.driver.find(workerAppName('crashes'))) === undefined,
    );
    const history = await stack.db.workerStatusChange.findMany({
      where: { tenantId: tenant.id },
      orderBy: { id: 'asc' },
    });
    expect(history.map((h) => `${h.fromStatus}>${h.toStatus}`)).toEqual([
      'STOPPED>STARTING',
      'STARTING>ERROR',
    ]);
    expect(history[1]!.reason).toBe(failed.lastError);
  });
});
