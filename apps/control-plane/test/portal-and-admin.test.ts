import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { waitFor } from '@wa-fleet/devstack';
import { rulesChangedChannel, sendQueueName, simulatorChannel } from '@wa-fleet/shared';
import { SimulatorNetwork } from '@wa-fleet/simulator';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  PASSWORD,
  portalHeaders,
  PORTAL_KEY,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let subscriber: Redis;
const published: { channel: string; message: string }[] = [];
let shopId: string;

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, { LOGIN_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_WINDOW_MS: '60000' });
  shopId = (await createTenant(stack.db, 'shop')).id;
  await createTenant(stack.db, 'wwebjs-shop', 'wwebjs');
  await createUser(stack.db, 'owner@shop.test', [{ tenantId: shopId, role: 'TENANT_ADMIN' }]);
  await createUser(stack.db, 'root@platform.test', [{ tenantId: null, role: 'SUPER_ADMIN' }]);
  subscriber = new Redis(stack.redisUrl);
  subscriber.on('message', (channel: string, message: string) => published.push({ channel, message }));
  await subscriber.subscribe(
    rulesChangedChannel(stack.redisPrefix),
    simulatorChannel(stack.redisPrefix, shopId),
  );
});

afterAll(async () => {
  subscriber?.disconnect();
  await app?.close();
  await stack?.cleanup();
});

const owner = () => portalHeaders('owner@shop.test');

describe('sign-in', () => {
  it('returns the user and memberships, never the hash', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/portal/auth/login',
      headers: { 'x-portal-key': PORTAL_KEY },
      payload: { email: 'Owner@Shop.test', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      user: { email: 'owner@shop.test' },
      memberships: [{ tenantSlug: 'shop', role: 'TENANT_ADMIN' }],
    });
    expect(res.body).not.toContain('argon2');
  });

  it('401 on a wrong password or unknown user, then 429 with Retry-After once the address is limited', async () => {
    const attempt = (email: string, password: string) =>
      app.inject({
        method: 'POST',
        url: '/portal/auth/login',
        headers: { 'x-portal-key': PORTAL_KEY, 'x-client-address': '198.51.100.7' },
        payload: { email, password },
      });
    const codes: number[] = [];
    codes.push((await attempt('nobody@shop.test', PASSWORD)).statusCode);
    for (let i = 0; i < 3; i++) codes.push((await attempt('root@platform.test', 'wrong')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const limited = await attempt('root@platform.test', PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('outbound messages', () => {
  it('stores QUEUED, enqueues one job per message, and a repeated idempotency key returns the same row', async () => {
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/portal/tenant/current/messages',
        headers: owner(),
        payload: { to: '+4915112345678', text: 'hello', idempotencyKey: 'order-42' },
      });
    const first = await send();
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: 'QUEUED', isDuplicate: false });
    const second = await send();
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ id: first.json().id, isDuplicate: true });
    expect(await stack.db.messageLog.count({ where: { tenantId: shopId, idempotencyKey: 'order-42' } })).toBe(
      1,
    );
    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id: first.json().id } });
    expect(row).toMatchObject({
      direction: 'OUT',
      status: 'QUEUED',
      toNumber: '4915112345678',
      body: 'hello',
    });

    const queue = new Queue(sendQueueName(shopId), {
      connection: { url: stack.redisUrl },
      prefix: stack.redisPrefix,
    });
    try {
      const job = await queue.getJob(first.json().id);
      expect(job?.data).toEqual({ messageId: first.json().id });
      expect(await queue.count()).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('pages logs newest first with a keyset cursor and filters', async () => {
    for (let i = 0; i < 5; i++) {
      await stack.db.messageLog.create({
        data: {
          tenantId: shopId,
          direction: 'IN',
          fromNumber: '4911',
          toNumber: '4922',
          body: `inbound ${i}`,
          status: 'RECEIVED',
          waMessageId: `in-${i}`,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
        },
      });
    }
    const page1 = (
      await app.inject({
        method: 'GET',
        url: '/portal/tenant/current/logs?limit=2&direction=IN',
        headers: owner(),
      })
    ).json();
    expect(page1.items.map((m: { body: string }) => m.body)).toEqual(['inbound 4', 'inbound 3']);
    const page2 = (
      await app.inject({
        method: 'GET',
        url: `/portal/tenant/current/logs?limit=2&direction=IN&cursor=${page1.nextCursor}`,
        headers: owner(),
      })
    ).json();
    expect(page2.items.map((m: { body: string }) => m.body)).toEqual(['inbound 2', 'inbound 1']);
    const search = (
      await app.inject({ method: 'GET', url: '/portal/tenant/current/logs?q=INBOUND%203', headers: owner() })
    ).json();
    expect(search.items.map((m: { body: string }) => m.body)).toEqual(['inbound 3']);
  });
});

describe('auto-replies', () => {
  it('CRUD announces each change on the rules channel', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/auto-replies',
      headers: owner(),
      payload: { name: 'hours', matchType: 'CONTAINS', pattern: 'open', reply: '9-17' },
    });
    expect(created.statusCode).toBe(201);
    await waitFor('rules-changed published', () =>
      published.some((p) => p.channel === rulesChangedChannel(stack.redisPrefix) && p.message === shopId),
    );
    const id = created.json().id;
    const patched = await app.inject({
      method: 'PATCH',
      url: `/portal/tenant/current/auto-replies/${id}`,
      headers: owner(),
      payload: { reply: '8-18' },
    });
    expect(patched.json().reply).toBe('8-18');
    expect(
      (
        await app.inject({
          method: 'DELETE',
          url: `/portal/tenant/current/auto-replies/${id}`,
          headers: owner(),
        })
      ).statusCode,
    ).toBe(204);
    await waitFor('three announcements', () => published.filter((p) => p.message === shopId).length >= 3);
  });
});

describe('admin', () => {
  it('creates tenants: 201, 400 on a bad slug, 409 when taken; audited', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: adminHeaders,
      payload: { slug: 'new-shop', name: 'New Shop' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ slug: 'new-shop', status: 'ACTIVE' });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/admin/tenants',
          headers: adminHeaders,
          payload: { slug: '../evil', name: 'x' },
        })
      ).statusCode,
    ).toBe(400);
    const taken = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: adminHeaders,
      payload: { slug: 'new-shop', name: 'again' },
    });
    expect(taken.statusCode).toBe(409);
    expect(
      await stack.db.auditLog.count({
        where: { action: 'tenant.create', tenantSlug: 'new-shop', actor: 'api-key' },
      }),
    ).toBe(1);
  });

  it('admin routes: 401 without or with a wrong bearer key; a SUPER_ADMIN through the portal is allowed', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin/tenants' })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: '/admin/tenants', headers: { authorization: 'Bearer nope' } }))
        .statusCode,
    ).toBe(401);
    const viaPortal = await app.inject({
      method: 'GET',
      url: '/admin/tenants',
      headers: portalHeaders('root@platform.test'),
    });
    expect(viaPortal.statusCode).toBe(200);
    expect(viaPortal.json().items.map((t: { slug: string }) => t.slug)).toContain('shop');
  });

  it('manages users with memberships, without ever returning a hash', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: adminHeaders,
      payload: {
        email: 'op@shop.test',
        name: 'Op',
        password: 'long-password',
        memberships: [{ tenant: 'shop', role: 'OPERATOR' }],
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('passwordHash');
    const id = created.json().id;
    const patched = await app.inject({
      method: 'PATCH',
      url: `/admin/users/${id}`,
      headers: adminHeaders,
      payload: { memberships: [{ tenant: 'shop', role: 'VIEWER' }] },
    });
    expect(patched.json().memberships).toEqual([{ tenantId: shopId, tenantSlug: 'shop', role: 'VIEWER' }]);
    const dup = await app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: adminHeaders,
      payload: { email: 'op@shop.test', name: 'Op', password: 'long-password', memberships: [] },
    });
    expect(dup.statusCode).toBe(409);
    expect(
      (await app.inject({ method: 'DELETE', url: `/admin/users/${id}`, headers: adminHeaders })).statusCode,
    ).toBe(204);
  });

  it('simulate: inbound is stored on the simulated phone with no worker running, a command is published, 409 for another engine', async () => {
    const phone = new SimulatorNetwork(app.redis, stack.redisPrefix);
    const before = await phone.inboxSince(shopId, new Date(0), 1_000);
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tenants/shop/simulate',
      headers: adminHeaders,
      payload: { type: 'inbound', from: '+491234567', text: 'hi' },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toEqual({ delivered: 1, waMessageId: expect.stringMatching(/^false_491234567@c\.us_/) });
    const after = await phone.inboxSince(shopId, new Date(0), 1_000);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ waMessageId: body.waMessageId, from: '491234567', body: 'hi' });
    // Not a session command: nothing was published for a running client.
    expect(published.some((p) => p.channel === simulatorChannel(stack.redisPrefix, shopId))).toBe(false);

    const noSender = await app.inject({
      method: 'POST',
      url: '/admin/tenants/shop/simulate',
      headers: adminHeaders,
      payload: { type: 'inbound', text: 'who am I' },
    });
    expect(noSender.statusCode).toBe(400);
    expect(noSender.json().error.message).toContain('body/from');
    expect(await phone.inboxSince(shopId, new Date(0), 1_000)).toHaveLength(after.length);

    const link = await app.inject({
      method: 'POST',
      url: '/admin/tenants/shop/simulate',
      headers: adminHeaders,
      payload: { type: 'link' },
    });
    expect(link.statusCode).toBe(202);
    await waitFor('command published', () =>
      published.find((p) => p.channel === simulatorChannel(stack.redisPrefix, shopId)),
    );
    const command = JSON.parse(
      published.find((p) => p.channel === simulatorChannel(stack.redisPrefix, shopId))!.message,
    );
    expect(command).toEqual({ type: 'link' });
    const other = await app.inject({
      method: 'POST',
      url: '/admin/tenants/wwebjs-shop/simulate',
      headers: adminHeaders,
      payload: { type: 'link' },
    });
    expect(other.statusCode).toBe(409);
  });

  it('tenant engine: an unknown name is a 400 naming the known ones, nothing written; a known one is stored', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: adminHeaders,
      payload: { slug: 'engine-typo', name: 'Typo', engine: 'telegram' },
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.message).toMatch(/engine.*simulator.*wwebjs/);
    expect(await app.db.tenant.findUnique({ where: { slug: 'engine-typo' } })).toBeNull();

    const patched = await app.inject({
      method: 'PATCH',
      url: '/admin/tenants/shop',
      headers: adminHeaders,
      payload: { engine: 'wwebsj' },
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json().error.message).toMatch(/engine.*simulator.*wwebjs/);
    expect((await app.db.tenant.findUnique({ where: { id: shopId } }))?.engine).toBe('simulator');

    // Positive control: a known engine is accepted and stored.
    const ok = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: adminHeaders,
      payload: { slug: 'engine-ok', name: 'Ok', engine: 'wwebjs' },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().engine).toBe('wwebjs');
  });

  it('setup requests flow from a tenant to the admins and back', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/setup-requests',
      headers: owner(),
      payload: { notes: 'please link our number' },
    });
    expect(created.statusCode).toBe(201);
    const list = (
      await app.inject({ method: 'GET', url: '/admin/setup-requests?status=OPEN', headers: adminHeaders })
    ).json();
    expect(list.items[0]).toMatchObject({
      tenantSlug: 'shop',
      userEmail: 'owner@shop.test',
      notes: 'please link our number',
    });
    const done = await app.inject({
      method: 'PATCH',
      url: `/admin/setup-requests/${created.json().id}`,
      headers: adminHeaders,
      payload: { status: 'DONE', adminNote: 'linked' },
    });
    expect(done.json()).toMatchObject({ status: 'DONE', adminNote: 'linked' });
    const mine = (
      await app.inject({ method: 'GET', url: '/portal/tenant/current/setup-requests', headers: owner() })
    ).json();
    expect(mine.items[0]).toMatchObject({ status: 'DONE', adminNote: 'linked' });
  });

  it('diagnostics explain why a user sees no logs', async () => {
    const res = (
      await app.inject({
        method: 'GET',
        url: '/admin/tenants/wwebjs-shop/diagnostics',
        headers: adminHeaders,
      })
    ).json();
    expect(res.hints).toEqual(
      expect.arrayContaining([
        'no user is a member of this tenant',
        'no message has been logged for this tenant yet',
      ]),
    );
  });

  it('the audit log pages newest first', async () => {
    const res = (
      await app.inject({ method: 'GET', url: '/admin/audit?limit=2', headers: adminHeaders })
    ).json();
    expect(res.items).toHaveLength(2);
    expect(res.nextCursor).toBeTruthy();
  });
});
