// Redis killed with SIGKILL (nothing saved) and started again, empty, on the same port while sends are
// accepted and customers write. The BullMQ send queue dies with it; PostgreSQL's QUEUED rows are the
// truth, so every send accepted with 202 must still go out exactly once.
//
// What this drill does not count: the simulated WhatsApp network lives in the same Redis, so customer
// messages written before the kill and not yet taken by the worker are lost with Redis (the network's
// loss, like WhatsApp's servers losing data), and the network's record of what it sent is lost too. That
// record is therefore read at the moment of the kill: Redis is paused for writes (CLIENT PAUSE WRITE),
// the record read, then the server killed, so nothing is sent between the read and the kill.
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import {
  customerWrites,
  networkSendAttempts,
  networkSendCounts,
  reportRepeatAttempts,
} from './lib/network.ts';

const SENDS_BEFORE = 30;

export const drill: Drill = {
  description: `Redis killed (SIGKILL, no save) and restarted empty on the same port while ${SENDS_BEFORE} accepted sends wait, more sends are accepted and customers write`,
  env: () => ({ SEND_RATE_PER_MIN: '120' }),
  async run(stack, report, opts) {
    const downMs = opts.isFast ? 2_000 : 10_000;
    report.note('Redis down for', `${downMs / 1000} s`);
    const tenant = await stack.createRunningTenant();
    report.step(`tenant ${tenant.slug} created; worker RUNNING, session CONNECTED`);

    const sendIds: string[] = [];
    const refused = new Map<string, number>();
    const send = async (i: number) => {
      const res = await stack.portal(
        'POST',
        '/portal/tenant/current/messages',
        tenant.operator,
        tenant.slug,
        {
          to: `1444${String(i).padStart(7, '0')}`,
          text: `redis drill send ${i}`,
          idempotencyKey: `redis-drill-${i}`,
        },
      );
      if (res.status === 202) sendIds.push(((await res.json()) as { id: string }).id);
      else {
        const why = `${res.status} ${(await res.text()).slice(0, 120)}`;
        refused.set(why, (refused.get(why) ?? 0) + 1);
      }
    };
    for (let i = 0; i < SENDS_BEFORE; i++) await send(i);
    report.expect('sends accepted (202) before the kill', sendIds.length, SENDS_BEFORE);

    // Load during the kill: a send accepted and a customer message every 100 ms, until after the restart.
    let load = true;
    let wrote = 0;
    let writeFailed = 0;
    const loader = (async () => {
      for (let i = SENDS_BEFORE; load; i++) {
        await send(i);
        await customerWrites(
          stack,
          tenant,
          { from: '15550001111', text: `during ${i}`, id: `false_redis_${tenant.id}_${i}` },
          'network',
        ).then(
          () => (wrote += 1),
          () => (writeFailed += 1),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));

    const pid = (await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId: tenant.id } })).pid;
    await stack.redis.call('CLIENT', 'PAUSE', '5000', 'WRITE');
    const sentBeforeKill = await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id);
    const attemptsBeforeKill = await networkSendAttempts(stack.redis, stack.redisPrefix, tenant.id);
    const waiting = sendIds.length - sendIds.filter((id) => sentBeforeKill.has(id)).length;
    await stack.killAndRestartRedis(downMs);
    const upAt = Date.now();
    report.step(
      `redis-server killed with SIGKILL (${sentBeforeKill.size} sent by then, ${waiting} accepted sends waiting) and started again empty on the same port`,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    load = false;
    await loader;
    report.step(`load stopped: ${sendIds.length} sends accepted in all`);
    report.note(
      'sends refused (not 202) around the kill',
      [...refused].map(([why, count]) => `${count} x ${why}`).join('; ') || 0,
    );
    report.note('customer messages written to the network / refused by it', `${wrote} / ${writeFailed}`);

    const deadline = opts.isFast ? 60_000 : 120_000;
    const done = (s: string) => s === 'SENT' || s === 'DELIVERED' || s === 'READ';
    await waitFor(
      'every accepted send sent',
      async () => {
        const rows = await stack.db.messageLog.findMany({
          where: { id: { in: sendIds } },
          select: { status: true },
        });
        return rows.filter((r) => done(r.status)).length === sendIds.length ? true : undefined;
      },
      { timeoutMs: deadline, intervalMs: 500 },
    ).catch(() => report.step(`gave up waiting after ${deadline / 1000} s; counting what is there`));
    report.note('time from Redis back to every send sent', `${((Date.now() - upAt) / 1000).toFixed(1)} s`);

    const rows = await stack.db.messageLog.findMany({
      where: { id: { in: sendIds } },
      select: { status: true },
    });
    const byStatus = new Map<string, number>();
    for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    report.note('send rows by status', [...byStatus].map(([k, v]) => `${k} ${v}`).join(', '));
    const after = await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id);
    const timesSent = (id: string) => (sentBeforeKill.get(id) ?? 0) + (after.get(id) ?? 0);
    report.expect(
      'accepted sends the network sent',
      sendIds.filter((id) => timesSent(id) > 0).length,
      sendIds.length,
    );
    report.expect(
      'sends the network sent more than once',
      sendIds.filter((id) => timesSent(id) > 1).length,
      0,
    );
    // The empty Redis forgot both the sends and the attempts: count each side of the kill.
    const attemptsAfter = await networkSendAttempts(stack.redis, stack.redisPrefix, tenant.id);
    reportRepeatAttempts(
      report,
      sendIds,
      (id) => (attemptsBeforeKill.get(id) ?? 0) + (attemptsAfter.get(id) ?? 0),
    );
    report.expect('send rows SENT or beyond', rows.filter((r) => done(r.status)).length, sendIds.length);
    report.expect('send rows still QUEUED', byStatus.get('QUEUED') ?? 0, 0);

    const worker = await waitFor(
      'the worker RUNNING',
      async () => {
        const w = await stack.db.workerProcess.findUnique({ where: { tenantId: tenant.id } });
        return w?.status === 'RUNNING' ? w : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(() => undefined);
    report.expect('worker status after the drill', worker?.status ?? 'not RUNNING', 'RUNNING');
    report.note('worker pid before / after', `${pid} / ${worker?.pid ?? 'none'}`);
  },
};
