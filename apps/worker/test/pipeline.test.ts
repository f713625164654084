import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { rulesChangedChannel } from '@wa-fleet/shared';
import {
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
  type WorkerProcess,
} from './helpers.ts';

let suite: Suite;
let tenant: { id: string; slug: string };
let worker: WorkerProcess;

const UNIQUE = 1_000;
const DUPLICATED = 100; // 10%: half fired back to back with the original, half again at the end
// 2,400 a minute = one send every 25 ms, so the 500 replies take about 12.5 s. The limit is checked
// over 2-second windows (80 sends each) rather than a whole minute, which this test could never fill.
const RATE_PER_MIN = 2_400;
const SEND_INTERVAL_MS = 60_000 / RATE_PER_MIN;
const WINDOW_MS = 2_000;
const MAX_PER_WINDOW = WINDOW_MS / SEND_INTERVAL_MS; // 80

const PRICE_REPLY = 'Our prices are on example.com/prices';
const ORDER_REPLY = 'Your order is on its way';

function inbound(i: number) {
  const from = `1777${String(i).padStart(7, '0')}`;
  const kind = i % 4;
  const text = kind === 0 ? `What is the PRICE of item ${i}?` : kind === 1 ? `order #${i}` : `hello ${i}`;
  return { type: 'inbound' as const, from, text, id: `false_${from}@c.us_TEST${i}` };
}

beforeAll(async () => {
  suite = await createSuite();
  tenant = await createTenant(suite);
  await suite.db.autoReplyRule.createMany({
    data: [
      {
        tenantId: tenant.id,
        name: 'prices',
        matchType: 'CONTAINS',
        pattern: 'price',
        reply: PRICE_REPLY,
        priority: 10,
      },
      {
        tenantId: tenant.id,
        name: 'orders',
        matchType: 'REGEX',
        pattern: '^order\\s+#?\\d+$',
        reply: ORDER_REPLY,
        priority: 20,
      },
      {
        tenantId: tenant.id,
        name: 'disabled',
        matchType: 'CONTAINS',
        pattern: 'hello',
        reply: 'never',
        isEnabled: false,
      },
    ],
  });
  worker = spawnWorker(
    suite,
    tenantEnv(tenant.id, {
      SEND_RATE_PER_MIN: String(RATE_PER_MIN),
      // No acks during this test: a SENT row's updated_at stays the time it was sent.
      SIM_ACK_DELAY_MS: '600000',
    }),
  );
  await waitForSessionState(suite, tenant.id, 'CONNECTED');
});

afterAll(async () => {
  worker?.kill('SIGINT');
  await worker?.exited;
  await suite?.close();
});

describe('message pipeline under load (real worker, simulator network)', () => {
  it('stores 1,000 inbound messages once each although 10% fire twice, and sends each matching auto-reply once within the rate limit', async () => {
    // Customers write to the tenant's phone (the simulated network); the running worker reads them.
    const phone = network(suite);
    const burst: Promise<unknown>[] = [];
    const write = (i: number) => {
      const { from, text, id } = inbound(i);
      burst.push(phone.deliverInbound(tenant.id, { from, text, id }));
    };
    for (let i = 0; i < UNIQUE; i++) {
      write(i);
      if (i < DUPLICATED / 2) write(i); // WhatsApp delivering the same message twice, back to back
    }
    for (let i = UNIQUE - DUPLICATED / 2; i < UNIQUE; i++) write(i);
    await Promise.all(burst);

    await waitFor(
      'every duplicate dropped',
      () =>
        readLog(suite.logDir, tenant.slug).filter((l) => l.msg === 'duplicate inbound message dropped')
          .length >= DUPLICATED,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const stored = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'IN' } });
    expect(stored).toHaveLength(UNIQUE);
    expect(new Set(stored.map((m) => m.waMessageId)).size).toBe(UNIQUE);
    expect(stored.every((m) => m.status === 'RECEIVED')).toBe(true);

    const expectedReplies = UNIQUE / 2;
    const replies = await waitFor(
      'every auto-reply sent',
      async () => {
        const rows = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'OUT' } });
        return rows.length === expectedReplies && rows.every((r) => r.status === 'SENT') ? rows : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    const byId = new Map(stored.map((m) => [m.id, m]));
    for (const reply of replies) {
      const question = byId.get(reply.replyToId!)!;
      expect(reply.toNumber).toBe(question.fromNumber);
      expect(reply.body).toBe(/price/i.test(question.body) ? PRICE_REPLY : ORDER_REPLY);
      expect(reply.idempotencyKey).toBe(`auto:${question.id}`);
      expect(reply.waMessageId).toBeTruthy();
    }

    // The network saw each reply exactly once.
    const sends = await networkSends(suite, tenant.id);
    expect(sends).toHaveLength(expectedReplies);
    expect(new Set(sends.map((s) => s.clientRef))).toEqual(new Set(replies.map((r) => r.id)));

    // Rate, from the rows' sent_at times (database clock). Sends start at least SEND_INTERVAL_MS apart;
    // the time a row is marked SENT trails its start by engine and database work, and a database hiccup
    // can bunch a few stamps together: 5% (4 sends) of slack per window covers a 100 ms stall. Without
    // the limiter all 500 leave within about a second (hundreds per window), so both checks fail.
    const times = replies.map((r) => r.sentAt!.getTime()).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (j < times.length && times[j]! < times[i]! + WINDOW_MS) j++;
      busiest = Math.max(busiest, j - i);
    }
    expect(busiest).toBeLessThanOrEqual(MAX_PER_WINDOW + 4);
    const minimumSpan = (expectedReplies - 1) * SEND_INTERVAL_MS;
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(minimumSpan - 250);

    const [stats] = await suite.db.$queryRaw<
      { inbound: bigint; outbound: bigint; auto: bigint; failed: bigint }[]
    >`
      SELECT sum(inbound) AS inbound, sum(outbound) AS outbound, sum(auto_replies) AS auto, sum(failed) AS failed
      FROM message_stats_hourly WHERE tenant_id = ${tenant.id}::uuid`;
    expect(Number(stats!.inbound)).toBe(UNIQUE);
    expect(Number(stats!.auto)).toBe(expectedReplies);
    expect(Number(stats!.outbound)).toBe(expectedReplies);
    expect(Number(stats!.failed)).toBe(0);
  });

  it('answers with the changed rule as soon as the control plane announces the change', async () => {
    await suite.db.autoReplyRule.updateMany({
      where: { tenantId: tenant.id, name: 'prices' },
      data: { reply: 'New price list!' },
    });
    await suite.redis.publish(rulesChangedChannel(suite.prefix), tenant.id);
    await waitFor('cache dropped', () =>
      readLog(suite.logDir, tenant.slug).some((l) => l.msg === 'auto-reply rules changed: cache dropped'),
    );
    await sendCommand(suite, tenant.id, {
      type: 'inbound',
      from: '17770009999',
      text: 'price?',
      id: 'false_17770009999@c.us_NEWRULE',
    });
    const reply = await waitFor('reply to the new message', () =>
      suite.db.messageLog.findFirst({
        where: { tenantId: tenant.id, direction: 'OUT', toNumber: '17770009999' },
      }),
    );
    expect(reply.body).toBe('New price list!');
  });

  it('logs inbound and outbound traffic with masked numbers, bodies only at debug', () => {
    const lines = expectLogsAreJsonWithTime(suite.logDir);
    const stored = lines.filter((l) => l.msg === 'inbound message stored');
    expect(stored.length).toBeGreaterThan(0);
    for (const line of stored) expect(line.from).toMatch(/^17\*+\d\d$/);
    expect(lines.some((l) => l.msg === 'message sent')).toBe(true);
    const withBody = lines.filter((l) => 'body' in l);
    expect(withBody.length).toBeGreaterThan(0);
    expect(withBody.every((l) => l.level === 'debug')).toBe(true);
    expect(lines.some((l) => l.level !== 'debug' && JSON.stringify(l).includes('17770009999'))).toBe(false);
  });
});
