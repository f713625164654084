import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import {
  ADMIN_KEY,
  adminHeaders,
  buildAppLoggingToFile,
  createTenant,
  createTestStack,
  createUser,
  PASSWORD,
  PORTAL_KEY,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

type LogLine = Record<string, unknown>;

let stack: TestStack;
let app: FastifyInstance;
let logFile: string;

function readLog(): { raw: string; lines: LogLine[] } {
  const raw = readFileSync(logFile, 'utf8');
  const lines = raw
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as LogLine);
  return { raw, lines };
}

const requestLines = (match: (line: LogLine) => boolean) =>
  readLog().lines.filter((l) => l.msg === 'request completed' && match(l));

/** The hook runs once the response is sent, which may be just after inject() resolves: poll for it. */
function waitForRequestLine(what: string, match: (line: LogLine) => boolean): Promise<LogLine> {
  return waitFor(`request log line for ${what}`, () => requestLines(match)[0], { timeoutMs: 5_000 });
}

beforeAll(async () => {
  stack = await createTestStack();
  // debug, as on-call would set it while chasing a problem: shows where the quiet lines go.
  ({ app, logFile } = await buildAppLoggingToFile(stack));
  // A route that fails the way a bug would, to see what a 5xx leaves in the log.
  app.get('/test-only/boom', async () => {
    throw new Error('database exploded');
  });
  await app.ready();
  const tenant = await createTenant(stack.db, 'logged');
  await createUser(stack.db, 'owner@logged.test', [{ tenantId: tenant.id, role: 'TENANT_ADMIN' }]);
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('request logging', () => {
  it('writes one info line for a mutation, with method, path, status, time, actor and request id', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: { ...adminHeaders, 'x-request-id': 'req-create-1' },
      payload: { slug: 'new-shop', name: 'New Shop' },
    });
    expect(res.statusCode).toBe(201);
    await waitForRequestLine('POST /admin/tenants', (l) => l.reqId === 'req-create-1');

    const lines = readLog().lines.filter((l) => l.reqId === 'req-create-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      method: 'POST',
      url: '/admin/tenants',
      statusCode: 201,
      actor: 'api-key',
    });
    expect(typeof lines[0]!.responseTimeMs).toBe('number');
    expect(readLog().lines.some((l) => l.msg === 'incoming request')).toBe(false);
  });

  it('keeps successful polling reads below info, and logs refused reads at info', async () => {
    for (const url of ['/health', '/ready', '/metrics']) {
      expect(
        (await app.inject({ method: 'GET', url, headers: { 'x-request-id': `poll${url}` } })).statusCode,
      ).toBe(200);
    }
    const current = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current',
      headers: { ...portalHeaders('owner@logged.test'), 'x-request-id': 'poll-portal' },
    });
    expect(current.statusCode).toBe(200);
    const refused = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current',
      headers: {
        'x-portal-key': 'wrong-portal-key-value',
        'x-user-email': 'owner@logged.test',
        'x-request-id': 'poll-refused',
      },
    });
    expect(refused.statusCode).toBe(401);

    await waitForRequestLine('the refused read', (l) => l.reqId === 'poll-refused');
    await waitForRequestLine('the portal poll', (l) => l.reqId === 'poll-portal');
    for (const reqId of ['poll/health', 'poll/ready', 'poll/metrics', 'poll-portal']) {
      const lines = readLog().lines.filter((l) => l.reqId === reqId);
      expect(lines, reqId).toHaveLength(1);
      expect(lines[0]!.level, reqId).toBe('debug');
    }
    expect(requestLines((l) => l.reqId === 'poll-portal')[0]).toMatchObject({
      url: '/portal/tenant/current',
      actor: 'owner@logged.test',
    });
    // What an info-level control-plane.log (the default) shows of all those polls: only the refusal.
    const infoAndUp = requestLines((l) => l.level !== 'debug' && String(l.reqId).startsWith('poll'));
    expect(infoAndUp.map((l) => [l.reqId, l.statusCode])).toEqual([['poll-refused', 401]]);
    expect(infoAndUp[0]).not.toHaveProperty('actor');
  });

  it('logs query parameter names but never their values', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/admin/tenants/logged/logs?lines=abc&level=sk_live_QUERYSECRET',
      headers: { ...adminHeaders, 'x-request-id': 'query-1' },
    });
    expect(res.statusCode).toBe(400);
    const line = await waitForRequestLine('the query request', (l) => l.reqId === 'query-1');
    expect(line).toMatchObject({
      level: 'info',
      url: '/admin/tenants/logged/logs?lines&level',
      statusCode: 400,
    });
    expect(readLog().raw).not.toContain('QUERYSECRET');
  });

  it('logs a server error at warn, sharing its request id with the error line that holds the stack', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/test-only/boom',
      headers: { 'x-request-id': 'boom-1' },
    });
    expect(res.statusCode).toBe(500);
    const line = await waitForRequestLine('the 500', (l) => l.reqId === 'boom-1');
    expect(line).toMatchObject({ level: 'warn', method: 'GET', url: '/test-only/boom', statusCode: 500 });
    const errorLine = readLog().lines.find((l) => l.reqId === 'boom-1' && l.level === 'error');
    expect((errorLine?.err as { message?: string } | undefined)?.message).toBe('database exploded');
  });

  it('never writes a key, a password or a header value to the log', async () => {
    const badKey = 'Bearer not-the-admin-key-WRONGKEY';
    const responses = await Promise.all([
      app.inject({
        method: 'DELETE',
        url: '/admin/tenants/new-shop',
        headers: { authorization: badKey, 'x-request-id': 'secret-1' },
      }),
      app.inject({
        method: 'POST',
        url: '/portal/auth/login',
        headers: { 'x-portal-key': PORTAL_KEY, 'x-request-id': 'secret-2' },
        payload: { email: 'owner@logged.test', password: PASSWORD },
      }),
      app.inject({
        method: 'POST',
        url: '/portal/tenant/current/auto-replies',
        headers: { ...portalHeaders('owner@logged.test'), 'x-request-id': 'secret-3' },
        payload: { name: 'hello', matchType: 'EXACT', pattern: 'hi', reply: 'hello there' },
      }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([401, 200, 201]);
    for (const reqId of ['secret-1', 'secret-2', 'secret-3']) {
      await waitForRequestLine(reqId, (l) => l.reqId === reqId);
    }
    expect(requestLines((l) => l.reqId === 'secret-3')[0]).toMatchObject({
      level: 'info',
      method: 'POST',
      statusCode: 201,
      actor: 'owner@logged.test',
    });

    const { raw, lines } = readLog();
    const sessionTokens = [
      responses[1].json<{ session: { token: string } }>().session.token,
      portalHeaders('owner@logged.test')['x-session-token']!,
    ];
    for (const secret of [
      ADMIN_KEY,
      PORTAL_KEY,
      'WRONGKEY',
      PASSWORD,
      'x-portal-key',
      'authorization',
      ...sessionTokens,
    ]) {
      expect(raw, secret).not.toContain(secret);
    }
    expect(lines.some((l) => 'headers' in l || 'req' in l)).toBe(false);
  });
});
