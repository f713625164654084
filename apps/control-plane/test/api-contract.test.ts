import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ROUTE_KEYS } from '@wa-fleet/contract';
import { PROCESS_STATES } from '@wa-fleet/shared';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, {});
  const tenant = await createTenant(stack.db, 'contract');
  await createUser(stack.db, 'owner@contract.test', [{ tenantId: tenant.id, role: 'TENANT_ADMIN' }]);
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('API contract', () => {
  it('answers /health and /ready', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ database: 'ok', redis: 'ok', workers: 'ok' });
  });

  it('lists every route in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const documented = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${p}`);
    }
    const expected = [
      'GET /health',
      'GET /ready',
      'GET /metrics',
      'POST /admin/tenants',
      'GET /admin/tenants',
      'GET /admin/tenants/{tenant}',
      'PATCH /admin/tenants/{tenant}',
      'DELETE /admin/tenants/{tenant}',
      'POST /admin/tenants/{tenant}/worker/start',
      'POST /admin/tenants/{tenant}/worker/stop',
      'POST /admin/tenants/{tenant}/worker/restart',
      'GET /admin/tenants/{tenant}/worker/history',
      'GET /admin/workers',
      'GET /admin/tenants/{tenant}/logs',
      'GET /admin/tenants/{tenant}/logs/stream',
      'GET /admin/tenants/{tenant}/diagnostics',
      'POST /admin/users',
      'GET /admin/users',
      'GET /admin/users/{id}',
      'PATCH /admin/users/{id}',
      'DELETE /admin/users/{id}',
      'DELETE /admin/users/{id}/sessions',
      'GET /admin/audit',
      'GET /admin/setup-requests',
      'PATCH /admin/setup-requests/{id}',
      'POST /admin/tenants/{tenant}/simulate',
      'POST /portal/auth/login',
      'POST /portal/auth/logout',
      'GET /portal/auth/session',
      'GET /portal/tenant/current',
      'GET /portal/tenant/current/qr',
      'POST /portal/tenant/current/pairing-code',
      'GET /portal/tenant/current/logs',
      'GET /portal/tenant/current/logs/export',
      'GET /portal/tenant/current/logs/export/size',
      'POST /portal/tenant/current/messages',
      'GET /portal/tenant/current/messages/{id}/media',
      'GET /portal/tenant/current/conversations',
      'GET /portal/tenant/current/conversations/{contact}/messages',
      'POST /portal/tenant/current/conversations/{contact}/read',
      'GET /portal/tenant/current/auto-replies',
      'POST /portal/tenant/current/auto-replies',
      'GET /portal/tenant/current/auto-replies/{id}',
      'PATCH /portal/tenant/current/auto-replies/{id}',
      'DELETE /portal/tenant/current/auto-replies/{id}',
      'POST /portal/tenant/current/worker/restart',
      'POST /portal/tenant/current/setup-requests',
      'GET /portal/tenant/current/setup-requests',
      'GET /portal/tenant/current/stats',
      'GET /portal/tenant/current/api-keys',
      'POST /portal/tenant/current/api-keys',
      'DELETE /portal/tenant/current/api-keys/{id}',
      'POST /v1/messages',
      'GET /v1/messages',
      'GET /v1/messages/{id}',
      'GET /v1/session',
      'GET /v1/webhooks',
      'POST /v1/webhooks',
      'GET /v1/webhooks/{id}',
      'PATCH /v1/webhooks/{id}',
      'DELETE /v1/webhooks/{id}',
      'POST /v1/webhooks/{id}/rotate-secret',
      'POST /v1/webhooks/{id}/resume',
      'POST /v1/webhooks/{id}/test',
      'GET /v1/webhooks/{id}/deliveries',
      'POST /v1/webhooks/{id}/deliveries/{deliveryId}/replay',
      'POST /v1/webhooks/{id}/replay-failed',
      'GET /portal/tenant/current/webhooks',
      'POST /portal/tenant/current/webhooks',
      'GET /portal/tenant/current/webhooks/{id}',
      'PATCH /portal/tenant/current/webhooks/{id}',
      'DELETE /portal/tenant/current/webhooks/{id}',
      'POST /portal/tenant/current/webhooks/{id}/rotate-secret',
      'POST /portal/tenant/current/webhooks/{id}/resume',
      'POST /portal/tenant/current/webhooks/{id}/test',
      'GET /portal/tenant/current/webhooks/{id}/deliveries',
      'POST /portal/tenant/current/webhooks/{id}/deliveries/{deliveryId}/replay',
      'POST /portal/tenant/current/webhooks/{id}/replay-failed',
    ];
    for (const route of expected) expect(documented, route).toContain(route);
    for (const route of expected) {
      const [method, url] = route.split(' ') as [string, string];
      const fastifyUrl = url.replace(/\{(\w+)\}/g, ':$1');
      expect(app.hasRoute({ method, url: fastifyUrl }), route).toBe(true);
    }
    expect(documented.size).toBe(expected.length);
  });

  it('documents every route of the contract, and the neutral process states instead of PM2 words', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.sort()).toEqual([...ROUTE_KEYS].sort());
    const text = JSON.stringify(doc);
    // Control: the field and its values are in the document, so the searches below read the real thing.
    expect(text).toContain('"processState"');
    for (const state of PROCESS_STATES) expect(text).toContain(`"${state}"`);
    for (const word of ['pm2', 'online', 'launching']) expect(text.toLowerCase()).not.toContain(word);
  });

  it('documents the public API: bearer tenant key on every /v1 route, with examples', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.components.securitySchemes.tenantKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const v1 = Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>).filter(
      ([p]) => p.startsWith('/v1/'),
    );
    expect(v1.map(([p]) => p).sort()).toEqual([
      '/v1/messages',
      '/v1/messages/{id}',
      '/v1/session',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
      '/v1/webhooks/{id}/deliveries/{deliveryId}/replay',
      '/v1/webhooks/{id}/replay-failed',
      '/v1/webhooks/{id}/resume',
      '/v1/webhooks/{id}/rotate-secret',
      '/v1/webhooks/{id}/test',
    ]);
    for (const [p, ops] of v1) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.security, `${method} ${p}`).toEqual([{ tenantKey: [] }]);
        expect(String(op.summary), `${method} ${p}`).toMatch(
          /scope (messages:read|messages:send|session:read|webhooks:manage)/,
        );
        expect(JSON.stringify(op), `${method} ${p}`).toMatch(/"examples?"/);
      }
    }
    // Two examples of a send: a text, and a file with its caption.
    const send = doc.paths['/v1/messages'].post;
    const examples = Object.values(
      send.requestBody.content['application/json'].examples as Record<string, { value: unknown }>,
    ).map((e) => e.value);
    expect(examples).toMatchObject([
      { to: '+4915112345678', text: 'Your order 1042 has shipped.' },
      { to: '+4915112345678', media: { fileName: 'invoice-1042.pdf', mimeType: 'application/pdf' } },
    ]);
  });

  it.each([
    ['POST', '/admin/tenants', { slug: 'Bad Slug!', name: 'x' }, 'body/slug'],
    ['POST', '/admin/tenants', { slug: 'okay' }, 'name'],
    ['POST', '/admin/tenants', { slug: 'okay', name: 'x', extra: 1 }, 'extra'],
    ['POST', '/admin/tenants', '{not json', ''],
    ['POST', '/admin/users', { email: 'nope', name: 'x', password: 'longenough' }, 'body/email'],
    ['PATCH', '/admin/tenants/contract', { slug: 'renamed' }, 'slug'],
    ['POST', '/admin/tenants/contract/simulate', { type: 'explode' }, 'body/type'],
  ])(
    'refuses a malformed admin request %s %s with 400 naming the field',
    async (method, url, payload, field) => {
      const res = await app.inject({
        method: method as 'POST',
        url,
        headers: { ...adminHeaders, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.message).toContain(field);
    },
  );

  it.each([
    ['/admin/tenants/contract/logs?lines=abc', 'querystring/lines'],
    ['/admin/tenants/contract/logs?lines=0', 'querystring/lines'],
    ['/admin/tenants/contract/logs?level=loud', 'querystring/level'],
    ['/admin/tenants/contract/logs?since=yesterday', 'querystring/since'],
    ['/admin/audit?limit=-1', 'querystring/limit'],
    ['/admin/users/not-a-uuid', 'params/id'],
    ['/admin/tenants/contract/worker/history?limit=0', 'querystring/limit'],
    ['/admin/tenants/contract/worker/history?limit=501', 'querystring/limit'],
    ['/admin/tenants/contract/worker/history?limit=abc', 'querystring/limit'],
    ['/admin/tenants/contract/worker/history?since=today', 'querystring'],
    ['/admin/tenants/Bad.Slug!/worker/history', 'params/tenant'],
  ])('refuses a malformed admin query %s with 400', async (url, field) => {
    const res = await app.inject({ method: 'GET', url, headers: adminHeaders });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(field);
  });

  it('answers a well-formed worker history query (positive control of the 400s above)', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/admin/tenants/contract/worker/history?limit=500',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(res.json().items)).toBe(true);
  });

  it.each([
    ['GET', '/portal/tenant/current/logs?limit=1000', undefined, 'querystring/limit'],
    ['GET', '/portal/tenant/current/logs?direction=SIDEWAYS', undefined, 'querystring/direction'],
    ['GET', '/portal/tenant/current/logs?cursor=garbage', undefined, 'cursor'],
    ['GET', '/portal/tenant/current/logs?from=monday', undefined, 'querystring/from'],
    ['GET', '/portal/tenant/current/stats?days=1000', undefined, 'querystring/days'],
    ['POST', '/portal/tenant/current/messages', { to: 'abc', text: 'hi' }, 'body/to'],
    ['POST', '/portal/tenant/current/messages', { to: '4915112345678' }, 'text'],
    [
      'POST',
      '/portal/tenant/current/auto-replies',
      { name: 'r', matchType: 'REGEX', pattern: '(', reply: 'x' },
      'body/pattern',
    ],
    [
      'POST',
      '/portal/tenant/current/auto-replies',
      { name: 'r', matchType: 'REGEX', pattern: '(?=a)b', reply: 'x' },
      'body/pattern is not a usable regular expression (invalid or unsupported Perl syntax',
    ],
    [
      'POST',
      '/portal/tenant/current/auto-replies',
      { name: 'r', matchType: 'REGEX', pattern: '.{999}.{999}', reply: 'x' },
      'body/pattern is too complex (program size 2000, at most 1000)',
    ],
    [
      'POST',
      '/portal/tenant/current/auto-replies',
      { name: 'r', matchType: 'FUZZY', reply: 'x' },
      'body/matchType',
    ],
    ['PATCH', '/portal/tenant/current/auto-replies/123', { name: 'x' }, 'params/id'],
  ])('refuses a malformed portal request %s %s with 400', async (method, url, payload, field) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: portalHeaders('owner@contract.test'),
      ...(payload ? { payload } : {}),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(field);
  });

  it.each([
    ['a lone surrogate', 'order a\udfffb', 'body/notes: not valid text'],
    ['a NUL character', 'nul\u0000byte', 'body/notes: not valid text'],
    ['a lone surrogate in a key', { ok: 1, ['x\ud800']: 2 }, 'body/extra/x\ufffd: not valid text'],
  ])('refuses a body string with %s (400 naming it, nothing written)', async (_what, notes, field) => {
    const before = await stack.db.setupRequest.count();
    const payload = typeof notes === 'string' ? { notes } : { notes: 'fine', extra: notes };
    const res = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/setup-requests',
      headers: { ...portalHeaders('owner@contract.test'), 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(field);
    expect(await stack.db.setupRequest.count()).toBe(before);
  });

  it('takes text with emoji and other non-ASCII characters (positive control of the refusals above)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/setup-requests',
      headers: portalHeaders('owner@contract.test'),
      payload: { notes: 'Grüße 😀 — 你好' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().notes).toBe('Grüße 😀 — 你好');
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('serves Prometheus metrics', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('wa_workers{status="STOPPED"} 1');
    expect(res.body).toContain('wa_http_request_duration_seconds_bucket');
    expect(res.body).toContain('wa_send_queue_depth{tenant="contract"} 0');
  });
});
