// Webhooks end to end: real PostgreSQL (the outbox triggers), real Redis (BullMQ), real HTTP receivers on
// 127.0.0.1 (so this file allows private networks; the SSRF suite at the end does not).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { postWebhook } from '../src/services/webhooks/http-post.ts';
import { pruneWebhookEvents } from '../src/services/webhooks/retention.ts';
import {
  bearer,
  buildTestApp,
  createApiKey,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';
import { WebhookReceiver } from './webhook-receiver.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const INTEGRATIONS = path.resolve(here, '../../../docs/INTEGRATIONS.md');

const FAST = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_RETRY_BASE_MS: '40',
  WEBHOOK_RETRY_MAX_DELAY_MS: '150',
  WEBHOOK_MAX_ATTEMPTS: '10',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_SWEEP_INTERVAL_MS: '300',
  WEBHOOK_PAUSE_AFTER_DEAD_LETTERS: '3',
};

let stack: TestStack;
let app: FastifyInstance;
const receiver = new WebhookReceiver();
const tenant = { id: '', slug: 'hooks-a' };
let key = '';
let keyWithoutScope = '';
/** The row id of `key`, as the audit log names it. */
let keyRowId = '';

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  attemptLog: {
    statusCode: number | null;
    error: string | null;
    latencyMs: number;
    responseExcerpt: string | null;
  }[];
}

async function api(method: string, url: string, payload?: object, headers = bearer(key)) {
  return app.inject({ method: method as 'GET', url, headers, ...(payload ? { payload } : {}) });
}

async function createEndpoint(url: string, eventTypes = ['message.received']) {
  const res = await api('POST', '/v1/webhooks', { url, eventTypes });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ endpoint: { id: string }; secret: string }>();
}

async function deliveries(endpointId: string): Promise<Delivery[]> {
  const res = await api('GET', `/v1/webhooks/${endpointId}/deliveries?limit=200`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Delivery[] }>().items;
}

let messageNo = 0;
/** An inbound message as the worker writes it: the trigger puts the event in the outbox. */
async function inbound(body: string) {
  messageNo += 1;
  return stack.db.messageLog.create({
    data: {
      tenantId: tenant.id,
      direction: 'IN',
      fromNumber: '4915100000001',
      toNumber: '4915100000000',
      body,
      status: 'RECEIVED',
      waMessageId: `wa-in-${messageNo}-${Date.now()}`,
    },
  });
}

const eventOf = (raw: string) =>
  JSON.parse(raw) as { id: string; type: string; tenant: string; data: { body: string; messageId: string } };

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, { runWebhooks: true }, FAST);
  const row = await createTenant(stack.db, tenant.slug);
  tenant.id = row.id;
  await createUser(stack.db, 'admin@hooks-a.test', [{ tenantId: row.id, role: 'TENANT_ADMIN' }]);
  const manager = await createApiKey(app, 'admin@hooks-a.test', {
    name: 'hooks',
    scopes: ['webhooks:manage'],
  });
  key = manager.secret;
  keyRowId = manager.id;
  keyWithoutScope = (
    await createApiKey(app, 'admin@hooks-a.test', { name: 'reader', scopes: ['messages:read'] })
  ).secret;
  await receiver.up();
});

afterAll(async () => {
  await app?.close();
  await receiver.down();
  await stack?.cleanup();
});

describe('webhook delivery', () => {
  it('a receiver down, then answering 500 three times, then 200 gets each event once as its first success, same id on every attempt, attempts visible', async () => {
    const route = '/flaky';
    const served = new Map<string, number>();
    receiver.respond = (req) => {
      if (req.path !== route) return { status: 200 };
      const id = eventOf(req.raw).id;
      const n = (served.get(id) ?? 0) + 1;
      served.set(id, n);
      return n <= 3 ? { status: 500, body: `busy ${n}` } : { status: 200, body: 'thanks' };
    };
    const { endpoint } = await createEndpoint(receiver.url(route));
    await receiver.down();
    const messages = [await inbound('first'), await inbound('second')];
    // Down: connection refused, retried (two failed attempts each before it comes back).
    await waitFor('refused attempts', async () => {
      const list = await deliveries(endpoint.id);
      return list.length === 2 && list.every((d) => d.attemptLog.length >= 2) ? list : undefined;
    });
    expect(receiver.on(route)).toHaveLength(0);
    await receiver.up();
    const done = await waitFor(
      'both delivered',
      async () => {
        const list = await deliveries(endpoint.id);
        return list.length === 2 && list.every((d) => d.status === 'SUCCEEDED') ? list : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const got = receiver.on(route);
    for (const message of messages) {
      const forMessage = got.filter((r) => eventOf(r.raw).data.messageId === message.id);
      expect(forMessage.map((r) => r.status)).toEqual([500, 500, 500, 200]);
      const ids = new Set(forMessage.map((r) => eventOf(r.raw).id));
      expect(ids.size).toBe(1);
      expect(new Set(forMessage.map((r) => r.headers['wa-fleet-event-id']))).toEqual(ids);
      const delivery = done.find((d) => d.eventId === [...ids][0])!;
      const codes = delivery.attemptLog.map((a) => a.statusCode);
      // The refused attempts (no status), then the three 500s, then the 200, as the API shows them.
      expect(codes.slice(-4)).toEqual([500, 500, 500, 200]);
      expect(codes.slice(0, -4).length).toBeGreaterThanOrEqual(2);
      expect(codes.slice(0, -4).every((c) => c === null)).toBe(true);
      expect(delivery.attemptLog[0]!.error).toMatch(/ECONNREFUSED/);
      expect(delivery.attemptLog.at(-2)!.responseExcerpt).toBe('busy 3');
      expect(delivery.attemptLog.at(-1)!.responseExcerpt).toBe('thanks');
      const body = eventOf(forMessage[0]!.raw);
      expect(body).toMatchObject({
        type: 'message.received',
        tenant: tenant.slug,
        data: { body: message.body },
      });
    }
    // The portal route shows the same attempts to the tenant admin.
    const portal = await app.inject({
      method: 'GET',
      url: `/portal/tenant/current/webhooks/${endpoint.id}/deliveries`,
      headers: portalHeaders('admin@hooks-a.test'),
    });
    expect(portal.statusCode).toBe(200);
    expect(
      portal
        .json<{ items: Delivery[] }>()
        .items.map((d) => d.attemptLog.length)
        .sort(),
    ).toEqual(done.map((d) => d.attemptLog.length).sort());
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });

  it('the documented Node and Python recipes verify the signature; one altered byte, another secret or an old timestamp fail', async () => {
    const route = '/signed';
    receiver.respond = () => ({ status: 200 });
    const { endpoint, secret } = await createEndpoint(receiver.url(route), [
      'message.received',
      'message.status',
    ]);
    await inbound('sign me');
    const [req] = await waitFor('signed request', () =>
      receiver.on(route).length > 0 ? receiver.on(route) : undefined,
    );
    const header = String(req!.headers['wa-fleet-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const doc = readFileSync(INTEGRATIONS, 'utf8');
    const nodeRecipe = /```js\n([\s\S]*?function verifyWaFleetSignature[\s\S]*?)```/.exec(doc)?.[1];
    const pyRecipe = /```python\n([\s\S]*?def verify_wa_fleet_signature[\s\S]*?)```/.exec(doc)?.[1];
    expect(nodeRecipe, 'Node recipe in docs/INTEGRATIONS.md').toBeTruthy();
    expect(pyRecipe, 'Python recipe in docs/INTEGRATIONS.md').toBeTruthy();
    const dir = mkdtempSync(path.join(tmpdir(), 'whsig-'));
    try {
      writeFileSync(
        path.join(dir, 'verify.mjs'),
        `${nodeRecipe}\nconst c = JSON.parse(process.argv[2]);\n` +
          `console.log(String(verifyWaFleetSignature(Buffer.from(c.raw, 'utf8'), c.header, c.secret)));\n`,
      );
      writeFileSync(
        path.join(dir, 'verify.py'),
        `${pyRecipe}\nimport json, sys\nc = json.loads(sys.argv[1])\n` +
          `print(str(verify_wa_fleet_signature(c["raw"].encode(), c["header"], c["secret"])).lower())\n`,
      );
      const run = (raw: string, h: string, s: string) => {
        const arg = JSON.stringify({ raw, header: h, secret: s });
        return [
          execFileSync('node', [path.join(dir, 'verify.mjs'), arg], { encoding: 'utf8' }).trim(),
          execFileSync('python3', [path.join(dir, 'verify.py'), arg], { encoding: 'utf8' }).trim(),
        ];
      };
      expect(run(req!.raw, header, secret)).toEqual(['true', 'true']);
      const i = req!.raw.indexOf('sign me');
      const altered = `${req!.raw.slice(0, i)}Sign me${req!.raw.slice(i + 7)}`;
      expect(run(altered, header, secret)).toEqual(['false', 'false']);
      expect(run(req!.raw, header, `${secret}x`)).toEqual(['false', 'false']);
      const t = Number(/t=(\d+)/.exec(header)![1]);
      const { createHmac } = await import('node:crypto');
      const old = t - 3600;
      const oldHeader = `t=${old},v1=${createHmac('sha256', secret).update(`${old}.${req!.raw}`).digest('hex')}`;
      expect(run(req!.raw, oldHeader, secret)).toEqual(['false', 'false']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The secret is in the create answer only: never in a list, a read, the audit log.
    const reads = [await api('GET', '/v1/webhooks'), await api('GET', `/v1/webhooks/${endpoint.id}`)];
    for (const res of reads) expect(res.body).not.toContain(secret);
    const audit = await stack.db.auditLog.findMany({ where: { tenantId: tenant.id } });
    expect(JSON.stringify(audit)).not.toContain(secret);
    // Rotation: a new secret signs from now on; the old one no longer verifies.
    const rotated = await api('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ secret: string }>().secret;
    expect(newSecret).not.toBe(secret);
    const test = await api('POST', `/v1/webhooks/${endpoint.id}/test`);
    expect(test.statusCode).toBe(202);
    const testReq = await waitFor('test event', () =>
      receiver.on(route).find((r) => eventOf(r.raw).id === test.json<{ eventId: string }>().eventId),
    );
    expect(eventOf(testReq.raw).type).toBe('webhook.test');
    const { createHmac } = await import('node:crypto');
    const [tPart, v1Part] = String(testReq.headers['wa-fleet-signature']).split(',');
    const tt = tPart!.slice(2);
    expect(v1Part!.slice(3)).toBe(
      createHmac('sha256', newSecret).update(`${tt}.${testReq.raw}`).digest('hex'),
    );
    expect(v1Part!.slice(3)).not.toBe(
      createHmac('sha256', secret).update(`${tt}.${testReq.raw}`).digest('hex'),
    );
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
    // Each change left one audit row naming the key that made it.
    const trail = await stack.db.auditLog.findMany({
      where: { tenantId: tenant.id, details: { path: ['webhookId'], equals: endpoint.id } },
      orderBy: { createdAt: 'asc' },
    });
    expect(trail.map((row) => row.action)).toEqual([
      'webhook.create',
      'webhook.rotate-secret',
      'webhook.delete',
    ]);
    for (const row of trail) {
      expect(row.tenantSlug).toBe(tenant.slug);
      expect(row.actor).toMatch(/^tenant-key:/);
      expect(row.details).toMatchObject({ apiKeyId: keyRowId, webhookId: endpoint.id });
    }
    expect(trail[0]!.details).toMatchObject({
      url: receiver.url(route),
      eventTypes: ['message.received', 'message.status'],
    });
  });

  it("dead letters: replay-all-failed replays only that endpoint's, a single replay reaches the receiver", async () => {
    const healthy = new Set<string>();
    receiver.respond = (req) => (healthy.has(req.path) ? { status: 200 } : { status: 503, body: 'down' });
    const a = await createEndpoint(receiver.url('/dead-a'));
    const b = await createEndpoint(receiver.url('/dead-b'));
    const since = new Date().toISOString();
    await inbound('will die');
    const dead = async (id: string) =>
      waitFor(
        `dead letter of ${id}`,
        async () => {
          const list = await deliveries(id);
          return list.length === 1 && list[0]!.status === 'DEAD' ? list[0] : undefined;
        },
        { timeoutMs: 15_000 },
      );
    const [deadA, deadB] = [await dead(a.endpoint.id), await dead(b.endpoint.id)];
    expect(deadA.attemptLog).toHaveLength(10);
    expect(deadA.attemptLog.every((x) => x.statusCode === 503)).toBe(true);
    healthy.add('/dead-a');
    healthy.add('/dead-b');
    const replayed = await api('POST', `/v1/webhooks/${a.endpoint.id}/replay-failed`, { since });
    expect(replayed.statusCode, replayed.body).toBe(202);
    expect(replayed.json()).toEqual({ replayed: 1 });
    await waitFor('A replayed', () => receiver.on('/dead-a').find((r) => r.status === 200));
    // B was not touched: still dead, never answered 200.
    const bAfter = await deliveries(b.endpoint.id);
    expect(bAfter[0]!.status).toBe('DEAD');
    expect(receiver.on('/dead-b').some((r) => r.status === 200)).toBe(false);
    // A replay of B's one delivery reaches the receiver, with the same event id.
    const one = await api('POST', `/v1/webhooks/${b.endpoint.id}/deliveries/${deadB.id}/replay`);
    expect(one.statusCode, one.body).toBe(202);
    const okB = await waitFor('B replayed', () => receiver.on('/dead-b').find((r) => r.status === 200));
    expect(eventOf(okB.raw).id).toBe(deadB.eventId);
    expect(eventOf(receiver.on('/dead-a').find((r) => r.status === 200)!.raw).id).toBe(deadA.eventId);
    // Replaying a delivery of another endpoint through this one: not found.
    const cross = await api('POST', `/v1/webhooks/${a.endpoint.id}/deliveries/${deadB.id}/replay`);
    expect(cross.statusCode).toBe(404);
    for (const e of [a, b]) await api('DELETE', `/v1/webhooks/${e.endpoint.id}`);
  });

  it('an endpoint failing again and again is paused with a reason; resuming sends what waited, in order', async () => {
    let healthy = false;
    receiver.respond = (req) => (req.path === '/pause' && healthy ? { status: 200 } : { status: 502 });
    const { endpoint } = await createEndpoint(receiver.url('/pause'));
    for (const n of [1, 2, 3]) await inbound(`doomed ${n}`);
    const paused = await waitFor(
      'paused',
      async () => {
        const res = await api('GET', `/v1/webhooks/${endpoint.id}`);
        return res.json<{ status: string }>().status === 'paused'
          ? res.json<{ pausedReason: string }>()
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(paused.pausedReason).toMatch(/3 failed deliveries in a row/);
    const before = receiver.on('/pause').length;
    for (const n of [4, 5, 6]) await inbound(`waiting ${n}`);
    await waitFor('waiting deliveries', async () =>
      (await deliveries(endpoint.id)).filter((d) => d.status === 'PENDING').length === 3 ? true : undefined,
    );
    // Paused: a sweep runs (its interval is 300 ms) and nothing goes out.
    const sweeps = app.webhooks;
    await sweeps.sweep();
    expect(receiver.on('/pause').length).toBe(before);
    healthy = true;
    const resumed = await api('POST', `/v1/webhooks/${endpoint.id}/resume`);
    expect(resumed.json()).toMatchObject({ status: 'active', pausedReason: null });
    const got = await waitFor('resumed deliveries', () => {
      const ok = receiver.on('/pause').filter((r) => r.status === 200);
      return ok.length === 3 ? ok : undefined;
    });
    expect(got.map((r) => eventOf(r.raw).data.body)).toEqual(['waiting 4', 'waiting 5', 'waiting 6']);
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });

  it('events written while the dispatcher is stopped are delivered once a control plane runs it again', async () => {
    receiver.respond = () => ({ status: 200 });
    const { endpoint } = await createEndpoint(receiver.url('/restart'), ['message.status', 'session.state']);
    await app.close();
    // Nothing dispatches now: a status change and a session change land in the outbox only.
    const out = await stack.db.messageLog.create({
      data: {
        tenantId: tenant.id,
        direction: 'OUT',
        fromNumber: '4915100000000',
        toNumber: '4915100000009',
        body: 'order shipped',
        status: 'QUEUED',
        idempotencyKey: 'restart-1',
      },
    });
    await stack.db.messageLog.update({
      where: { id: out.id },
      data: { status: 'SENT', waMessageId: 'wa-out-1' },
    });
    await stack.db.messageLog.update({ where: { id: out.id }, data: { status: 'DELIVERED' } });
    await stack.db.whatsAppSession.update({ where: { tenantId: tenant.id }, data: { state: 'CONNECTED' } });
    const waiting = await stack.db.webhookEvent.findMany({
      where: { tenantId: tenant.id, dispatchedAt: null },
    });
    expect(waiting.map((e) => e.type)).toEqual(['message.status', 'message.status', 'session.state']);
    expect(receiver.on('/restart')).toHaveLength(0);

    app = await buildTestApp(stack, { runWebhooks: true }, FAST);
    const got = await waitFor('delivered after restart', () =>
      receiver.on('/restart').length >= 3 ? receiver.on('/restart') : undefined,
    );
    const events = got.map((r) => JSON.parse(r.raw) as { type: string; data: Record<string, unknown> });
    expect(events.map((e) => [e.type, e.data.status ?? e.data.state])).toEqual([
      ['message.status', 'sent'],
      ['message.status', 'delivered'],
      ['session.state', 'CONNECTED'],
    ]);
    expect(events[0]!.data).toMatchObject({
      messageId: out.id,
      idempotencyKey: 'restart-1',
      to: '4915100000009',
    });
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });

  it('routes: 403 without webhooks:manage, 400 naming bad fields, 404 for unknown ids', async () => {
    const url = receiver.url('/x');
    const denied = await api(
      'POST',
      '/v1/webhooks',
      { url, eventTypes: ['message.received'] },
      bearer(keyWithoutScope),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toContain('webhooks:manage');
    expect((await api('GET', '/v1/webhooks', undefined, bearer(keyWithoutScope))).statusCode).toBe(403);
    const before = await stack.db.webhookEndpoint.count();
    for (const [payload, field] of [
      [{ url: 'ftp://example.com/x', eventTypes: ['message.received'] }, 'url'],
      [{ url, eventTypes: ['message.exploded'] }, 'eventTypes'],
      [{ url, eventTypes: [] }, 'eventTypes'],
      [{ url: 'http://user:pw@example.com/', eventTypes: ['message.received'] }, 'user name'],
      [{ url, eventTypes: ['message.received'], secret: 'mine' }, 'secret'],
    ] as const) {
      const res = await api('POST', '/v1/webhooks', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect(await stack.db.webhookEndpoint.count()).toBe(before);
    // Positive control: the same key creates with a valid body.
    const ok = await api('POST', '/v1/webhooks', { url, eventTypes: ['worker.status'] });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().secret).toMatch(/^whsec_/);
    const id = ok.json().endpoint.id;
    const disabled = await api('PATCH', `/v1/webhooks/${id}`, { enabled: false });
    expect(disabled.json()).toMatchObject({ enabled: false, status: 'disabled' });
    expect((await api('GET', '/v1/webhooks/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await api('DELETE', `/v1/webhooks/${id}`)).statusCode).toBe(204);
    expect((await api('GET', `/v1/webhooks/${id}`)).statusCode).toBe(404);
  });
});

describe('delivery limits (real receivers)', () => {
  // A short time-out, a small excerpt and room for long Retry-After delays; the retry base stays 40 ms,
  // so any delay of seconds below comes from the receiver's Retry-After, not from the schedule.
  const LIMITS = {
    ...FAST,
    WEBHOOK_TIMEOUT_MS: '500',
    WEBHOOK_RESPONSE_EXCERPT_BYTES: '100',
    WEBHOOK_RETRY_MAX_DELAY_MS: '20000',
  };
  const target = new WebhookReceiver();

  beforeAll(async () => {
    await app.close();
    app = await buildTestApp(stack, { runWebhooks: true }, LIMITS);
    await target.up();
  });

  afterAll(async () => {
    await target.down();
  });

  // Polled in the database (the API key's rate limit is shared by the whole file); read once through
  // the API when there, as an integration sees it.
  const finished = async (id: string, status: string) => {
    await waitFor(
      `a ${status} delivery of ${id}`,
      async () => {
        const rows = await stack.db.webhookDelivery.findMany({ where: { endpointId: id } });
        return rows.length === 1 && rows[0]!.status === status ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const [delivery] = await deliveries(id);
    return delivery!;
  };

  it('a receiver that never answers within the time-out is a failed attempt with its error, and is retried', async () => {
    const route = '/hang';
    receiver.respond = (req) =>
      req.path === route && receiver.on(route).length === 0
        ? { hang: true }
        : { status: 200, body: 'late ok' };
    const { endpoint } = await createEndpoint(receiver.url(route));
    await inbound('slow receiver');
    const done = await finished(endpoint.id, 'SUCCEEDED');
    expect(done.attemptLog).toHaveLength(2);
    expect(done.attemptLog[0]).toMatchObject({
      statusCode: null,
      error: 'timed out after 500 ms',
      responseExcerpt: null,
    });
    expect(done.attemptLog[1]).toMatchObject({ statusCode: 200, error: null, responseExcerpt: 'late ok' });
    // The receiver saw both: the held request (cut by the sender) and the retry, under one event id.
    const got = receiver.on(route);
    expect(got.map((r) => r.status)).toEqual([0, 200]);
    expect(got[0]!.cutBySender).toBe(true);
    expect(new Set(got.map((r) => eventOf(r.raw).id))).toEqual(new Set([done.eventId]));
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });

  it('an endless answer is cut: the attempt keeps the first WEBHOOK_RESPONSE_EXCERPT_BYTES, ends well inside the time-out', async () => {
    const route = '/huge';
    const pattern = '0123456789abcdefghijklmnopqrstuvwxyz'.repeat(1820); // about 64 KiB per write
    receiver.respond = (req) => (req.path === route ? { status: 200, endless: pattern } : { status: 200 });
    const { endpoint } = await createEndpoint(receiver.url(route));
    await inbound('flood me');
    const done = await finished(endpoint.id, 'SUCCEEDED');
    // One attempt, not a time-out: the sender stopped reading at its cap and took the 200.
    expect(done.attemptLog).toHaveLength(1);
    expect(done.attemptLog[0]).toMatchObject({ statusCode: 200, error: null });
    expect(done.attemptLog[0]!.responseExcerpt).toBe(pattern.slice(0, 100));
    const [got] = receiver.on(route);
    await waitFor('connection cut by the sender', () => got!.cutBySender || undefined);
    // The receiver could have sent 256 MiB; the sender hung up after its 64 KiB read cap (what else
    // went out sat in socket buffers).
    expect(got!.sent).toBeLessThan(32 * 1024 * 1024);
    expect(got!.sent).toBeGreaterThanOrEqual(64 * 1024);
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });

  it('a 3xx redirect is not followed: the attempt records it as a failure, the redirect target gets nothing', async () => {
    receiver.respond = (req) =>
      req.path === '/moved'
        ? { status: 302, headers: { location: target.url('/new-home') }, body: 'moved' }
        : { status: 200 };
    target.respond = () => ({ status: 200, body: 'target' });
    const moved = await createEndpoint(receiver.url('/moved'));
    // Positive control: an endpoint at the redirect target itself is reached with the same event.
    const direct = await createEndpoint(target.url('/new-home'));
    await inbound('where are you');
    const failed = await finished(moved.endpoint.id, 'FAILED');
    const ok = await finished(direct.endpoint.id, 'SUCCEEDED');
    expect(failed.eventId).toBe(ok.eventId);
    expect(failed.attemptLog).toHaveLength(1);
    expect(failed.attemptLog[0]).toMatchObject({
      statusCode: 302,
      error: 'HTTP 302',
      responseExcerpt: 'moved',
    });
    expect(receiver.on('/moved')).toHaveLength(1);
    const atTarget = target.on('/new-home');
    expect(atTarget).toHaveLength(1);
    const [t, v1] = String(atTarget[0]!.headers['wa-fleet-signature'])
      .split(',')
      .map((p) => p.slice(p.indexOf('=') + 1));
    const { createHmac } = await import('node:crypto');
    expect(v1).toBe(createHmac('sha256', direct.secret).update(`${t}.${atTarget[0]!.raw}`).digest('hex'));
    for (const e of [moved, direct]) await api('DELETE', `/v1/webhooks/${e.endpoint.id}`);
  });

  it('a 429 and a 503 with Retry-After push the next attempt back by at least that (recorded next-attempt time)', async () => {
    const route = '/retry-after';
    receiver.respond = (req) => {
      if (req.path !== route) return { status: 200 };
      const n = receiver.on(route).length;
      if (n === 0) return { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' };
      if (n === 1) return { status: 503, headers: { 'retry-after': '3' }, body: 'maintenance' };
      return { status: 200 };
    };
    const { endpoint } = await createEndpoint(receiver.url(route));
    await inbound('be patient');
    const row = async () =>
      stack.db.webhookDelivery.findFirst({
        where: { endpointId: endpoint.id },
        include: { attemptRows: { orderBy: { id: 'asc' } } },
      });
    // After each failed attempt the delivery waits with its next-attempt time in the database.
    const scheduled: { attemptStarted: Date; nextAttemptAt: Date }[] = [];
    for (const attempts of [1, 2]) {
      const waiting = await waitFor(`delivery waiting after attempt ${attempts}`, async () => {
        const r = await row();
        return r?.status === 'PENDING' && r.attempts === attempts && r.attemptRows.length === attempts
          ? r
          : undefined;
      });
      scheduled.push({
        attemptStarted: waiting.attemptRows.at(-1)!.startedAt,
        nextAttemptAt: waiting.nextAttemptAt,
      });
    }
    const delays = scheduled.map((s) => s.nextAttemptAt.getTime() - s.attemptStarted.getTime());
    expect(delays[0]).toBeGreaterThanOrEqual(2_000);
    expect(delays[1]).toBeGreaterThanOrEqual(3_000);
    const done = await finished(endpoint.id, 'SUCCEEDED');
    expect(done.attemptLog.map((a) => a.statusCode)).toEqual([429, 503, 200]);
    // And the dispatcher kept to it: each retry started no earlier than the time it was scheduled for.
    const attempts = (await row())!.attemptRows;
    expect(attempts[1]!.startedAt.getTime()).toBeGreaterThanOrEqual(scheduled[0]!.nextAttemptAt.getTime());
    expect(attempts[2]!.startedAt.getTime()).toBeGreaterThanOrEqual(scheduled[1]!.nextAttemptAt.getTime());
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });
});

describe('pause after failing too long (real receiver)', () => {
  // Only the time rule can pause here: the dead-letter count is out of reach and no delivery runs out
  // of attempts, so a failing delivery keeps being retried (every 40 ms to 1 s) until the 2 s are up.
  const PAUSING = {
    ...FAST,
    WEBHOOK_PAUSE_AFTER_FAILING_MS: '2000',
    WEBHOOK_PAUSE_AFTER_DEAD_LETTERS: '1000',
    WEBHOOK_MAX_ATTEMPTS: '1000',
    WEBHOOK_RETRY_MAX_DELAY_MS: '1000',
  };

  beforeAll(async () => {
    await app.close();
    app = await buildTestApp(stack, { runWebhooks: true }, PAUSING);
  });

  it('an endpoint failing without a success for WEBHOOK_PAUSE_AFTER_FAILING_MS is paused with its reason and gets nothing more; one that recovers in time is not; resuming delivers what waited', async () => {
    let healthy = false;
    receiver.respond = (req) => {
      if (req.path === '/failing-long') return healthy ? { status: 200 } : { status: 500, body: 'broken' };
      // The control: one 503 asking for a second's patience, then well.
      if (req.path === '/recovers')
        return receiver.on('/recovers').length === 0
          ? { status: 503, headers: { 'retry-after': '1' } }
          : { status: 200 };
      return { status: 200 };
    };
    const failing = await createEndpoint(receiver.url('/failing-long'));
    const recovers = await createEndpoint(receiver.url('/recovers'));
    await inbound('first of the outage');
    // Polled in the database (the API key's rate limit is shared by the whole file).
    const endpointRow = (id: string) => stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    const attemptsOf = (id: string) =>
      stack.db.webhookAttempt.findMany({
        where: { delivery: { endpointId: id } },
        orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      });

    // The control endpoint is failing for a moment (failingSince set), then its retry succeeds and
    // clears it.
    const failingOnce = await waitFor('control endpoint failing', async () => {
      const row = await endpointRow(recovers.endpoint.id);
      return row.failingSince ?? undefined;
    });
    await waitFor('control delivered', async () => {
      const rows = await stack.db.webhookDelivery.findMany({ where: { endpointId: recovers.endpoint.id } });
      return rows.length === 1 && rows[0]!.status === 'SUCCEEDED' ? true : undefined;
    });
    const controlAttempts = await attemptsOf(recovers.endpoint.id);
    expect(controlAttempts.map((a) => a.statusCode)).toEqual([503, 200]);
    expect(failingOnce.toISOString()).toBe(controlAttempts[0]!.startedAt.toISOString());
    expect(await endpointRow(recovers.endpoint.id)).toMatchObject({
      failingSince: null,
      pausedAt: null,
      consecutiveDead: 0,
    });

    const paused = await waitFor(
      'paused for failing too long',
      async () => {
        const row = await endpointRow(failing.endpoint.id);
        return row.pausedAt ? row : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const tried = await attemptsOf(failing.endpoint.id);
    const firstFailure = tried[0]!.startedAt;
    expect(tried.length).toBeGreaterThan(1);
    expect(tried.every((a) => a.statusCode === 500)).toBe(true);
    // Paused by the time rule, counted from the first failure, not by dead letters: there are none.
    expect(paused.failingSince!.toISOString()).toBe(firstFailure.toISOString());
    expect(paused.consecutiveDead).toBe(0);
    expect(paused.pausedReason).toBe(
      `paused: failing without a success since ${firstFailure.toISOString()} (last: HTTP 500)`,
    );
    expect(paused.pausedAt!.getTime() - firstFailure.getTime()).toBeGreaterThanOrEqual(2_000);
    // The attempt before the last one was still inside the window, so it was retried, not paused.
    expect(tried.at(-2)!.startedAt.getTime() - firstFailure.getTime()).toBeLessThan(2_000);

    // The tenant sees it through the API.
    const shown = await api('GET', `/v1/webhooks/${failing.endpoint.id}`);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toMatchObject({
      status: 'paused',
      pausedAt: paused.pausedAt!.toISOString(),
      pausedReason: paused.pausedReason,
    });
    // The control endpoint, past the same window, is still active.
    const control = await api('GET', `/v1/webhooks/${recovers.endpoint.id}`);
    expect(control.json()).toMatchObject({ status: 'active', pausedReason: null });

    // A new event queues up behind the paused endpoint; the waiting delivery had a retry scheduled.
    await inbound('second of the outage');
    const waiting = await waitFor('two deliveries waiting', async () => {
      const rows = await stack.db.webhookDelivery.findMany({
        where: { endpointId: failing.endpoint.id, status: 'PENDING' },
      });
      return rows.length === 2 ? rows : undefined;
    });
    const dueBy = Math.max(...waiting.map((d) => d.nextAttemptAt.getTime()));
    // Past every recorded next-attempt time and a sweep interval (300 ms) beyond it, by the database's
    // clock; then one more sweep and drain are run here: nothing goes out.
    await waitFor(
      'next attempt times passed',
      async () => {
        const [row] = await stack.db.$queryRaw<{ now: Date }[]>`SELECT now() AS now`;
        return row!.now.getTime() > dueBy + 300 ? true : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    await app.webhooks.sweep();
    await app.webhooks.drain(failing.endpoint.id);
    expect(await attemptsOf(failing.endpoint.id)).toHaveLength(tried.length);
    expect(receiver.on('/failing-long')).toHaveLength(tried.length);

    healthy = true;
    const resumed = await api('POST', `/v1/webhooks/${failing.endpoint.id}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'active', pausedReason: null });
    const got = await waitFor('waiting deliveries sent after resume', () => {
      const ok = receiver.on('/failing-long').filter((r) => r.status === 200);
      return ok.length === 2 ? ok : undefined;
    });
    expect(got.map((r) => eventOf(r.raw).data.body)).toEqual(['first of the outage', 'second of the outage']);
    expect(await endpointRow(failing.endpoint.id)).toMatchObject({ failingSince: null, pausedAt: null });
    for (const e of [failing, recovers]) await api('DELETE', `/v1/webhooks/${e.endpoint.id}`);
  });
});

describe('webhook retention', () => {
  it('deletes events older than the setting with their deliveries and attempts; keeps pending and recent ones', async () => {
    // Disabled, so the running dispatcher leaves the pending delivery alone.
    const { endpoint } = await createEndpoint(receiver.url('/retention'));
    await api('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false });
    const old = new Date(Date.now() - 40 * 24 * 3_600_000);
    const make = async (createdAt: Date, status: 'SUCCEEDED' | 'PENDING' | 'DEAD') => {
      const event = await stack.db.webhookEvent.create({
        data: { tenantId: tenant.id, type: 'message.received', data: {}, createdAt, dispatchedAt: createdAt },
      });
      const delivery = await stack.db.webhookDelivery.create({
        data: { tenantId: tenant.id, endpointId: endpoint.id, eventId: event.id, status, createdAt },
      });
      await stack.db.webhookAttempt.create({
        data: { deliveryId: delivery.id, startedAt: createdAt, statusCode: 200, latencyMs: 3 },
      });
      return event.id;
    };
    const gone = [await make(old, 'SUCCEEDED'), await make(old, 'DEAD')];
    const kept = [await make(old, 'PENDING'), await make(new Date(), 'SUCCEEDED')];
    expect(await pruneWebhookEvents(stack.db, 30)).toBe(2);
    const left = await stack.db.webhookEvent.findMany({ where: { id: { in: [...gone, ...kept] } } });
    expect(left.map((e) => e.id).sort()).toEqual([...kept].sort());
    expect(await stack.db.webhookDelivery.count({ where: { eventId: { in: gone } } })).toBe(0);
    expect(await stack.db.webhookAttempt.count({ where: { delivery: { endpointId: endpoint.id } } })).toBe(2);
    // 0 keeps everything.
    expect(await pruneWebhookEvents(stack.db, 0)).toBe(0);
    await api('DELETE', `/v1/webhooks/${endpoint.id}`);
  });
});

describe('SSRF guard (private networks not allowed)', () => {
  it('refuses loopback, private and link-local targets, also behind a host name, at every delivery; the same receiver allowed is reached', async () => {
    receiver.respond = () => ({ status: 200 });
    const before = receiver.requests.length;
    const opts = { timeoutMs: 2_000, excerptBytes: 64, headers: {} };
    for (const url of [
      receiver.url('/ssrf'),
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      `http://localhost:${receiver.port}/ssrf`,
      `http://[::1]:${receiver.port}/ssrf`,
      `http://[::ffff:127.0.0.1]:${receiver.port}/ssrf`,
    ]) {
      const res = await postWebhook(url, '{}', { ...opts, allowPrivate: false });
      expect(res, url).toMatchObject({ blocked: true, statusCode: null });
      expect(res.error, url).toMatch(/not a public address/);
    }
    expect(receiver.requests.length).toBe(before);
    // Positive control: the operator setting lets the very same URLs through.
    for (const url of [receiver.url('/ssrf'), `http://localhost:${receiver.port}/ssrf`]) {
      const res = await postWebhook(url, '{}', { ...opts, allowPrivate: true });
      expect(res, url).toMatchObject({ blocked: false, statusCode: 200 });
    }
    expect(receiver.requests.length).toBe(before + 2);

    // Through a control plane without the setting: an IP literal is refused when created; a host name
    // resolving to loopback is accepted but every delivery is refused (FAILED) and nothing arrives.
    // The allowing control plane of this file stops first, so only the guarded one delivers.
    await app.close();
    const guarded = await buildTestApp(
      stack,
      { runWebhooks: true },
      { ...FAST, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' },
    );
    app = guarded;
    {
      const post = (url: string) =>
        guarded.inject({
          method: 'POST',
          url: '/v1/webhooks',
          headers: bearer(key),
          payload: { url, eventTypes: ['message.received'] },
        });
      for (const url of ['http://127.0.0.1:9/x', 'http://10.0.0.1/x', 'http://169.254.169.254/x']) {
        const res = await post(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.message).toContain('not a public address');
      }
      const named = await post(`http://localhost:${receiver.port}/ssrf-named`);
      expect(named.statusCode).toBe(201);
      await inbound('to localhost');
      const id = named.json().endpoint.id;
      const res = await waitFor('refused delivery', async () => {
        const r = await guarded.inject({
          method: 'GET',
          url: `/v1/webhooks/${id}/deliveries`,
          headers: bearer(key),
        });
        const item = r.json<{ items: Delivery[] }>().items[0];
        return item?.status === 'FAILED' ? item : undefined;
      });
      expect(res.attemptLog[0]!.error).toMatch(
        /localhost \(127\.0\.0\.1\) is not a public address|localhost \(::1\) is not a public address/,
      );
      expect(receiver.on('/ssrf-named')).toHaveLength(0);
      await guarded.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: bearer(key) });
    }
  });
});
