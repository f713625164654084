import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import {
  createSuite,
  createTenant,
  descendantsOf,
  expectLogsAreJsonWithTime,
  isAlive,
  readLog,
  sendCommand,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  waitForWorkerStatus,
  workerRow,
  type Suite,
} from './helpers.ts';

let suite: Suite;

beforeAll(async () => {
  suite = await createSuite();
});

afterAll(async () => {
  await suite?.close();
});

describe('worker lifecycle (simulator engine, real processes)', () => {
  it('refuses to start without TENANT_ID: exit 1 naming the variable', async () => {
    const worker = spawnWorker(suite, {});
    const { code } = await worker.exited;
    expect(code).toBe(1);
    expect(worker.output()).toMatch(/TENANT_ID is required but not set/);
  });

  it('refuses a TENANT_ID that is not a uuid, and a tenant that does not exist', async () => {
    const invalid = spawnWorker(suite, tenantEnv('acme'));
    expect((await invalid.exited).code).toBe(1);
    expect(invalid.output()).toMatch(/TENANT_ID: must be a tenant id/);

    const missingId = randomUUID();
    const unknown = spawnWorker(suite, tenantEnv(missingId));
    expect((await unknown.exited).code).toBe(1);
    expect(unknown.output()).toContain(`unknown tenant: no tenant with id ${missingId}`);
  });

  it('is RUNNING with a QR within 5 s, CONNECTED after the link, heartbeating on the database clock', async () => {
    const tenant = await createTenant(suite);
    const startedAt = Date.now();
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '-1', HEARTBEAT_INTERVAL_MS: '300' }),
    );

    await waitForWorkerStatus(suite, tenant.id, 'RUNNING', 5_000);
    const qr = await waitForSessionState(
      suite,
      tenant.id,
      'QR',
      Math.max(1, 5_000 - (Date.now() - startedAt)),
    );
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(qr.lastQr).toMatch(/^2@[A-Za-z0-9+/=]+(,[A-Za-z0-9+/=]+){3}$/);
    expect(qr.qrUpdatedAt).toBeInstanceOf(Date);
    const row = await workerRow(suite, tenant.id);
    expect(row?.pid).toBe(worker.pid);
    expect(row?.pm2Name).toBe(workerAppName(tenant.slug));

    await sendCommand(suite, tenant.id, { type: 'link' });
    const connected = await waitForSessionState(suite, tenant.id, 'CONNECTED');
    expect(connected.phoneNumber).toMatch(/^1555\d{7}$/);
    expect(connected.lastQr).toBeNull();

    // Two beats read back from the row: time moves forward and stays close to the database's now().
    const first = (await workerRow(suite, tenant.id))!.lastHeartbeatAt!;
    const second = await waitFor('a later heartbeat', async () => {
      const beat = (await workerRow(suite, tenant.id))?.lastHeartbeatAt;
      return beat && beat > first ? beat : undefined;
    });
    const [{ now }] = (await suite.db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`) as [{ now: Date }];
    expect(now.getTime() - second.getTime()).toBeLessThan(2_000);

    // The log never holds the QR payload or the full phone number.
    const log = JSON.stringify(readLog(suite.logDir, tenant.slug));
    expect(log).not.toContain(qr.lastQr!);
    expect(log).not.toContain(connected.phoneNumber!);

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('returns from ERROR (as the stale checker marks it) to RUNNING on its next beat and logs the recovery', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(suite, tenantEnv(tenant.id, { HEARTBEAT_INTERVAL_MS: '300' }));
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');
    await suite.db
      .$executeRaw`UPDATE worker_processes SET status = 'ERROR' WHERE tenant_id = ${tenant.id}::uuid`;
    await suite.db.tenant.update({ where: { id: tenant.id }, data: { status: 'ERROR' } });
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');
    await waitFor(
      'tenant ACTIVE again',
      async () => (await suite.db.tenant.findUnique({ where: { id: tenant.id } }))?.status === 'ACTIVE',
    );
    await waitFor('recovery logged', () =>
      readLog(suite.logDir, tenant.slug).some((l) => l.msg === 'worker recovered'),
    );

    // A stop in progress (STOPPING, written by the control plane) is not undone by later beats.
    await suite.db
      .$executeRaw`UPDATE worker_processes SET status = 'STOPPING' WHERE tenant_id = ${tenant.id}::uuid`;
    const before = (await workerRow(suite, tenant.id))!.lastHeartbeatAt!;
    await waitFor(
      'a beat after STOPPING',
      async () => (await workerRow(suite, tenant.id))!.lastHeartbeatAt! > before,
    );
    expect((await workerRow(suite, tenant.id))!.status).toBe('STOPPING');

    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((await workerRow(suite, tenant.id))!.status).toBe('STOPPED');
  });

  it('on SIGINT writes STOPPED and exits 0 within the grace period, leaving no process behind', async () => {
    const tenant = await createTenant(suite);
    const graceMs = 4_000;
    const worker = spawnWorker(suite, tenantEnv(tenant.id, { SHUTDOWN_GRACE_MS: String(graceMs) }));
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');
    const descendants = descendantsOf(worker.pid);

    const signalledAt = Date.now();
    worker.kill('SIGINT');
    const { code } = await worker.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(graceMs);

    const row = await workerRow(suite, tenant.id);
    expect(row?.status).toBe('STOPPED');
    expect(row?.pid).toBeNull();
    expect((await suite.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } }))?.state).toBe(
      'DISCONNECTED',
    );
    // Helpers the runtime may have started (e.g. esbuild for tsx) must go with it.
    await waitFor('no descendant left', () => descendants.every((pid) => !isAlive(pid)), {
      timeoutMs: 3_000,
    });
    const lines = readLog(suite.logDir, tenant.slug);
    expect(lines.some((l) => l.msg === 'worker stopped')).toBe(true);
  });

  it('records ERROR with lastError and exits 1 on a fatal engine error', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(suite, tenantEnv(tenant.id));
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await sendCommand(suite, tenant.id, { type: 'fail', message: 'simulated crash: browser gone' });
    expect((await worker.exited).code).toBe(1);
    const row = await workerRow(suite, tenant.id);
    expect(row?.status).toBe('ERROR');
    expect(row?.lastError).toContain('simulated crash: browser gone');
    expect(
      readLog(suite.logDir, tenant.slug).some((l) => l.level === 'fatal' && l.msg === 'worker crashed'),
    ).toBe(true);
  });

  it('on the hang command stops heartbeating while the process stays alive (what the stale checker catches)', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(suite, tenantEnv(tenant.id, { HEARTBEAT_INTERVAL_MS: '200' }));
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await sendCommand(suite, tenant.id, { type: 'hang' });
    await waitFor('hang logged', () =>
      readLog(suite.logDir, tenant.slug).some((l) => l.msg?.toString().startsWith('simulator: hanging')),
    );
    const frozen = (await workerRow(suite, tenant.id))!.lastHeartbeatAt!;
    await waitFor(
      'ten intervals without a beat on the database clock',
      async () => {
        const [{ age }] = (await suite.db.$queryRaw<{ age: number }[]>`
        SELECT (extract(epoch FROM now() - last_heartbeat_at) * 1000)::float8 AS age
        FROM worker_processes WHERE tenant_id = ${tenant.id}::uuid`) as [{ age: number }];
        return age > 2_000;
      },
      { timeoutMs: 10_000 },
    );
    expect((await workerRow(suite, tenant.id))!.lastHeartbeatAt).toEqual(frozen);
    expect(isAlive(worker.pid)).toBe(true);
    worker.kill('SIGKILL');
    expect((await worker.exited).signal).toBe('SIGKILL');
  });

  it('writes session states for disconnect, logout and auth failure, and restores a linked session without a QR', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(suite, tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '-1' }));
    await waitForSessionState(suite, tenant.id, 'QR');
    await sendCommand(suite, tenant.id, { type: 'link' });
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await sendCommand(suite, tenant.id, { type: 'disconnect' });
    await waitForSessionState(suite, tenant.id, 'DISCONNECTED');
    await sendCommand(suite, tenant.id, { type: 'link' });
    await waitForSessionState(suite, tenant.id, 'CONNECTED');

    // Restart: the saved auth brings the session back, never through QR.
    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
    const restarted = spawnWorker(suite, tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '-1' }));
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    const qrStates = readLog(suite.logDir, tenant.slug).filter(
      (l) => l.pid === restarted.pid && l.sessionState === 'QR',
    );
    expect(qrStates).toEqual([]);

    await sendCommand(suite, tenant.id, { type: 'logout' });
    await waitForSessionState(suite, tenant.id, 'LOGGED_OUT');
    await waitForSessionState(suite, tenant.id, 'QR');
    await sendCommand(suite, tenant.id, { type: 'link' });
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await sendCommand(suite, tenant.id, { type: 'auth_failure' });
    await waitForSessionState(suite, tenant.id, 'AUTH_FAILURE');
    restarted.kill('SIGINT');
    expect((await restarted.exited).code).toBe(0);
  });

  it('wrote only JSON lines with their own time to the tenant logs', () => {
    const lines = expectLogsAreJsonWithTime(suite.logDir);
    expect(lines.some((l) => l.msg === 'worker status changed' && l.status === 'RUNNING')).toBe(true);
  });
});
