import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import {
  acceptSends,
  createSuite,
  createTenant,
  expectLogsAreJsonWithTime,
  networkSendAttempts,
  networkSends,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  type Suite,
} from './helpers.ts';

let suite: Suite;

beforeAll(async () => {
  suite = await createSuite();
});

afterAll(async () => {
  await suite?.close();
});

async function outbound(tenantId: string) {
  return suite.db.messageLog.findMany({ where: { tenantId, direction: 'OUT' } });
}

function expectSentOnceEach(sends: { clientRef: string }[], ids: string[]) {
  const perRef = new Map<string, number>();
  for (const s of sends) perRef.set(s.clientRef, (perRef.get(s.clientRef) ?? 0) + 1);
  expect([...perRef.keys()].sort()).toEqual([...ids].sort());
  expect([...perRef.values()].every((n) => n === 1)).toBe(true);
}

describe('outbound sends (real worker, simulator network)', () => {
  it('delivers a batch accepted while the worker was stopped, once each, after it starts; acks move rows to READ', async () => {
    const tenant = await createTenant(suite);
    // 40 with their job, 10 whose job Redis "lost": the worker's sweep must find those from the rows.
    const withJobs = await acceptSends(suite, tenant.id, 40);
    const withoutJobs = await acceptSends(suite, tenant.id, 10, { addJobs: false });
    const ids = [...withJobs, ...withoutJobs];

    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { SEND_RATE_PER_MIN: '6000', SIM_ACK_DELAY_MS: '50' }),
    );
    const rows = await waitFor(
      'every send READ',
      async () => {
        const all = await outbound(tenant.id);
        return all.length === ids.length && all.every((r) => r.status === 'READ') ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(rows.every((r) => r.attempts === 1 && r.waMessageId)).toBe(true);
    const sends = await networkSends(suite, tenant.id);
    expectSentOnceEach(sends, ids);
    const waIdByRef = new Map(sends.map((s) => [s.clientRef, s.waMessageId]));
    for (const row of rows) expect(row.waMessageId).toBe(waIdByRef.get(row.id));
    // Nothing was killed: the network was asked for each send exactly once (no refused repeat either).
    const attempts = await networkSendAttempts(suite, tenant.id);
    expect(ids.map((id) => attempts.get(id))).toEqual(ids.map(() => 1));

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('after kill -9 during traffic and a restart, every accepted send ends SENT or beyond, sent exactly once', async () => {
    const tenant = await createTenant(suite);
    const ids = await acceptSends(suite, tenant.id, 300);
    const env = tenantEnv(tenant.id, { SEND_RATE_PER_MIN: '6000', SIM_ACK_DELAY_MS: '20' });

    const first = spawnWorker(suite, env);
    await waitFor(
      'some sends done',
      async () => {
        const sent = await suite.db.messageLog.count({
          where: { tenantId: tenant.id, direction: 'OUT', NOT: { status: 'QUEUED' } },
        });
        return sent >= 40;
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const leftQueued = await suite.db.messageLog.count({
      where: { tenantId: tenant.id, direction: 'OUT', status: 'QUEUED' },
    });
    expect(leftQueued).toBeGreaterThan(0); // the kill really happened mid-traffic

    const second = spawnWorker(suite, env);
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    // The job the killed process held is locked until its lock expires (~15 s), then retried.
    const rows = await waitFor(
      'every send SENT or beyond',
      async () => {
        const all = await outbound(tenant.id);
        return all.every((r) => ['SENT', 'DELIVERED', 'READ'].includes(r.status)) ? all : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(rows).toHaveLength(ids.length);
    expectSentOnceEach(await networkSends(suite, tenant.id), ids);
    // The worker itself asked again for at most the one send in flight at the kill (concurrency 1);
    // on WhatsApp without the simulator's memory, that one could arrive twice.
    const attempts = await networkSendAttempts(suite, tenant.id);
    expect(ids.every((id) => (attempts.get(id) ?? 0) >= 1)).toBe(true);
    expect(ids.filter((id) => attempts.get(id)! > 1).length).toBeLessThanOrEqual(1);
    const [stats] = await suite.db.$queryRaw<{ outbound: bigint }[]>`
      SELECT sum(outbound) AS outbound FROM message_stats_hourly WHERE tenant_id = ${tenant.id}::uuid`;
    expect(Number(stats!.outbound)).toBe(ids.length);

    second.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });

  it('fails a send the network can never deliver at once, without retrying, with the error on the row', async () => {
    const tenant = await createTenant(suite);
    const [bad] = await acceptSends(suite, tenant.id, 1, { to: () => 'not-a-number' });
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { SEND_MAX_ATTEMPTS: '5', SEND_BACKOFF_MS: '50' }),
    );
    const row = await waitFor('send FAILED', async () => {
      const r = await suite.db.messageLog.findUnique({ where: { id: bad! } });
      return r?.status === 'FAILED' ? r : undefined;
    });
    expect(row.error).toBe('recipient is not a phone number');
    expect(row.attempts).toBe(1);
    expect(await networkSends(suite, tenant.id)).toEqual([]);
    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('wrote only JSON lines with their own time to the tenant logs', () => {
    const lines = expectLogsAreJsonWithTime(suite.logDir);
    expect(lines.some((l) => l.msg === 'send failed permanently')).toBe(true);
  });
});
