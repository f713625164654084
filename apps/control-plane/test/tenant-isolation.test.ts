import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  adminHeaders,
  bearer,
  buildTestApp,
  createApiKey,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  PORTAL_KEY,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
const ids = {
  a: '',
  b: '',
  ruleA: '',
  ruleB: '',
  msgA: '',
  msgB: '',
  setupB: '',
  keyA: '',
  keyB: '',
  outB: '',
  hookA: '',
  hookB: '',
};
const secrets = { a: '', b: '' };
const ALL_SCOPES = ['messages:read', 'messages:send', 'session:read', 'webhooks:manage'];

// Every portal route on the current tenant, with a body that would be valid.
const READS = [
  '/portal/tenant/current',
  '/portal/tenant/current/qr',
  '/portal/tenant/current/logs',
  '/portal/tenant/current/logs?q=secret',
  '/portal/tenant/current/logs/export',
  '/portal/tenant/current/logs/export/size',
  '/portal/tenant/current/auto-replies',
  '/portal/tenant/current/setup-requests',
  '/portal/tenant/current/stats?days=3',
  '/portal/tenant/current/conversations',
  // Both tenants have a chat with 111: A's thread holds only A's messages.
  '/portal/tenant/current/conversations/111/messages',
] as const;
const WRITES = [
  {
    method: 'POST',
    url: '/portal/tenant/current/messages',
    payload: { to: '4915100000001', text: 'hi' },
    role: 'OPERATOR',
  },
  {
    method: 'POST',
    url: '/portal/tenant/current/setup-requests',
    payload: { notes: 'help' },
    role: 'OPERATOR',
  },
  {
    method: 'POST',
    url: '/portal/tenant/current/auto-replies',
    payload: { name: 'n', matchType: 'EXACT', pattern: 'x', reply: 'y' },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'PATCH',
    url: '/portal/tenant/current/auto-replies/RULE_A',
    payload: { reply: 'changed' },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'DELETE',
    url: '/portal/tenant/current/auto-replies/RULE_A',
    payload: undefined,
    role: 'TENANT_ADMIN',
  },
  { method: 'POST', url: '/portal/tenant/current/worker/restart', payload: undefined, role: 'TENANT_ADMIN' },
  {
    method: 'POST',
    url: '/portal/tenant/current/pairing-code',
    payload: { phoneNumber: '+15551234567' },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'POST',
    url: '/portal/tenant/current/api-keys',
    payload: { name: 'k', scopes: ['messages:read'] },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'DELETE',
    url: '/portal/tenant/current/api-keys/KEY_A',
    payload: undefined,
    role: 'TENANT_ADMIN',
  },
  { method: 'GET', url: '/portal/tenant/current/webhooks', payload: undefined, role: 'TENANT_ADMIN' },
  {
    method: 'POST',
    url: '/portal/tenant/current/webhooks',
    payload: { url: 'https://hooks.example.com/new', eventTypes: ['message.received'] },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'PATCH',
    url: '/portal/tenant/current/webhooks/HOOK_A',
    payload: { description: 'changed' },
    role: 'TENANT_ADMIN',
  },
  {
    method: 'GET',
    url: '/portal/tenant/current/webhooks/HOOK_A/deliveries',
    payload: undefined,
    role: 'TENANT_ADMIN',
  },
] as const;
const ALL = [...READS.map((url) => ({ method: 'GET', url, payload: undefined })), ...WRITES];

function inject(method: string, url: string, headers: Record<string, string>, payload?: object) {
  return app.inject({
    method: method as 'GET',
    url: url.replace('RULE_A', ids.ruleA).replace('KEY_A', ids.keyA).replace('HOOK_A', ids.hookA),
    headers,
    ...(payload ? { payload } : {}),
  });
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  for (const side of ['a', 'b'] as const) {
    const tenant = await createTenant(stack.db, `tenant-${side}`);
    ids[side] = tenant.id;
    await createUser(stack.db, `admin@${side}.test`, [{ tenantId: tenant.id, role: 'TENANT_ADMIN' }]);
    await createUser(stack.db, `operator@${side}.test`, [{ tenantId: tenant.id, role: 'OPERATOR' }]);
    await createUser(stack.db, `viewer@${side}.test`, [{ tenantId: tenant.id, role: 'VIEWER' }]);
    const rule = await stack.db.autoReplyRule.create({
      data: {
        tenantId: tenant.id,
        name: `rule ${side}`,
        matchType: 'EXACT',
        pattern: 'hi',
        reply: `secret reply ${side}`,
      },
    });
    const msg = await stack.db.messageLog.create({
      data: {
        tenantId: tenant.id,
        direction: 'IN',
        fromNumber: '111',
        toNumber: '222',
        body: `secret message ${side}`,
        status: 'RECEIVED',
        waMessageId: `wa-${side}`,
      },
    });
    const setup = await stack.db.setupRequest.create({
      data: { tenantId: tenant.id, notes: `secret setup ${side}` },
    });
    await stack.db.whatsAppSession.update({
      where: { tenantId: tenant.id },
      data: { state: 'QR', lastQr: `qr-payload-${side}` },
    });
    if (side === 'a') Object.assign(ids, { ruleA: rule.id, msgA: msg.id });
    else Object.assign(ids, { ruleB: rule.id, msgB: msg.id, setupB: setup.id });
  }
  for (const side of ['a', 'b'] as const) {
    const key = await createApiKey(app, `admin@${side}.test`, { name: `key ${side}`, scopes: ALL_SCOPES });
    ids[side === 'a' ? 'keyA' : 'keyB'] = key.id;
    secrets[side] = key.secret;
  }
  const sentB = await app.inject({
    method: 'POST',
    url: '/v1/messages',
    headers: bearer(secrets.b),
    payload: { to: '4915100000077', text: 'secret outbound b' },
  });
  ids.outB = sentB.json<{ id: string }>().id;
  for (const side of ['a', 'b'] as const) {
    const hook = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: bearer(secrets[side]),
      payload: { url: `https://hooks.example.com/secret-hook-${side}`, eventTypes: ['message.received'] },
    });
    ids[side === 'a' ? 'hookA' : 'hookB'] = hook.json<{ endpoint: { id: string } }>().endpoint.id;
  }
  // Someone in both tenants, to prove x-tenant chooses only among memberships.
  await createUser(stack.db, 'both@x.test', [
    { tenantId: ids.a, role: 'VIEWER' },
    { tenantId: ids.b, role: 'TENANT_ADMIN' },
  ]);
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('portal authentication', () => {
  it.each(ALL.map((r) => [r.method, r.url, r.payload] as const))(
    '%s %s: 401 without key, with a wrong key, unknown or missing user',
    async (method, url, payload) => {
      const cases: Record<string, string>[] = [
        {},
        { 'x-user-email': 'admin@a.test' },
        { 'x-portal-key': 'x'.repeat(PORTAL_KEY.length), 'x-user-email': 'admin@a.test' },
        { 'x-portal-key': `${PORTAL_KEY}x`, 'x-user-email': 'admin@a.test' },
        { 'x-portal-key': PORTAL_KEY },
        { 'x-portal-key': PORTAL_KEY, 'x-user-email': 'nobody@a.test' },
        { authorization: adminHeaders.authorization }, // the admin key is not a portal identity
      ];
      for (const headers of cases) {
        const res = await inject(method, url, headers, payload);
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHENTICATED');
      }
    },
  );

  it('sign-in needs the portal key too', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/portal/auth/login',
      payload: { email: 'admin@a.test', password: 'x' },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('tenant isolation', () => {
  it.each(READS)('GET %s as tenant A shows nothing of tenant B, whatever headers say', async (url) => {
    for (const extra of [{}, { 'x-tenant-id': ids.b, 'x-tenant-slug': 'tenant-b' }] as Record<
      string,
      string
    >[]) {
      const res = await inject('GET', url, { ...portalHeaders('admin@a.test'), ...extra });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(ids.b);
      expect(res.body).not.toContain('secret reply b');
      expect(res.body).not.toContain('secret message b');
      expect(res.body).not.toContain('secret setup b');
    }
  });

  it.each(ALL.map((r) => [r.method, r.url, r.payload] as const))(
    '%s %s with x-tenant of a tenant the user is not in: 403',
    async (method, url, payload) => {
      for (const tenant of ['tenant-b', 'no-such-tenant']) {
        const res = await inject(method, url, portalHeaders('admin@a.test', tenant), payload);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.message).toContain(`no access to tenant ${tenant}`);
      }
    },
  );

  it.each(['../x', '%2e%2e%2f', '/etc/passwd', 'TENANT-B', 'tеnant-b', 'a'])(
    'x-tenant %s that is not a slug: 400',
    async (value) => {
      const res = await app.inject({
        method: 'GET',
        url: '/portal/tenant/current',
        headers: { ...portalHeaders('admin@a.test'), 'x-tenant': value },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('INVALID_TENANT');
    },
  );

  it('x-tenant naming tenant B by its id: still only memberships count (403)', async () => {
    const res = await inject('GET', '/portal/tenant/current', portalHeaders('admin@a.test', ids.b));
    expect(res.statusCode).toBe(403);
  });

  it('extra tenant fields in bodies are refused, not obeyed', async () => {
    const outOfB = await stack.db.messageLog.count({ where: { tenantId: ids.b, direction: 'OUT' } });
    const res = await inject('POST', '/portal/tenant/current/messages', portalHeaders('operator@a.test'), {
      to: '4915100000001',
      text: 'hi',
      tenantId: ids.b,
    });
    expect(res.statusCode).toBe(400);
    expect(await stack.db.messageLog.count({ where: { tenantId: ids.b, direction: 'OUT' } })).toBe(outOfB);
  });

  it("tenant B's rule ids are not found for tenant A, and stay untouched", async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await app.inject({
        method: method as 'GET',
        url: `/portal/tenant/current/auto-replies/${ids.ruleB}`,
        headers: portalHeaders('admin@a.test'),
        ...(method === 'PATCH' ? { payload: { reply: 'hacked' } } : {}),
      });
      expect(res.statusCode).toBe(404);
    }
    const ruleB = await stack.db.autoReplyRule.findUniqueOrThrow({ where: { id: ids.ruleB } });
    expect(ruleB.reply).toBe('secret reply b');
  });

  it('writes land in the caller tenant only', async () => {
    const res = await inject('POST', '/portal/tenant/current/messages', portalHeaders('operator@a.test'), {
      to: '4915100000009',
      text: 'from a',
    });
    expect(res.statusCode).toBe(202);
    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id: res.json().id } });
    expect(row.tenantId).toBe(ids.a);
  });

  it('x-tenant chooses among memberships, with the role of that membership', async () => {
    const inA = await inject('GET', '/portal/tenant/current', portalHeaders('both@x.test', 'tenant-a'));
    expect(inA.json()).toMatchObject({ tenant: { slug: 'tenant-a' }, role: 'VIEWER' });
    const inB = await inject('GET', '/portal/tenant/current', portalHeaders('both@x.test', 'tenant-b'));
    expect(inB.json()).toMatchObject({ tenant: { slug: 'tenant-b' }, role: 'TENANT_ADMIN' });
    const write = await inject(
      'POST',
      '/portal/tenant/current/setup-requests',
      portalHeaders('both@x.test', 'tenant-a'),
      { notes: 'x' },
    );
    expect(write.statusCode).toBe(403);
  });

  it('a tenant user on an admin route: 403 naming SUPER_ADMIN', async () => {
    for (const url of [
      '/admin/tenants',
      `/admin/tenants/${ids.a}`,
      '/admin/workers',
      '/admin/tenants/tenant-a/logs',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: portalHeaders('admin@a.test') });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain('SUPER_ADMIN');
    }
  });
});

describe('roles', () => {
  it.each(WRITES.map((w) => [w.method, w.url, w.payload, w.role] as const))(
    '%s %s: VIEWER gets 403 naming the role needed',
    async (method, url, payload, role) => {
      const res = await inject(method, url, portalHeaders('viewer@a.test'), payload);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain(`requires role ${role}`);
    },
  );

  it.each(WRITES.filter((w) => w.role === 'TENANT_ADMIN').map((w) => [w.method, w.url, w.payload] as const))(
    '%s %s: OPERATOR gets 403',
    async (method, url, payload) => {
      const res = await inject(method, url, portalHeaders('operator@a.test'), payload);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain('requires role TENANT_ADMIN');
    },
  );

  it('VIEWER reads everything of its own tenant but the linking QR, which a TENANT_ADMIN gets', async () => {
    for (const url of READS.filter((u) => u !== '/portal/tenant/current/qr'))
      expect((await inject('GET', url, portalHeaders('viewer@a.test'))).statusCode).toBe(200);
    const refused = await inject('GET', '/portal/tenant/current/qr', portalHeaders('viewer@a.test'));
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('data:image');
    const qr = (await inject('GET', '/portal/tenant/current/qr', portalHeaders('admin@a.test'))).json();
    expect(qr.state).toBe('QR');
    expect(qr.qr).toMatch(/^data:image\/png;base64,/);
    expect(JSON.stringify(qr)).not.toContain('qr-payload-a');
  });
});

describe('tenant isolation on the public API (/v1)', () => {
  const idsOfB = () => [ids.b, ids.ruleB, ids.msgB, ids.setupB, ids.keyB, ids.outB];
  const secretsOfB = ['secret reply b', 'secret message b', 'secret setup b', 'secret outbound b'];
  // Headers that name tenant B: none of them may move a key to another tenant.
  const namingB = (): Record<string, string>[] => [
    {},
    { 'x-tenant': 'tenant-b', 'x-tenant-id': ids.b, 'x-tenant-slug': 'tenant-b' },
  ];

  it("tenant A's key reads none of tenant B's ids: every one is 404", async () => {
    for (const id of idsOfB()) {
      for (const extra of namingB()) {
        const res = await inject('GET', `/v1/messages/${id}`, { ...bearer(secrets.a), ...extra });
        expect(res.statusCode, id).toBe(404);
        for (const text of secretsOfB) expect(res.body).not.toContain(text);
      }
    }
    // Control: B's own key reads its messages, so the 404s above are about the tenant, not the ids.
    for (const id of [ids.msgB, ids.outB])
      expect((await inject('GET', `/v1/messages/${id}`, bearer(secrets.b))).statusCode).toBe(200);
    expect((await inject('GET', `/v1/messages/${ids.msgA}`, bearer(secrets.a))).statusCode).toBe(200);
  });

  it("lists and session status of A's key show only tenant A, whatever the request says", async () => {
    for (const extra of namingB()) {
      for (const url of ['/v1/messages', '/v1/messages?limit=200&q=secret', '/v1/session']) {
        const res = await inject('GET', url, { ...bearer(secrets.a), ...extra });
        expect(res.statusCode, url).toBe(200);
        for (const id of idsOfB()) expect(res.body, url).not.toContain(id);
        for (const text of secretsOfB) expect(res.body, url).not.toContain(text);
      }
      const list = await inject('GET', '/v1/messages?q=secret', { ...bearer(secrets.a), ...extra });
      expect(list.json().items.map((m: { body: string }) => m.body)).toEqual(['secret message a']);
      const session = await inject('GET', '/v1/session', { ...bearer(secrets.a), ...extra });
      expect(session.json().tenant.slug).toBe('tenant-a');
    }
  });

  it("A's key writes only into A: a tenant in the body is refused, headers naming B are ignored", async () => {
    const outOfB = () => stack.db.messageLog.count({ where: { tenantId: ids.b, direction: 'OUT' } });
    const before = await outOfB();
    const smuggled = await inject('POST', '/v1/messages', bearer(secrets.a), {
      to: '4915100000001',
      text: 'hi',
      tenantId: ids.b,
    });
    expect(smuggled.statusCode).toBe(400);
    const sent = await inject(
      'POST',
      '/v1/messages',
      { ...bearer(secrets.a), 'x-tenant': 'tenant-b', 'x-tenant-id': ids.b },
      { to: '4915100000001', text: 'from a by key' },
    );
    expect(sent.statusCode).toBe(202);
    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id: sent.json().id } });
    expect(row).toMatchObject({ tenantId: ids.a, sentById: ids.keyA });
    expect(await outOfB()).toBe(before);
  });

  it("a tenant admin of A neither sees nor revokes B's keys (404), and B's key keeps working", async () => {
    const list = await inject('GET', '/portal/tenant/current/api-keys', portalHeaders('admin@a.test'));
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(ids.keyA);
    expect(list.body).not.toContain(ids.keyB);
    const revoke = await inject(
      'DELETE',
      `/portal/tenant/current/api-keys/${ids.keyB}`,
      portalHeaders('admin@a.test'),
    );
    expect(revoke.statusCode).toBe(404);
    const keyB = await stack.db.apiKey.findUniqueOrThrow({ where: { id: ids.keyB } });
    expect(keyB.revokedAt).toBeNull();
    expect((await inject('GET', '/v1/session', bearer(secrets.b))).json().tenant.slug).toBe('tenant-b');
  });

  it('portal credentials and the admin key are no tenant key: 401 on every /v1 route', async () => {
    const routes = [
      ['GET', '/v1/messages'],
      ['GET', `/v1/messages/${ids.msgA}`],
      ['GET', '/v1/session'],
      ['POST', '/v1/messages'],
    ] as const;
    for (const [method, url] of routes) {
      for (const headers of [portalHeaders('admin@a.test'), adminHeaders, { 'x-portal-key': PORTAL_KEY }]) {
        const res = await inject(
          method,
          url,
          headers,
          method === 'POST' ? { to: '4915100000001', text: 'x' } : undefined,
        );
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
    }
  });
});

describe('tenant isolation of webhook endpoints', () => {
  const hookRoutes = (id: string) =>
    [
      ['GET', `/v1/webhooks/${id}`, undefined],
      ['PATCH', `/v1/webhooks/${id}`, { url: 'https://evil.example.com/x' }],
      ['DELETE', `/v1/webhooks/${id}`, undefined],
      ['POST', `/v1/webhooks/${id}/rotate-secret`, undefined],
      ['POST', `/v1/webhooks/${id}/resume`, undefined],
      ['POST', `/v1/webhooks/${id}/test`, undefined],
      ['GET', `/v1/webhooks/${id}/deliveries`, undefined],
      ['POST', `/v1/webhooks/${id}/replay-failed`, { since: '2020-01-01T00:00:00Z' }],
    ] as const;

  it("neither A's key nor A's tenant admin sees or changes B's endpoint (404), and B's is untouched", async () => {
    const before = await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.hookB } });
    for (const [method, url, payload] of hookRoutes(ids.hookB)) {
      const byKey = await inject(method, url, { ...bearer(secrets.a), 'x-tenant': 'tenant-b' }, payload);
      expect(byKey.statusCode, `key ${method} ${url}`).toBe(404);
      const portalUrl = url.replace('/v1/webhooks', '/portal/tenant/current/webhooks');
      const byAdmin = await inject(method, portalUrl, portalHeaders('admin@a.test'), payload);
      expect(byAdmin.statusCode, `portal ${method} ${portalUrl}`).toBe(404);
    }
    const after = await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.hookB } });
    expect(after).toEqual(before);
    expect(await stack.db.webhookEvent.count({ where: { tenantId: ids.b } })).toBe(0);
    for (const res of [
      await inject('GET', '/v1/webhooks', bearer(secrets.a)),
      await inject('GET', '/portal/tenant/current/webhooks', portalHeaders('admin@a.test')),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(ids.hookA);
      expect(res.body).not.toContain(ids.hookB);
      expect(res.body).not.toContain('secret-hook-b');
    }
    // Controls: B's key reaches its endpoint, and A's key the same routes on A's own.
    expect((await inject('GET', `/v1/webhooks/${ids.hookB}`, bearer(secrets.b))).statusCode).toBe(200);
    for (const [method, url, payload] of hookRoutes(ids.hookA).filter(([m]) => m !== 'DELETE')) {
      const res = await inject(method, url, bearer(secrets.a), payload);
      expect(res.statusCode, `${method} ${url}`).toBeLessThan(300);
    }
  });
});
