import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import {
  adminHeaders,
  bearer,
  buildAppLoggingToFile,
  buildTestApp,
  createApiKey,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

// The public tenant API (/v1) and the keys behind it, against real PostgreSQL and Redis.

let stack: TestStack;
let app: FastifyInstance;
let tenantId = '';
let logFile = '';
const OWNER = 'owner@keys.test';
const OPERATOR = 'operator@keys.test';
const REFUSED = 'missing, invalid, revoked or expired API key (send Authorization: Bearer <key>)';

const v1 = (method: 'GET' | 'POST', url: string, secret: string | undefined, payload?: object) =>
  app.inject({
    method,
    url,
    headers: secret === undefined ? {} : bearer(secret),
    ...(payload ? { payload } : {}),
  });

beforeAll(async () => {
  stack = await createTestStack();
  ({ app, logFile } = await buildAppLoggingToFile(stack));
  await app.ready();
  tenantId = (await createTenant(stack.db, 'keys')).id;
  await createUser(stack.db, OWNER, [{ tenantId, role: 'TENANT_ADMIN' }]);
  await createUser(stack.db, OPERATOR, [{ tenantId, role: 'OPERATOR' }]);
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('managing keys in the portal', () => {
  it('a tenant admin creates a key: the secret comes back once, lists never show it, the database holds only its hash', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/api-keys',
      headers: portalHeaders(OWNER),
      payload: { name: 'CRM', scopes: ['messages:send', 'messages:read'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, secret } = created.json<{ key: { id: string; keyId: string }; secret: string }>();
    expect(secret).toMatch(/^wak_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`wak_${key.keyId}_`)).toBe(true);
    expect(created.json().key).toMatchObject({
      name: 'CRM',
      scopes: ['messages:send', 'messages:read'],
      createdBy: OWNER,
      expiresAt: null,
      lastUsedAt: null,
      status: 'active',
    });
    const secretPart = secret.slice(`wak_${key.keyId}_`.length);

    const list = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current/api-keys',
      headers: portalHeaders(OWNER),
    });
    expect(list.statusCode).toBe(200);
    // Control: the key is in the list, by its public id.
    expect(list.json().items.map((k: { keyId: string }) => k.keyId)).toContain(key.keyId);
    expect(list.body).not.toContain(secretPart);
    expect(list.body).not.toContain('secretHash');

    const row = await stack.db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(JSON.stringify(row)).not.toContain(secretPart);
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);

    const audit = await stack.db.auditLog.findFirstOrThrow({
      where: { tenantId, action: 'api-key.create', details: { path: ['apiKeyId'], equals: key.id } },
    });
    expect(audit.actor).toBe(`user:${OWNER}`);
    expect(JSON.stringify(audit.details)).not.toContain(secretPart);
    // The new key works at once (positive control of every refusal below).
    expect((await v1('GET', '/v1/messages', secret)).statusCode).toBe(200);
  });

  it('refuses bad key requests with 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['messages:write'] }, 'scopes'],
      [{ name: 'x', scopes: ['messages:read', 'messages:read'] }, 'scopes'],
      [{ name: '', scopes: ['messages:read'] }, 'name'],
      [{ name: 'x', scopes: ['messages:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
      [
        { name: 'x', scopes: ['messages:read'], expiresAt: '2020-01-01T00:00:00Z' },
        'body/expiresAt must be in the future',
      ],
      [{ name: 'x', scopes: ['messages:read'], tenantId: 'other' }, 'tenantId'],
    ];
    const before = await stack.db.apiKey.count();
    for (const [payload, field] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/portal/tenant/current/api-keys',
        headers: portalHeaders(OWNER),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect(await stack.db.apiKey.count()).toBe(before);
  });

  it('an OPERATOR can neither list, create nor revoke keys (403 naming TENANT_ADMIN)', async () => {
    const key = await createApiKey(app, OWNER, { name: 'ops', scopes: ['session:read'] });
    for (const [method, url, payload] of [
      ['GET', '/portal/tenant/current/api-keys', undefined],
      ['POST', '/portal/tenant/current/api-keys', { name: 'mine', scopes: ['messages:send'] }],
      ['DELETE', `/portal/tenant/current/api-keys/${key.id}`, undefined],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: portalHeaders(OPERATOR),
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.message).toContain('requires role TENANT_ADMIN');
    }
    expect((await v1('GET', '/v1/session', key.secret)).statusCode).toBe(200);
  });
});

describe('scopes', () => {
  it('a messages:send key sends but cannot read (403 naming the scope); a messages:read key reads', async () => {
    const sender = await createApiKey(app, OWNER, { name: 'Shop', scopes: ['messages:send'] });
    const reader = await createApiKey(app, OWNER, { name: 'Reports', scopes: ['messages:read'] });

    const sent = await v1('POST', '/v1/messages', sender.secret, {
      to: '+4915100000001',
      text: 'order shipped',
    });
    expect(sent.statusCode).toBe(202);
    const { id, status, isDuplicate } = sent.json();
    expect({ status, isDuplicate }).toEqual({ status: 'QUEUED', isDuplicate: false });

    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      tenantId,
      direction: 'OUT',
      toNumber: '4915100000001',
      sentByKind: 'API_KEY',
      sentById: sender.id,
      sentByLabel: `Shop (wak_${sender.keyId})`,
    });
    const audit = await stack.db.auditLog.findFirstOrThrow({
      where: { tenantId, action: 'message.send', details: { path: ['messageId'], equals: id } },
    });
    expect(audit.actor).toBe(`tenant-key:${sender.keyId}`);
    expect(audit.details).toMatchObject({ apiKeyId: sender.id });

    for (const url of [`/v1/messages/${id}`, '/v1/messages']) {
      const refused = await v1('GET', url, sender.secret);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.message).toContain('lacks the scope messages:read');
      expect(refused.body).not.toContain('order shipped');
    }
    const noSession = await v1('GET', '/v1/session', sender.secret);
    expect(noSession.statusCode).toBe(403);
    expect(noSession.json().error.message).toContain('session:read');

    const read = await v1('GET', `/v1/messages/${id}`, reader.secret);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      id,
      status: 'QUEUED',
      body: 'order shipped',
      sentBy: { kind: 'API_KEY', id: sender.id, label: `Shop (wak_${sender.keyId})` },
    });
    // The status follows the row as the worker moves it.
    await stack.db.messageLog.update({ where: { id }, data: { status: 'DELIVERED' } });
    expect((await v1('GET', `/v1/messages/${id}`, reader.secret)).json().status).toBe('DELIVERED');

    const cannotSend = await v1('POST', '/v1/messages', reader.secret, { to: '4915100000002', text: 'x' });
    expect(cannotSend.statusCode).toBe(403);
    expect(cannotSend.json().error.message).toContain('lacks the scope messages:send');
    expect(await stack.db.messageLog.count({ where: { tenantId, toNumber: '4915100000002' } })).toBe(0);
  });

  it('an unknown message id is 404', async () => {
    const reader = await createApiKey(app, OWNER, { name: 'r404', scopes: ['messages:read'] });
    const res = await v1('GET', '/v1/messages/00000000-0000-4000-8000-000000000000', reader.secret);
    expect(res.statusCode).toBe(404);
    expect((await v1('GET', '/v1/messages/not-a-uuid', reader.secret)).statusCode).toBe(400);
  });
});

describe('sending', () => {
  it('honours the idempotency key like the portal does: the same key returns the first message', async () => {
    const key = await createApiKey(app, OWNER, { name: 'idem', scopes: ['messages:send'] });
    const body = { to: '4915100000003', text: 'once', idempotencyKey: 'order-7-shipped' };
    const first = await v1('POST', '/v1/messages', key.secret, body);
    const second = await v1('POST', '/v1/messages', key.secret, body);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual({ id: first.json().id, status: 'QUEUED', isDuplicate: true });
    // One service for both paths: the portal's send with the same key finds the same message.
    const portal = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/messages',
      headers: portalHeaders(OPERATOR),
      payload: body,
    });
    expect(portal.json()).toMatchObject({ id: first.json().id, isDuplicate: true });
    expect(await stack.db.messageLog.count({ where: { tenantId, idempotencyKey: 'order-7-shipped' } })).toBe(
      1,
    );
    // Control: another idempotency key is another message.
    const other = await v1('POST', '/v1/messages', key.secret, {
      ...body,
      idempotencyKey: 'order-8-shipped',
    });
    expect(other.json()).toMatchObject({ isDuplicate: false });
    expect(other.json().id).not.toBe(first.json().id);
  });

  it('refuses a malformed send with 400 naming the field, and stores nothing', async () => {
    const key = await createApiKey(app, OWNER, { name: 'bad', scopes: ['messages:send'] });
    const before = await stack.db.messageLog.count();
    for (const [payload, field] of [
      [{ to: 'abc', text: 'hi' }, 'body/to'],
      [{ to: '4915100000004' }, 'text'],
      [{ to: '4915100000004', text: 'hi', tenantId: 'other' }, 'tenantId'],
    ] as const) {
      const res = await v1('POST', '/v1/messages', key.secret, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect(await stack.db.messageLog.count()).toBe(before);
  });
});

describe('reading', () => {
  it('lists with the filters and keyset paging of the portal, page for page', async () => {
    const key = await createApiKey(app, OWNER, { name: 'lister', scopes: ['messages:read'] });
    for (let i = 0; i < 5; i++) {
      await stack.db.messageLog.create({
        data: {
          tenantId,
          direction: 'IN',
          fromNumber: `49160000000${i}`,
          toNumber: '4915100000000',
          body: `paging test ${i}`,
          status: 'RECEIVED',
          waMessageId: `paging-${i}`,
        },
      });
    }
    let cursor: string | null = null;
    const seen: string[] = [];
    do {
      const query: string = `limit=2&direction=IN&q=paging${cursor ? `&cursor=${cursor}` : ''}`;
      const api = await v1('GET', `/v1/messages?${query}`, key.secret);
      const portal = await app.inject({
        method: 'GET',
        url: `/portal/tenant/current/logs?${query}`,
        headers: portalHeaders(OWNER),
      });
      expect(api.statusCode).toBe(200);
      expect(api.json()).toEqual(portal.json());
      seen.push(...api.json().items.map((m: { body: string }) => m.body));
      cursor = api.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => `paging test ${i}`));
    const bad = await v1('GET', '/v1/messages?cursor=garbage', key.secret);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('cursor');
  });

  it('message reads carry edits (earlier texts, oldest first) and deletions; the list and the portal agree; another tenant reads none of it', async () => {
    const key = await createApiKey(app, OWNER, { name: 'edits-reader', scopes: ['messages:read'] });
    // Rows as the worker leaves them after two edits and, for the second message, a deletion.
    const edited = await stack.db.messageLog.create({
      data: {
        tenantId,
        direction: 'IN',
        fromNumber: '4916000000777',
        toNumber: '4915100000000',
        body: 'edited thrice text',
        status: 'RECEIVED',
        waMessageId: 'edits-1',
        editedAt: new Date('2026-12-02T10:02:00Z'),
        edits: {
          create: [
            {
              id: '0193d3a0-0000-7000-8000-000000000002',
              tenantId,
              previousBody: 'second text',
              editedAt: new Date('2026-12-02T10:02:00Z'),
            },
            {
              id: '0193d3a0-0000-7000-8000-000000000001',
              tenantId,
              previousBody: 'first text',
              editedAt: new Date('2026-12-02T10:01:00Z'),
            },
          ],
        },
      },
    });
    const deleted = await stack.db.messageLog.create({
      data: {
        tenantId,
        direction: 'IN',
        fromNumber: '4916000000777',
        toNumber: '4915100000000',
        body: 'deleted but kept text',
        status: 'RECEIVED',
        waMessageId: 'edits-2',
        deletedAt: new Date('2026-12-02T10:03:00Z'),
      },
    });
    const one = await v1('GET', `/v1/messages/${edited.id}`, key.secret);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      body: 'edited thrice text',
      editedAt: '2026-12-02T10:02:00.000Z',
      deletedAt: null,
      edits: [
        { previousBody: 'first text', editedAt: '2026-12-02T10:01:00.000Z' },
        { previousBody: 'second text', editedAt: '2026-12-02T10:02:00.000Z' },
      ],
    });
    expect((await v1('GET', `/v1/messages/${deleted.id}`, key.secret)).json()).toMatchObject({
      body: 'deleted but kept text',
      editedAt: null,
      edits: [],
      deletedAt: '2026-12-02T10:03:00.000Z',
    });
    // The list (searched by the current text) says the same, and matches the portal's list.
    const query = 'q=thrice';
    const list = await v1('GET', `/v1/messages?${query}`, key.secret);
    const portal = await app.inject({
      method: 'GET',
      url: `/portal/tenant/current/logs?${query}`,
      headers: portalHeaders(OWNER),
    });
    expect(list.json().items.map((m: { id: string; edits: unknown[] }) => [m.id, m.edits.length])).toEqual([
      [edited.id, 2],
    ]);
    expect(list.json()).toEqual(portal.json());
    // A replaced text is history only: searching it finds nothing.
    expect((await v1('GET', '/v1/messages?q=second', key.secret)).json().items).toEqual([]);

    const otherId = (await createTenant(stack.db, 'edits-other')).id;
    await createUser(stack.db, 'owner@edits-other.test', [{ tenantId: otherId, role: 'TENANT_ADMIN' }]);
    const other = await createApiKey(app, 'owner@edits-other.test', {
      name: 'other',
      scopes: ['messages:read'],
    });
    expect((await v1('GET', `/v1/messages/${edited.id}`, other.secret)).statusCode).toBe(404);
    expect((await v1('GET', '/v1/messages?q=thrice', other.secret)).json().items).toEqual([]);
  });

  it("reads the key's tenant's session and worker status", async () => {
    const key = await createApiKey(app, OWNER, { name: 'status', scopes: ['session:read'] });
    await stack.db.whatsAppSession.update({
      where: { tenantId },
      data: { state: 'CONNECTED', phoneNumber: '4915100000000' },
    });
    const res = await v1('GET', '/v1/session', key.secret);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      tenant: { slug: 'keys', status: 'ACTIVE' },
      session: { state: 'CONNECTED', phoneNumber: '4915100000000' },
      worker: { status: 'STOPPED', pid: null },
    });
    expect(res.body).not.toContain('lastQr');
  });
});

describe('authentication', () => {
  it('every key that does not work gets the same 401; revoked and expired keys stop at once', async () => {
    const key = await createApiKey(app, OWNER, { name: 'doomed', scopes: ['session:read'] });
    const wrongSecret = `${key.secret.slice(0, -1)}${key.secret.endsWith('A') ? 'B' : 'A'}`;
    const headerCases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer garbage' },
      { authorization: `Bearer wak_${'a'.repeat(12)}_${'A'.repeat(43)}` },
      { authorization: `Bearer ${wrongSecret}` },
      { authorization: `Basic ${Buffer.from(`x:${key.secret}`).toString('base64')}` },
      adminHeaders,
      portalHeaders(OWNER),
    ];
    for (const headers of headerCases) {
      const res = await app.inject({ method: 'GET', url: '/v1/session', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error).toEqual({ code: 'UNAUTHENTICATED', message: REFUSED });
    }
    expect((await v1('GET', '/v1/session', key.secret)).statusCode).toBe(200);

    const revoke = await app.inject({
      method: 'DELETE',
      url: `/portal/tenant/current/api-keys/${key.id}`,
      headers: portalHeaders(OWNER),
    });
    expect(revoke.statusCode).toBe(204);
    const afterRevoke = await v1('GET', '/v1/session', key.secret);
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error).toEqual({ code: 'UNAUTHENTICATED', message: REFUSED });
    const audit = await stack.db.auditLog.findFirstOrThrow({
      where: { tenantId, action: 'api-key.revoke', details: { path: ['apiKeyId'], equals: key.id } },
    });
    expect(audit.actor).toBe(`user:${OWNER}`);
    // Revoking again changes nothing and is not an error; the list shows it revoked.
    const again = await app.inject({
      method: 'DELETE',
      url: `/portal/tenant/current/api-keys/${key.id}`,
      headers: portalHeaders(OWNER),
    });
    expect(again.statusCode).toBe(204);
    expect(
      await stack.db.auditLog.count({
        where: { action: 'api-key.revoke', details: { path: ['apiKeyId'], equals: key.id } },
      }),
    ).toBe(1);
    const list = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current/api-keys',
      headers: portalHeaders(OWNER),
    });
    expect(list.json().items.find((k: { id: string }) => k.id === key.id).status).toBe('revoked');
    const unknown = await app.inject({
      method: 'DELETE',
      url: '/portal/tenant/current/api-keys/00000000-0000-4000-8000-000000000000',
      headers: portalHeaders(OWNER),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('a key past its expiry gets 401 (the same answer)', async () => {
    const key = await createApiKey(app, OWNER, {
      name: 'short-lived',
      scopes: ['session:read'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await v1('GET', '/v1/session', key.secret)).statusCode).toBe(200);
    // An hour passes: the stored expiry is now behind us.
    await stack.db.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await v1('GET', '/v1/session', key.secret);
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toEqual({ code: 'UNAUTHENTICATED', message: REFUSED });
    const list = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current/api-keys',
      headers: portalHeaders(OWNER),
    });
    expect(list.json().items.find((k: { id: string }) => k.id === key.id).status).toBe('expired');
  });

  it('records the last use, writing it at most once a minute', async () => {
    const key = await createApiKey(app, OWNER, { name: 'stamp', scopes: ['session:read'] });
    const lastUsed = async () =>
      (await stack.db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await v1('GET', '/v1/session', key.secret);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    await v1('GET', '/v1/session', key.secret);
    expect(await lastUsed()).toEqual(first);
    // Two minutes later the next use is written again.
    const earlier = new Date(Date.now() - 120_000);
    await stack.db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: earlier } });
    await v1('GET', '/v1/session', key.secret);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(earlier.getTime() + 60_000);
  });

  it("a disabled tenant's keys get 403 TENANT_DISABLED until it is enabled again", async () => {
    const key = await createApiKey(app, OWNER, { name: 'paused', scopes: ['session:read'] });
    await stack.db.tenant.update({ where: { id: tenantId }, data: { status: 'DISABLED' } });
    try {
      const res = await v1('GET', '/v1/session', key.secret);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('TENANT_DISABLED');
    } finally {
      await stack.db.tenant.update({ where: { id: tenantId }, data: { status: 'ACTIVE' } });
    }
    expect((await v1('GET', '/v1/session', key.secret)).statusCode).toBe(200);
  });
});

describe('rate limit per key (Redis)', () => {
  it('answers RateLimit-* headers, then 429 with Retry-After; another key and another control plane count on their own / together', async () => {
    const limited = await buildTestApp(
      stack,
      {},
      { API_KEY_RATE_LIMIT_MAX: '3', API_KEY_RATE_LIMIT_WINDOW_MS: '60000' },
    );
    const twin = await buildTestApp(
      stack,
      {},
      { API_KEY_RATE_LIMIT_MAX: '3', API_KEY_RATE_LIMIT_WINDOW_MS: '60000' },
    );
    try {
      const key = await createApiKey(app, OWNER, { name: 'busy', scopes: ['session:read'] });
      const other = await createApiKey(app, OWNER, { name: 'calm', scopes: ['session:read'] });
      const call = (instance: FastifyInstance, secret: string) =>
        instance.inject({ method: 'GET', url: '/v1/session', headers: bearer(secret) });
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(i === 1 ? twin : limited, key.secret);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit-limit']).toBe('3');
        expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
        remaining.push(String(res.headers['ratelimit-remaining']));
      }
      // The second call went to the other control plane: the count is shared through Redis.
      expect(remaining).toEqual(['2', '1', '0']);
      const refused = await call(twin, key.secret);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect((await call(limited, key.secret)).statusCode).toBe(429);
      // Per key: another key of the same tenant is not held back.
      const calm = await call(limited, other.secret);
      expect(calm.statusCode).toBe(200);
      expect(calm.headers['ratelimit-remaining']).toBe('2');
    } finally {
      await limited.close();
      await twin.close();
    }
  });
  it('lets requests through while Redis is unreachable (the limit is not enforced, nothing fails)', async () => {
    const { freePort } = await import('@wa-fleet/devstack');
    const closedPort = await freePort();
    const noRedis = await buildTestApp(
      stack,
      {},
      { API_KEY_RATE_LIMIT_MAX: '1', REDIS_URL: `redis://127.0.0.1:${closedPort}` },
    );
    try {
      const key = await createApiKey(app, OWNER, { name: 'no-redis', scopes: ['session:read'] });
      for (let i = 0; i < 3; i++) {
        const res = await noRedis.inject({ method: 'GET', url: '/v1/session', headers: bearer(key.secret) });
        // Three requests against a limit of one: nothing is counted, nothing fails.
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await noRedis.close();
    }
  });
});

describe('secrets stay out of logs', () => {
  it('no log line carries a key secret, even of refused or malformed requests; lines name the key by its public id', async () => {
    const key = await createApiKey(app, OWNER, { name: 'quiet', scopes: ['messages:send', 'messages:read'] });
    const secretPart = key.secret.slice(`wak_${key.keyId}_`.length);
    await v1('POST', '/v1/messages', key.secret, { to: '4915100000005', text: 'logged?' });
    await v1('GET', '/v1/messages?limit=1', key.secret);
    await v1('GET', '/v1/session', key.secret); // 403: no scope
    await v1('GET', '/v1/session', `${key.secret}x`); // 401: malformed
    await v1('POST', '/v1/messages', key.secret, { to: 'abc', text: key.secret }); // 400
    await app.inject({
      method: 'DELETE',
      url: `/portal/tenant/current/api-keys/${key.id}`,
      headers: portalHeaders(OWNER),
    });
    await v1('GET', '/v1/messages', key.secret); // 401: revoked
    // Control: the lines of these requests are there (by the key's public id), so the search reads them.
    const raw = await waitFor(
      'request lines of the key',
      () => {
        const text = readFileSync(logFile, 'utf8');
        return text.split(`tenant-key:${key.keyId}`).length > 4 && text.includes('api key revoked')
          ? text
          : undefined;
      },
      { timeoutMs: 5_000 },
    );
    expect(raw).toContain('"statusCode":202');
    expect(raw).not.toContain(secretPart);
    expect(raw).not.toContain(key.secret);
  });
});
