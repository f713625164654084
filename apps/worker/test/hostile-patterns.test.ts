// Tenant-written regular expressions against hostile messages, in a real worker: patterns that hang a
// backtracking engine for minutes on a 34-character message must not stop the worker's heartbeat, and
// the rules must still answer correctly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import {
  createSuite,
  createTenant,
  sendCommand,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  type Suite,
  type WorkerProcess,
} from './helpers.ts';

const HEARTBEAT_INTERVAL_MS = 250;
// A backtracking engine spends minutes on one of these messages; a beat this late means the event loop
// was blocked. The slack over the interval is for database writes on a loaded machine.
const MAX_HEARTBEAT_GAP_MS = 5_000;

let suite: Suite;
let tenant: { id: string; slug: string };
let worker: WorkerProcess;

const RULES = [
  { name: 'alternation-star', pattern: '([a-z]|[a-z0-9])*!', reply: 'R1 exclamation', priority: 10 },
  { name: 'dot-star-chain', pattern: '.*.*.*.*x', reply: 'R2 ends in x', priority: 20 },
  { name: 'same-alternatives', pattern: '(a|a)*$', reply: 'R3 anything', priority: 30 },
  { name: 'nested', pattern: '^(a+)+$', reply: 'never: R3 comes first', priority: 40 },
];

// Each message, and the reply it must get (lowest priority number among the matching rules).
const MESSAGES: { text: string; reply: string }[] = [
  ...Array.from({ length: 10 }, (_, i) => ({
    text: `${'a'.repeat(33 - String(i).length)}${i}`,
    reply: 'R3 anything',
  })),
  ...Array.from({ length: 10 }, (_, i) => ({ text: `${'a'.repeat(33)}b${i}`, reply: 'R3 anything' })),
  ...Array.from({ length: 5 }, (_, i) => ({ text: `${'a'.repeat(4_000)}${i}`, reply: 'R3 anything' })),
  { text: `${'ab1'.repeat(11)}!`, reply: 'R1 exclamation' },
  { text: `${'a'.repeat(40)}x`, reply: 'R2 ends in x' },
];

beforeAll(async () => {
  suite = await createSuite();
  tenant = await createTenant(suite);
  await suite.db.autoReplyRule.createMany({
    data: RULES.map((r) => ({ ...r, tenantId: tenant.id, matchType: 'REGEX' as const })),
  });
  worker = spawnWorker(
    suite,
    tenantEnv(tenant.id, {
      HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_INTERVAL_MS),
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

describe('hostile auto-reply patterns (real worker, simulator network)', () => {
  it('keeps heartbeating while matching messages that make backtracking engines run for minutes, and answers each correctly', async () => {
    const beats = new Set<number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const row = await suite.db.workerProcess.findUnique({
          where: { tenantId: tenant.id },
          select: { lastHeartbeatAt: true },
        });
        if (row?.lastHeartbeatAt) beats.add(row.lastHeartbeatAt.getTime());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const ids = MESSAGES.map((_, i) => `false_1666000${String(i).padStart(4, '0')}@c.us_HOSTILE${i}`);
    for (const [i, m] of MESSAGES.entries()) {
      await sendCommand(suite, tenant.id, {
        type: 'inbound',
        from: `1666000${String(i).padStart(4, '0')}`,
        text: m.text,
        id: ids[i],
      });
    }
    const replies = await waitFor(
      'every message answered',
      async () => {
        const rows = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'OUT' } });
        return rows.length === MESSAGES.length ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Two more beats after the last answer: the loop is still turning, not merely done once.
    const answeredBeats = beats.size;
    await waitFor('beats after the answers', () => beats.size >= answeredBeats + 2, { timeoutMs: 10_000 });
    sampling = false;
    await sampler;

    const inbound = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'IN' } });
    expect(inbound).toHaveLength(MESSAGES.length);
    const byId = new Map(inbound.map((m) => [m.id, m]));
    const rules = await suite.db.autoReplyRule.findMany({ where: { tenantId: tenant.id } });
    for (const reply of replies) {
      const question = byId.get(reply.replyToId!)!;
      const expected = MESSAGES.find((m) => m.text === question.body)!;
      expect(reply.body, question.body.slice(0, 40)).toBe(expected.reply);
      // The row says who sent it: this auto-reply rule.
      expect(reply.sentByKind).toBe('AUTO_REPLY');
      expect(reply.sentById).toBe(rules.find((r) => r.reply === expected.reply)!.id);
    }
    // The positive controls: the two rules that needed a specific message did answer it.
    expect(replies.filter((r) => r.body === 'R1 exclamation')).toHaveLength(1);
    expect(replies.filter((r) => r.body === 'R2 ends in x')).toHaveLength(1);

    const times = [...beats].sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThan(MAX_HEARTBEAT_GAP_MS);
    const row = await suite.db.workerProcess.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    expect(row.status).toBe('RUNNING');
  });
});
