// Faults the worker must survive without losing a message: PostgreSQL stopped under it (inbound, acks,
// waiting sends), a stop or kill -9 while it cannot store (the disk spool), flaky engine sends, and
// failed jobs left in Redis. The database is a server of this file's own, stopped and started for real.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor as waitForWithin } from '@wa-fleet/devstack';
import { sendJob, sendQueueName } from '@wa-fleet/shared';
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
  type Suite,
} from './helpers.ts';
import { startOwnPostgres, type OwnPostgres } from './own-postgres.ts';

let pg: OwnPostgres;
let suite: Suite;

// Short back-off so the tests wait seconds, not minutes, for a database that is back.
const FAST = {
  DB_RETRY_BASE_MS: '100',
  DB_RETRY_MAX_MS: '500',
  INBOUND_SPOOL_AFTER_MS: '300',
  SEND_RATE_PER_MIN: '6000',
  SEND_SWEEP_INTERVAL_MS: '1000',
};

/** Polls for a state; 30 s unless told: the machine running the tests may be loaded. */
function waitFor<T>(
  label: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  return waitForWithin(label, check, { timeoutMs: 30_000, intervalMs: 100, ...opts });
}

/** Starting a worker process (tsx, database, engine) can take long on a loaded machine. */
const STARTUP_MS = 60_000;

beforeAll(async () => {
  pg = await startOwnPostgres();
  suite = await createSuite({ database: pg.database });
});

// A failed test must not leave the next one without its database.
afterEach(async () => {
  await pg.start();
});

afterAll(async () => {
  await pg?.start(); // suite.close() cleans up through the database
  await suite?.close();
});

function inbound(tag: string, i: number) {
  const from = `1666${String(i).padStart(7, '0')}`;
  return { type: 'inbound' as const, from, text: `${tag} ${i} price?`, id: `false_${from}@c.us_${tag}${i}` };
}

/** Inbound rows of the tenant in the order the database stored them. */
async function storedInbound(tenantId: string) {
  return suite.db.messageLog.findMany({
    where: { tenantId, direction: 'IN' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

function logHas(slug: string, msg: string, since = 0): boolean {
  return readLog(suite.logDir, slug)
    .slice(since)
    .some((l) => l.msg === msg);
}

async function outageUntil(label: string, check: () => boolean | Promise<boolean>) {
  await waitFor(label, async () => ((await check()) ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
}

function spoolRecords(tenantId: string): { kind: string }[] {
  return spoolFiles(tenantId).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { kind: string }),
  );
}

function spoolFiles(tenantId: string): string[] {
  const dir = path.join(suite.spoolDir, tenantId);
  try {
    return readdirSync(dir)
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

describe('PostgreSQL stopped under a running worker', () => {
  it('stores every inbound message once, in arrival order, applies acks and sends waiting jobs after it returns', async () => {
    const tenant = await createTenant(suite);
    await suite.db.autoReplyRule.create({
      data: {
        tenantId: tenant.id,
        name: 'price',
        matchType: 'CONTAINS',
        pattern: 'price',
        reply: 'see site',
      },
    });
    const worker = spawnWorker(suite, tenantEnv(tenant.id, { ...FAST, SIM_ACK_DELAY_MS: '2500' }));
    await waitForSessionState(suite, tenant.id, 'CONNECTED', STARTUP_MS);

    // Positive control: with the database up, a message is stored at once.
    await sendCommand(suite, tenant.id, inbound('before', 0));
    await waitFor('control stored', async () =>
      (await storedInbound(tenant.id)).length === 1 ? true : undefined,
    );

    // Sends SENT just before the outage: their DELIVERED/READ acks (2.5 s, 5 s later) arrive while it lasts.
    const ackedIds = await acceptSends(suite, tenant.id, 5);
    await waitFor('5 sends SENT', async () => {
      const n = await suite.db.messageLog.count({ where: { id: { in: ackedIds }, status: 'SENT' } });
      return n === 5 ? true : undefined;
    });
    // Accepted sends whose job is added while the database is down: they wait, then go out once.
    const waitingIds = await acceptSends(suite, tenant.id, 10, { addJobs: false });
    const logStart = readLog(suite.logDir, tenant.slug).length;

    await pg.stop();
    const queue = new Queue(sendQueueName(tenant.id), { connection: suite.redis, prefix: suite.prefix });
    await queue.addBulk(waitingIds.map((id) => sendJob(id)));
    await queue.close();
    for (let i = 1; i <= 20; i++) await sendCommand(suite, tenant.id, inbound('outage', i));
    await outageUntil('the worker retrying its writes', () =>
      logHas(tenant.slug, 'storing an inbound message failed, retrying', logStart),
    );
    // Events wait in order behind the first failing write; after INBOUND_SPOOL_AFTER_MS they are on disk.
    await waitFor(
      '20 messages and 10 acks (DELIVERED, READ) spooled during the outage',
      async () => {
        const records = spoolRecords(tenant.id);
        const messages = records.filter((r) => r.kind === 'message').length;
        const acks = records.filter((r) => r.kind === 'ack').length;
        if (messages === 20 && acks >= 10) return true;
        throw new Error(`spooled so far: ${messages} messages, ${acks} acks`);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(logHas(tenant.slug, 'inbound message handling failed')).toBe(false);
    await pg.start();

    const rows = await waitFor(
      '21 inbound stored',
      async () => {
        const all = await storedInbound(tenant.id);
        return all.length >= 21 ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(rows.map((r) => r.waMessageId)).toEqual(
      [0, ...Array.from({ length: 20 }, (_, i) => i + 1)].map(
        (i) => inbound(i === 0 ? 'before' : 'outage', i).id,
      ),
    );
    // Once each, and one auto-reply each.
    const replies = await waitFor('21 auto-replies', async () => {
      const r = await suite.db.messageLog.findMany({
        where: { tenantId: tenant.id, replyToId: { not: null } },
      });
      return r.length >= 21 ? r : undefined;
    });
    expect(new Set(replies.map((r) => r.replyToId)).size).toBe(21);

    const outbound = await waitFor(
      'acked and waiting sends READ',
      async () => {
        const all = await suite.db.messageLog.findMany({
          where: { id: { in: [...ackedIds, ...waitingIds] } },
        });
        return all.every((r) => r.status === 'READ') ? all : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(outbound).toHaveLength(15);
    const sends = await networkSends(suite, tenant.id);
    const refs = sends.map((s) => s.clientRef).filter((r) => [...ackedIds, ...waitingIds].includes(r));
    expect(refs.sort()).toEqual([...ackedIds, ...waitingIds].sort()); // each exactly once
    await waitFor('stored 21 again counted', async () => {
      const [s] = await suite.db.$queryRaw<{ inbound: bigint }[]>`
        SELECT sum(inbound) AS inbound FROM message_stats_hourly WHERE tenant_id = ${tenant.id}::uuid`;
      return Number(s!.inbound) === 21 ? true : undefined;
    });

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });
});

describe('the inbound spool', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`a worker that gets ${signal} while the database is down loses nothing: the spool is stored at the next start`, async () => {
      const tenant = await createTenant(suite);
      const env = tenantEnv(tenant.id, FAST);
      const first = spawnWorker(suite, env);
      await waitForSessionState(suite, tenant.id, 'CONNECTED', STARTUP_MS);
      const logStart = readLog(suite.logDir, tenant.slug).length;

      await pg.stop();
      for (let i = 1; i <= 12; i++) await sendCommand(suite, tenant.id, inbound(signal, i));
      if (signal === 'SIGKILL') {
        // kill -9 counts once the spool said the events are on disk (append + fsync returned).
        await outageUntil('events spooled', () =>
          logHas(tenant.slug, 'inbound events spooled to disk', logStart),
        );
        await waitFor('12 records spooled', async () =>
          spoolRecords(tenant.id).length >= 12 ? true : undefined,
        );
      } else {
        await outageUntil('writes failing', () =>
          logHas(tenant.slug, 'storing an inbound message failed, retrying', logStart),
        );
      }
      first.kill(signal);
      const exit = await first.exited;
      if (signal !== 'SIGKILL') {
        // A stop while the database is down is still a clean stop: everything held is on disk, the
        // log says why STOPPED could not be recorded, and the exit is 0 (not 1, not the grace timeout).
        const lines = readLog(suite.logDir, tenant.slug).slice(logStart);
        expect(exit.code, JSON.stringify(lines.slice(-5))).toBe(0);
        expect(lines.some((l) => l.msg === 'worker stopped')).toBe(true);
        expect(lines.some((l) => l.msg === 'could not record STOPPED: the database is unreachable')).toBe(
          true,
        );
        expect(lines.some((l) => l.msg === 'shutdown failed')).toBe(false);
      }

      // Owner-only files, on disk, before the database ever saw them.
      const files = spoolFiles(tenant.id);
      expect(files.length).toBeGreaterThan(0);
      expect(statSync(path.dirname(files[0]!)).mode & 0o777).toBe(0o700);
      for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);

      await pg.start();
      expect(await storedInbound(tenant.id)).toHaveLength(0); // nothing stored until a worker replays
      const second = spawnWorker(suite, env);
      const rows = await waitFor(
        '12 stored',
        async () => {
          const all = await storedInbound(tenant.id);
          return all.length >= 12 ? all : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(rows.map((r) => r.waMessageId)).toEqual(
        Array.from({ length: 12 }, (_, i) => inbound(signal, i + 1).id),
      );
      await waitFor('spool emptied', async () => (spoolFiles(tenant.id).length === 0 ? true : undefined));
      second.kill('SIGINT');
      expect((await second.exited).code).toBe(0);
      expect(await storedInbound(tenant.id)).toHaveLength(12);
    });
  }
});

describe('edits and deletions while the database is down', () => {
  it('are spooled in order with the messages, survive kill -9 and are applied once by the next worker', async () => {
    const tenant = await createTenant(suite);
    const env = tenantEnv(tenant.id, FAST);
    const first = spawnWorker(suite, env);
    await waitForSessionState(suite, tenant.id, 'CONNECTED', STARTUP_MS);
    const phone = network(suite);
    const { waMessageId } = await phone.deliverInbound(tenant.id, { from: '16660000901', text: 'at noon' });
    await waitFor('message stored', async () =>
      (await storedInbound(tenant.id)).length === 1 ? true : undefined,
    );

    await pg.stop();
    await phone.deliverEdit(tenant.id, { waMessageId, text: 'at one' });
    const later = await phone.deliverInbound(tenant.id, { from: '16660000901', text: 'sorry, wrong chat' });
    await phone.deliverRevoke(tenant.id, { waMessageId: later.waMessageId });
    // kill -9 counts once the three events are on disk, in arrival order.
    await waitFor('three records spooled', async () =>
      spoolRecords(tenant.id).length >= 3 ? true : undefined,
    );
    expect(spoolRecords(tenant.id).map((r) => r.kind)).toEqual(['edit', 'message', 'revoke']);
    first.kill('SIGKILL');
    await first.exited;

    await pg.start();
    const second = spawnWorker(suite, env);
    const row = (id: string) =>
      suite.db.messageLog.findFirst({
        where: { tenantId: tenant.id, waMessageId: id },
        include: { edits: true },
      });
    await waitFor('edit and deletion applied', async () =>
      (await row(waMessageId))?.body === 'at one' && (await row(later.waMessageId))?.deletedAt
        ? true
        : undefined,
    );
    await waitFor('spool emptied', async () => (spoolFiles(tenant.id).length === 0 ? true : undefined));
    // Replayed from the spool and seen again by the backfill: still one history entry.
    expect((await row(waMessageId))!.edits.map((e) => e.previousBody)).toEqual(['at noon']);
    expect(await row(later.waMessageId)).toMatchObject({ body: 'sorry, wrong chat' });
    expect(await suite.db.pendingMessageChange.count({ where: { tenantId: tenant.id } })).toBe(0);
    second.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  });
});

describe('an inbound message the database refuses for its content', () => {
  it('is kept in rejected.jsonl with the reason and does not block the messages behind it', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(suite, tenantEnv(tenant.id, FAST));
    await waitForSessionState(suite, tenant.id, 'CONNECTED', STARTUP_MS);
    // PostgreSQL text cannot hold a NUL character: no amount of waiting stores this one.
    const poison = { ...inbound('poison', 1), text: 'bad \u0000 byte' };
    await sendCommand(suite, tenant.id, poison);
    await sendCommand(suite, tenant.id, inbound('after', 2));
    const rows = await waitFor('the message behind it stored', async () => {
      const all = await storedInbound(tenant.id);
      return all.length > 0 ? all : undefined;
    });
    expect(rows.map((r) => r.waMessageId)).toEqual([inbound('after', 2).id]);
    const rejected = readFileSync(path.join(suite.spoolDir, tenant.id, 'rejected.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { waMessageId: string; body: string; reason: string });
    expect(rejected.map((r) => r.waMessageId)).toEqual([poison.id]);
    expect(rejected[0]!.body).toBe(poison.text);
    expect(rejected[0]!.reason).toMatch(/0x00|invalid byte sequence/);
    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });
});

describe('send failures', () => {
  it('retries retryable engine errors with doubling back-off, then sends once; gives up after SEND_MAX_ATTEMPTS with the reason', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { ...FAST, SEND_MAX_ATTEMPTS: '3', SEND_BACKOFF_MS: '300' }),
    );
    await waitForSessionState(suite, tenant.id, 'CONNECTED', STARTUP_MS);
    // Positive control: a healthy network sends at the first attempt.
    const [control] = await acceptSends(suite, tenant.id, 1);
    await waitFor('control sent', async () => {
      const r = await suite.db.messageLog.findUnique({ where: { id: control! } });
      return r && r.status !== 'QUEUED' ? r : undefined;
    });

    await sendCommand(suite, tenant.id, { type: 'fail_sends', count: 2, message: 'network flake' });
    const [flaky] = await acceptSends(suite, tenant.id, 1);
    const sent = await waitFor('flaky send SENT', async () => {
      const r = await suite.db.messageLog.findUnique({ where: { id: flaky! } });
      return r && r.status !== 'QUEUED' ? r : undefined;
    });
    expect(['SENT', 'DELIVERED', 'READ']).toContain(sent.status);
    expect(sent.attempts).toBe(3);
    const retries = readLog(suite.logDir, tenant.slug).filter(
      (l) => l.msg === 'send failed, will retry' && l.messageId === flaky,
    );
    expect(retries.map((l) => l.delayMs)).toEqual([300, 600]);

    await sendCommand(suite, tenant.id, { type: 'fail_sends', count: 10, message: 'network down' });
    const [doomed] = await acceptSends(suite, tenant.id, 1);
    const failed = await waitFor('doomed send FAILED', async () => {
      const r = await suite.db.messageLog.findUnique({ where: { id: doomed! } });
      return r?.status === 'FAILED' ? r : undefined;
    });
    expect(failed.attempts).toBe(3);
    expect(failed.error).toBe('network down (gave up after 3 attempts)');
    const refs = (await networkSends(suite, tenant.id)).map((s) => s.clientRef);
    expect(refs.filter((r) => r === flaky)).toHaveLength(1);
    expect(refs).not.toContain(doomed);

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('re-enqueues a QUEUED row whose job sits in the failed set (a re-add with the same jobId alone is a no-op)', async () => {
    const tenant = await createTenant(suite);
    const [stuck] = await acceptSends(suite, tenant.id, 1, { addJobs: false });
    // A job that failed its attempts and was kept, as older producers left them.
    const queue = new Queue(sendQueueName(tenant.id), { connection: suite.redis, prefix: suite.prefix });
    await queue.add('send', { messageId: stuck }, { jobId: stuck, attempts: 1, removeOnFail: false });
    const failer = new Worker(
      sendQueueName(tenant.id),
      () => Promise.reject(new Error('database unavailable')),
      { connection: suite.redis.duplicate(), prefix: suite.prefix },
    );
    await waitFor('job failed', async () =>
      (await queue.getJobState(stuck!)) === 'failed' ? true : undefined,
    );
    await failer.close();
    // The precondition of the fault: adding it again does nothing.
    await queue.add('send', { messageId: stuck }, { jobId: stuck });
    expect(await queue.getJobState(stuck!)).toBe('failed');

    const worker = spawnWorker(suite, tenantEnv(tenant.id, FAST));
    const row = await waitFor(
      'stuck send SENT',
      async () => {
        const r = await suite.db.messageLog.findUnique({ where: { id: stuck! } });
        return r && r.status !== 'QUEUED' ? r : undefined;
      },
      { timeoutMs: STARTUP_MS },
    );
    expect(['SENT', 'DELIVERED', 'READ']).toContain(row.status);
    expect((await networkSends(suite, tenant.id)).map((s) => s.clientRef)).toEqual([stuck]);
    await queue.close();
    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });

  it('wrote only JSON lines with their own time to the tenant logs', () => {
    expectLogsAreJsonWithTime(suite.logDir);
  });
});
