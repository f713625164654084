// The request paths that answer from memory or from one statement still tell the truth:
// - a start answers 202 while the launch has not even begun (the driver is held), the worker then
//   becomes RUNNING; a start waiting for a launch slot is not taken for abandoned by the reconciler;
// - a start that fails in the background ends ERROR with its reason, visible in GET /admin/workers;
// - GET /admin/workers (a background process snapshot) shows a worker killed under PM2 within its
//   refresh bound;
// - remembered portal sessions: sign-out everywhere, deactivation and disabling a tenant are refused
//   with the very next request; a change made straight in the database within the cache bound.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import { reconcileWorkers } from '../src/services/reconciler.ts';
import type { ProcessDriver, WorkerProcessSpec } from '../src/services/process-driver.ts';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';
import { FIXTURE_WORKER, isAlive, waitForStatus, workerEnv, workerRow } from './worker-helpers.ts';

const CRASHING_WORKER = path.join(path.dirname(FIXTURE_WORKER), 'crash-at-start.ts');
const LISTEN_TIMEOUT_MS = 6_000;

/** The real PM2 driver, whose start() waits until the test opens the gate (to hold a launch slot). */
function gatedDriver(real: ProcessDriver): { driver: ProcessDriver; open(): void; startsSeen: string[] } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const startsSeen: string[] = [];
  const driver: ProcessDriver = {
    start: async (spec: WorkerProcessSpec) => {
      startsSeen.push(spec.name);
      await gate;
      await real.start(spec);
    },
    stop: (n) => real.stop(n),
    delete: (n) => real.delete(n),
    kill: (n) => real.kill(n),
    list: () => real.list(),
    find: (n) => real.find(n),
    disconnect: async () => undefined,
  };
  return { driver, open, startsSeen };
}

let stack: TestStack;
let app: FastifyInstance;
let gate: ReturnType<typeof gatedDriver>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  stack = await createTestStack();
  gate = gatedDriver(stack.driver);
  app = await buildTestApp(
    stack,
    { driver: gate.driver },
    workerEnv({
      WORKER_SCRIPT: FIXTURE_WORKER,
      WORKER_START_CONCURRENCY: '1',
      WORKER_LISTEN_TIMEOUT_MS: String(LISTEN_TIMEOUT_MS),
    }),
  );
  for (const slug of ['first', 'second', 'crashing', 'portal-shop'])
    ids[slug] = (await createTenant(stack.db, slug)).id;
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

async function start(target: FastifyInstance, slug: string): Promise<string> {
  const res = await target.inject({
    method: 'POST',
    url: `/admin/tenants/${slug}/worker/start`,
    headers: adminHeaders,
  });
  expect(res.statusCode).toBe(202);
  return res.json<{ status: string }>().status;
}

type WorkersBody = {
  items: {
    tenantSlug: string;
    status: string;
    pid: number | null;
    processState: string | null;
    lastError: string | null;
  }[];
  processView: { observedAt: string | null; ageMs: number | null; error: string | null };
};
async function workers(target: FastifyInstance): Promise<WorkersBody> {
  const res = await target.inject({ method: 'GET', url: '/admin/workers', headers: adminHeaders });
  expect(res.statusCode).toBe(200);
  // The portal relays only answers typed JSON; anything else reaches its pages as no data.
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json<WorkersBody>();
}
const item = (body: WorkersBody, slug: string) => body.items.find((i) => i.tenantSlug === slug)!;

describe('starts are accepted at once and launched in the background', () => {
  it('202 STARTING while the driver has not launched anything; a queued start outlives the listen timeout; both end RUNNING', async () => {
    expect(await start(app, 'first')).toBe('STARTING');
    // The launch has reached the driver and is held there: the answer did not wait for it.
    await waitFor('the first launch reaches the driver', () =>
      gate.startsSeen.includes(workerAppName('first')),
    );
    expect(await stack.driver.find(workerAppName('first'))).toBeUndefined();
    expect((await workerRow(stack.db, ids.first!)).status).toBe('STARTING');

    // One launch slot: the second start is accepted too and waits for the slot, STARTING.
    expect(await start(app, 'second')).toBe('STARTING');
    const claimed = (await workerRow(stack.db, ids.second!)).updatedAt;
    // Past the listen timeout with no process, a STARTING row would count as a failed start; the
    // waiting start renews its row, so the reconciler leaves it alone.
    await waitFor(
      'the waiting start renewed past the listen timeout',
      async () => {
        const row = await workerRow(stack.db, ids.second!);
        return row.updatedAt.getTime() - claimed.getTime() > LISTEN_TIMEOUT_MS / 2 ? row : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await waitFor(
      'the listen timeout has passed since the claim',
      () => Date.now() - claimed.getTime() > LISTEN_TIMEOUT_MS,
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    const reconciled = await reconcileWorkers({
      db: stack.db,
      driver: stack.driver,
      config: app.config,
      log: app.log,
    });
    expect(reconciled.startFailed).toEqual([]);
    expect((await workerRow(stack.db, ids.second!)).status).toBe('STARTING');
    expect(gate.startsSeen).not.toContain(workerAppName('second'));

    gate.open();
    for (const slug of ['first', 'second']) {
      const row = await waitForStatus(stack.db, ids[slug]!, 'RUNNING', 30_000);
      expect(row.pid && isAlive(row.pid)).toBe(true);
    }
    // A second start of a running worker is a no-op answered with its status.
    expect(await start(app, 'first')).toBe('RUNNING');
  });

  it('a start that fails in the background ends ERROR with its reason, shown by GET /admin/workers', async () => {
    const crashing = await buildTestApp(
      stack,
      { driver: stack.driver },
      workerEnv({ WORKER_SCRIPT: CRASHING_WORKER, WORKER_LISTEN_TIMEOUT_MS: '3000' }),
    );
    try {
      expect(await start(crashing, 'crashing')).toBe('STARTING');
      const row = await waitForStatus(stack.db, ids.crashing!, 'ERROR', 30_000);
      expect(row.lastError).toMatch(/^start failed: no heartbeat within 3000 ms/);
      const listed = item(await workers(crashing), 'crashing');
      expect(listed).toMatchObject({ status: 'ERROR', lastError: row.lastError });
      // The failed process is not left crash-looping.
      await waitFor(
        'the failed process is removed',
        async () => (await stack.driver.find(workerAppName('crashing'))) === undefined,
      );
      const audit = await stack.db.auditLog.findFirst({
        where: { tenantId: ids.crashing, action: 'worker.start' },
      });
      expect(audit).not.toBeNull();
    } finally {
      await crashing.close();
    }
  });

  it('GET /admin/workers shows a worker killed under PM2 within the refresh bound', async () => {
    const before = await workers(app);
    const first = item(before, 'first');
    const row = await workerRow(stack.db, ids.first!);
    expect(first).toMatchObject({ status: 'RUNNING', processState: 'running', pid: row.pid });
    expect(before.processView.error).toBeNull();
    expect(before.processView.ageMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(before.processView.observedAt!)).not.toBeNaN();
    // A tenant without a process has no process columns (negative beside the positive above).
    expect(item(before, 'portal-shop')).toMatchObject({ processState: null, pid: null });

    process.kill(row.pid!, 'SIGKILL');
    // The list must stop showing the dead pid as running within the snapshot's refresh bound (PM2 shows
    // the process crashed or restarting, or already its new pid). The wait fails the test on timeout.
    await waitFor(
      'the killed pid is no longer listed as running',
      async () => {
        const listed = item(await workers(app), 'first');
        return !(listed.processState === 'running' && listed.pid === row.pid);
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });
});

describe('remembered portal sessions', () => {
  it('sign-out everywhere, deactivation and a disabled tenant are refused with the next request', async () => {
    const user = await createUser(stack.db, 'owner@fast.test', [
      { tenantId: ids['portal-shop']!, role: 'TENANT_ADMIN' },
    ]);
    const get = () =>
      app.inject({ method: 'GET', url: '/portal/tenant/current', headers: portalHeaders('owner@fast.test') });
    // Twice: the second answer comes from the remembered session.
    expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(200);

    const disabled = await app.inject({
      method: 'PATCH',
      url: '/admin/tenants/portal-shop',
      headers: adminHeaders,
      payload: { status: 'DISABLED' },
    });
    expect(disabled.statusCode).toBe(200);
    const refused = await get();
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('TENANT_DISABLED');
    await app.inject({
      method: 'PATCH',
      url: '/admin/tenants/portal-shop',
      headers: adminHeaders,
      payload: { status: 'ACTIVE' },
    });
    expect((await get()).statusCode).toBe(200);

    const ended = await app.inject({
      method: 'DELETE',
      url: `/admin/users/${user.id}/sessions`,
      headers: adminHeaders,
    });
    expect(ended.statusCode).toBe(200);
    expect((await get()).statusCode).toBe(401);
  });

  it('a session deleted or a user deactivated straight in the database is refused within the cache bound', async () => {
    await createUser(stack.db, 'sql@fast.test', [{ tenantId: ids['portal-shop']!, role: 'VIEWER' }]);
    const get = () =>
      app.inject({ method: 'GET', url: '/portal/tenant/current', headers: portalHeaders('sql@fast.test') });
    expect((await get()).statusCode).toBe(200);
    await stack.db.user.update({ where: { email: 'sql@fast.test' }, data: { isActive: false } });
    await waitFor('the deactivated user is refused', async () => (await get()).statusCode === 401, {
      timeoutMs: 1_000 + 2_000,
      intervalMs: 50,
    });
    // Re-activation brings the session back: nothing was deleted, the user was only refused.
    await stack.db.user.update({ where: { email: 'sql@fast.test' }, data: { isActive: true } });
    await waitFor('the re-activated user is let in', async () => (await get()).statusCode === 200, {
      timeoutMs: 3_000,
      intervalMs: 50,
    });
    await stack.db.portalSession.deleteMany({ where: { user: { email: 'sql@fast.test' } } });
    await waitFor('the deleted session is refused', async () => (await get()).statusCode === 401, {
      timeoutMs: 1_000 + 2_000,
      intervalMs: 50,
    });
  });
});
