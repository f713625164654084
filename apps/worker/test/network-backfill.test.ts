// The simulated network lives outside the worker: customers write to the tenant's phone (a Redis
// stream) whether a worker runs or not, and every connect of a worker backfills what it missed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import {
  acceptSends,
  createSuite,
  createTenant,
  expectLogsAreJsonWithTime,
  network,
  networkSends,
  readLog,
  sendCommand,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  waitForWorkerStatus,
  workerRow,
  type Suite,
  type WorkerProcess,
} from './helpers.ts';

let suite: Suite;

beforeAll(async () => {
  suite = await createSuite();
});

afterAll(async () => {
  await suite?.close();
});

async function storedInbound(tenantId: string) {
  return suite.db.messageLog.findMany({
    where: { tenantId, direction: 'IN' },
    select: { waMessageId: true },
  });
}

/** Every id the network holds is stored exactly once. */
function expectEachOnce(stored: { waMessageId: string | null }[], written: string[]) {
  expect(stored.map((m) => m.waMessageId).sort()).toEqual([...written].sort());
  expect(new Set(stored.map((m) => m.waMessageId)).size).toBe(written.length);
}

async function write(tenantId: string, from: string, text: string): Promise<string> {
  return (await network(suite).deliverInbound(tenantId, { from, text })).waMessageId;
}

describe('simulated network and backfill (real worker processes)', () => {
  it('stores every message written while the worker was stopped, once each, after it starts', async () => {
    const tenant = await createTenant(suite);
    const env = tenantEnv(tenant.id);
    const first = spawnWorker(suite, env);
    await waitForSessionState(suite, tenant.id, 'CONNECTED', 30_000);
    // Positive control: a running worker takes a message live.
    const live = await write(tenant.id, '17110000001', 'while running');
    await waitFor('live message stored', async () => (await storedInbound(tenant.id)).length === 1);
    first.kill('SIGINT');
    expect((await first.exited).code).toBe(0);

    const whileStopped: string[] = [];
    for (let i = 0; i < 30; i++)
      whileStopped.push(await write(tenant.id, `1712${String(i).padStart(7, '0')}`, `stopped ${i}`));
    expect(await storedInbound(tenant.id)).toHaveLength(1); // nobody stored them: no worker runs

    const second = spawnWorker(suite, env);
    // A deadline for a loaded machine (a worker start under tsx), not a performance figure.
    await waitFor('all 31 stored', async () => (await storedInbound(tenant.id)).length >= 31, {
      timeoutMs: 60_000,
    });
    await waitFor('backfill logged', () =>
      readLog(suite.logDir, tenant.slug).some((l) => l.pid === second.pid && l.msg === 'backfill done'),
    );
    const backfill = readLog(suite.logDir, tenant.slug).find(
      (l) => l.pid === second.pid && l.msg === 'backfill done',
    );
    expect(backfill).toMatchObject({ missing: 30 });
    expectEachOnce(await storedInbound(tenant.id), [live, ...whileStopped]);
    second.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('after kill -9 mid-traffic: 0 lost, 0 duplicates once a new worker runs', async () => {
    const tenant = await createTenant(suite);
    const env = tenantEnv(tenant.id);
    const first = spawnWorker(suite, env);
    await waitForSessionState(suite, tenant.id, 'CONNECTED', 30_000);

    // Customers keep writing ~50 messages a second through the whole test.
    const written: string[] = [];
    let isWriting = true;
    const writer = (async () => {
      for (let i = 0; isWriting; i++) {
        written.push(await write(tenant.id, `1713${String(i % 1000).padStart(7, '0')}`, `traffic ${i}`));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let second: WorkerProcess | undefined;
    try {
      await waitFor('traffic stored live', async () => (await storedInbound(tenant.id)).length >= 50, {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const writtenAtKill = written.length;
      const storedAtKill = (await storedInbound(tenant.id)).length;
      await waitFor('customers wrote while no worker ran', () => written.length >= writtenAtKill + 50, {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
      // Positive control: with no worker, nothing more is stored while customers keep writing (the
      // kill really happened mid-traffic, and what follows is the backfill's doing).
      expect((await storedInbound(tenant.id)).length).toBe(storedAtKill);
      expect(written.length).toBeGreaterThanOrEqual(storedAtKill + 50);

      second = spawnWorker(suite, env);
      const pid = second.pid;
      await waitFor(
        'the new worker backfilled',
        () => readLog(suite.logDir, tenant.slug).some((l) => l.pid === pid && l.msg === 'backfill done'),
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      // ... and keeps taking live traffic afterwards.
      const writtenAtBackfill = written.length;
      await waitFor('more traffic after the backfill', () => written.length >= writtenAtBackfill + 20, {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
    } finally {
      isWriting = false;
      await writer;
    }
    const stored = await waitFor(
      'every written message stored',
      async () => {
        const rows = await storedInbound(tenant.id);
        return rows.length >= written.length ? rows : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expectEachOnce(stored, written);
    const backfill = readLog(suite.logDir, tenant.slug).find(
      (l) => l.pid === second.pid && l.msg === 'backfill done',
    );
    expect(Number(backfill?.missing)).toBeGreaterThanOrEqual(50); // what only backfill could bring back
    second.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('backfills on a reconnect what arrived while the session was disconnected', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '-1', HEARTBEAT_INTERVAL_MS: '300' }),
    );
    await waitForSessionState(suite, tenant.id, 'QR', 30_000);
    await sendCommand(suite, tenant.id, { type: 'link' });
    await waitForSessionState(suite, tenant.id, 'CONNECTED', 30_000);
    const live = await write(tenant.id, '17140000001', 'connected');
    await waitFor('live message stored', async () => (await storedInbound(tenant.id)).length === 1);

    await sendCommand(suite, tenant.id, { type: 'disconnect' });
    await waitForSessionState(suite, tenant.id, 'DISCONNECTED');
    const missed: string[] = [];
    for (let i = 0; i < 10; i++)
      missed.push(await write(tenant.id, `1714${String(i + 2).padStart(7, '0')}`, `blip ${i}`));
    // Two heartbeats later the disconnected session still has not taken them (a client that is not
    // connected does not receive; this is what makes the backfill below necessary).
    const beat = (await workerRow(suite, tenant.id))!.lastHeartbeatAt!;
    await waitFor('two more heartbeats', async () => {
      const now = (await workerRow(suite, tenant.id))!.lastHeartbeatAt!;
      return now.getTime() - beat.getTime() >= 600;
    });
    expect(await storedInbound(tenant.id)).toHaveLength(1);

    await sendCommand(suite, tenant.id, { type: 'link' });
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await waitFor('missed messages stored', async () => (await storedInbound(tenant.id)).length === 11);
    expectEachOnce(await storedInbound(tenant.id), [live, ...missed]);
    const backfills = readLog(suite.logDir, tenant.slug).filter((l) => l.msg === 'backfill done');
    // One backfill per connect; the reconnect's found the ten (the first may race the live message).
    expect(backfills).toHaveLength(2);
    expect(backfills[1]).toMatchObject({ missing: 10 });
    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('receipts come back through the network: those due after a kill -9 are applied by the next worker', async () => {
    const tenant = await createTenant(suite);
    const ids = await acceptSends(suite, tenant.id, 5);
    // Receipts due 8 s (delivered) and 16 s (read) after each send: the kill comes before them.
    const env = tenantEnv(tenant.id, { SEND_RATE_PER_MIN: '6000', SIM_ACK_DELAY_MS: '8000' });
    const first = spawnWorker(suite, env);
    const outbound = () => suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'OUT' } });
    await waitFor('all sent', async () => (await outbound()).every((r) => r.status === 'SENT'), {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // Positive control: no receipt had been applied when the process died.
    expect((await outbound()).map((r) => r.status)).toEqual(ids.map(() => 'SENT'));

    const second = spawnWorker(suite, env);
    const rows = await waitFor(
      'every receipt applied',
      async () => {
        const all = await outbound();
        return all.every((r) => r.status === 'READ') ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(rows).toHaveLength(ids.length);
    expect(await networkSends(suite, tenant.id)).toHaveLength(ids.length); // sent once each
    second.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('an unknown engine (or bad engine settings) fails the start with a readable lastError, never the default engine', async () => {
    const tenant = await createTenant(suite);
    const unknown = spawnWorker(suite, tenantEnv(tenant.id, { WA_ENGINE: 'telegram' }));
    expect((await unknown.exited).code).toBe(1);
    let row = await workerRow(suite, tenant.id);
    expect(row?.status).toBe('ERROR');
    expect(row?.lastError).toBe('unknown WhatsApp engine "telegram": known engines are simulator, wwebjs');
    expect(unknown.output()).toContain('unknown WhatsApp engine "telegram"');
    expect(await suite.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } })).toMatchObject({
      state: 'DISCONNECTED',
    });

    const badSetting = spawnWorker(suite, tenantEnv(tenant.id, { SIM_ACK_DELAY_MS: 'soon' }));
    expect((await badSetting.exited).code).toBe(1);
    row = await workerRow(suite, tenant.id);
    expect(row?.status).toBe('ERROR');
    expect(row?.lastError).toMatch(/^invalid simulator engine configuration:\n {2}- SIM_ACK_DELAY_MS: /);

    // Positive control: the same tenant with a known engine runs.
    const known = spawnWorker(suite, tenantEnv(tenant.id, { WA_ENGINE: 'simulator' }));
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    known.kill('SIGINT');
    expect((await known.exited).code).toBe(0);
  });

  it('wrote only JSON lines with their own time to the tenant logs', () => {
    const lines = expectLogsAreJsonWithTime(suite.logDir);
    expect(lines.some((l) => l.msg === 'backfill done')).toBe(true);
  });
});
