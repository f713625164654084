// Server-side sessions and sign-in limits, through real HTTP against two control planes sharing one
// database and one Redis (as two instances behind a load balancer would).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  ADMIN_KEY,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  PASSWORD,
  PORTAL_KEY,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let second: FastifyInstance;
let busy: FastifyInstance;
let url: string;
let secondUrl: string;
let busyUrl: string;
let shopId: string;
let nextAddress = 1;
/** A client address no other test uses, so counters of one test never leak into another. */
const freshAddress = () => `203.0.113.${nextAddress++}`;

const admin = { authorization: `Bearer ${ADMIN_KEY}` };

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

function signIn(email: string, password: string, address: string, base = url) {
  return call(
    base,
    'POST',
    '/portal/auth/login',
    { 'x-portal-key': PORTAL_KEY, 'x-client-address': address, 'x-client-user-agent': 'vitest' },
    { email, password },
  );
}

async function tokenFor(email: string): Promise<string> {
  const res = await signIn(email, PASSWORD, freshAddress());
  expect(res.status).toBe(200);
  return res.json.session.token as string;
}

const asSession = (token: string) => ({ 'x-portal-key': PORTAL_KEY, 'x-session-token': token });

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  second = await buildTestApp(stack);
  busy = await buildTestApp(stack, {}, { LOGIN_MAX_CONCURRENT_HASHES: '1' });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  secondUrl = await second.listen({ host: '127.0.0.1', port: 0 });
  busyUrl = await busy.listen({ host: '127.0.0.1', port: 0 });
  shopId = (await createTenant(stack.db, 'shop')).id;
  await createUser(stack.db, 'owner@shop.test', [{ tenantId: shopId, role: 'TENANT_ADMIN' }]);
  await createUser(stack.db, 'root@platform.test', [{ tenantId: null, role: 'SUPER_ADMIN' }]);
  for (let i = 0; i < 12; i++) {
    await createUser(stack.db, `member${i}@shop.test`, [{ tenantId: shopId, role: 'VIEWER' }]);
  }
});

afterAll(async () => {
  await app?.close();
  await second?.close();
  await busy?.close();
  await stack?.cleanup();
});

describe('the portal key identifies the portal, not a user', () => {
  it('portal key + a user email reads nothing; the same user with a real session does', async () => {
    const byEmail = { 'x-portal-key': PORTAL_KEY, 'x-user-email': 'owner@shop.test' };
    expect((await call(url, 'GET', '/portal/tenant/current', byEmail)).status).toBe(401);
    expect((await call(url, 'GET', '/portal/tenant/current/auto-replies', byEmail)).status).toBe(401);
    const token = await tokenFor('owner@shop.test');
    const real = await call(url, 'GET', '/portal/tenant/current', asSession(token));
    expect(real.status).toBe(200);
    expect(real.json.tenant.slug).toBe('shop');
  });

  it("portal key + a super admin's email reaches no admin route; a super admin's session does", async () => {
    const byEmail = { 'x-portal-key': PORTAL_KEY, 'x-user-email': 'root@platform.test' };
    for (const path of ['/admin/tenants', '/admin/users', '/admin/audit', '/admin/workers']) {
      expect((await call(url, 'GET', path, byEmail)).status, path).toBe(401);
    }
    const token = await tokenFor('root@platform.test');
    const users = await call(url, 'GET', '/admin/users', asSession(token));
    expect(users.status).toBe(200);
    expect(users.json.items.length).toBeGreaterThan(2);
    // A tenant member's session is a session, but not an admin one.
    const member = await tokenFor('owner@shop.test');
    expect((await call(url, 'GET', '/admin/users', asSession(member))).status).toBe(403);
  });

  it('with only the portal key, sign-in answers and nothing else does', async () => {
    const keyOnly = { 'x-portal-key': PORTAL_KEY };
    for (const path of ['/portal/tenant/current', '/portal/auth/session', '/admin/tenants', '/admin/users']) {
      expect((await call(url, 'GET', path, keyOnly)).status, path).toBe(401);
    }
    const forged = asSession('A'.repeat(43));
    expect((await call(url, 'GET', '/portal/tenant/current', forged)).status).toBe(401);
    expect((await signIn('owner@shop.test', PASSWORD, freshAddress())).status).toBe(200);
  });

  it('stores only a hash of the token, with expiry, address and agent', async () => {
    const token = await tokenFor('member11@shop.test');
    const rows = await stack.db.portalSession.findMany({
      where: { user: { email: 'member11@shop.test' }, userAgent: 'vitest' },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.clientAddress).toMatch(/^203\.0\.113\./);
    expect(rows[0]!.userAgent).toBe('vitest');
    expect(rows[0]!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
  });
});

describe('sessions end at once', () => {
  it('sign-out: the copied token worked just before and is refused with the next request', async () => {
    const token = await tokenFor('owner@shop.test');
    expect((await call(url, 'GET', '/portal/auth/session', asSession(token))).status).toBe(200);
    expect((await call(url, 'POST', '/portal/auth/logout', asSession(token))).status).toBe(204);
    expect((await call(url, 'GET', '/portal/auth/session', asSession(token))).status).toBe(401);
    expect((await call(secondUrl, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(401);
  });

  it('a password change ends every session of the user; the new password signs in', async () => {
    const user = await stack.db.user.findUniqueOrThrow({ where: { email: 'member1@shop.test' } });
    const token = await tokenFor('member1@shop.test');
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(200);
    const patched = await call(url, 'PATCH', `/admin/users/${user.id}`, admin, {
      password: 'a new password',
    });
    expect(patched.status).toBe(200);
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(401);
    expect((await signIn('member1@shop.test', 'a new password', freshAddress())).status).toBe(200);
  });

  it('a name change alone keeps the session (only credentials and deactivation end it)', async () => {
    const user = await stack.db.user.findUniqueOrThrow({ where: { email: 'member2@shop.test' } });
    const token = await tokenFor('member2@shop.test');
    expect((await call(url, 'PATCH', `/admin/users/${user.id}`, admin, { name: 'Renamed' })).status).toBe(
      200,
    );
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(200);
  });

  it('deactivation ends the session; re-activation does not bring it back', async () => {
    const user = await stack.db.user.findUniqueOrThrow({ where: { email: 'member3@shop.test' } });
    const token = await tokenFor('member3@shop.test');
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(200);
    expect((await call(url, 'PATCH', `/admin/users/${user.id}`, admin, { isActive: false })).status).toBe(
      200,
    );
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(401);
    expect((await call(url, 'PATCH', `/admin/users/${user.id}`, admin, { isActive: true })).status).toBe(200);
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(token))).status).toBe(401);
  });

  it('"sign out everywhere" by a super admin ends all sessions of that user only', async () => {
    const user = await stack.db.user.findUniqueOrThrow({ where: { email: 'member4@shop.test' } });
    const before = await stack.db.portalSession.count({ where: { userId: user.id } });
    const phone = await tokenFor('member4@shop.test');
    const laptop = await tokenFor('member4@shop.test');
    const bystander = await tokenFor('member5@shop.test');
    for (const t of [phone, laptop]) {
      expect((await call(url, 'GET', '/portal/tenant/current', asSession(t))).status).toBe(200);
    }
    const root = await tokenFor('root@platform.test');
    const ended = await call(url, 'DELETE', `/admin/users/${user.id}/sessions`, asSession(root));
    expect(ended.status).toBe(200);
    expect(ended.json.ended).toBe(before + 2);
    expect(await stack.db.portalSession.count({ where: { userId: user.id } })).toBe(0);
    for (const t of [phone, laptop]) {
      expect((await call(url, 'GET', '/portal/tenant/current', asSession(t))).status).toBe(401);
    }
    expect((await call(url, 'GET', '/portal/tenant/current', asSession(bystander))).status).toBe(200);
    const audit = await stack.db.auditLog.findFirst({ where: { action: 'user.sessions.end' } });
    expect(audit?.actor).toBe('user:root@platform.test');
  });
});

describe('sign-in limits', () => {
  it('eleven wrong passwords from one address do not stop the owner signing in from another', async () => {
    const attacker = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 11; i++)
      codes.push((await signIn('member6@shop.test', `guess-${i}`, attacker)).status);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    // Past the free failures the attacking address has to wait; it is answered without a password check.
    expect(codes.slice(5).every((c) => c === 429)).toBe(true);
    const delayed = await signIn('member6@shop.test', PASSWORD, attacker);
    expect(delayed.status).toBe(429);
    expect(Number(delayed.headers.get('retry-after'))).toBeGreaterThan(0);
    // The owner, from an address that has not failed, on the other control plane: straight in.
    const owner = await signIn('member6@shop.test', PASSWORD, freshAddress(), secondUrl);
    expect(owner.status).toBe(200);
  });

  it('a new address that fails on a guessed account joins the delayed ones (one guess per address)', async () => {
    for (let i = 0; i < 5; i++) await signIn('member7@shop.test', `guess-${i}`, freshAddress());
    const next = freshAddress();
    expect((await signIn('member7@shop.test', 'another guess', next)).status).toBe(401);
    expect((await signIn('member7@shop.test', 'and another', next)).status).toBe(429);
  });

  it('spraying one password over many accounts from one address gets 429, on every control plane', async () => {
    const sprayer = freshAddress();
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const base = i % 2 === 0 ? url : secondUrl;
      codes.push((await signIn(`member${i}@shop.test`, 'Summer2026!', sprayer, base)).status);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual([429, 429]);
    const limited = await signIn('member8@shop.test', PASSWORD, sprayer);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Positive control: the same account from another address is not affected.
    expect((await signIn('member8@shop.test', PASSWORD, freshAddress())).status).toBe(200);
  });

  it('x-client-address counts only from the portal: without the key sign-in is refused outright', async () => {
    const res = await call(
      url,
      'POST',
      '/portal/auth/login',
      { 'x-client-address': freshAddress() },
      { email: 'owner@shop.test', password: PASSWORD },
    );
    expect(res.status).toBe(401);
  });

  it('past the cap on concurrent password hashes, sign-in answers 503 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        signIn(`member${i % 12}@shop.test`, `parallel-${i}`, freshAddress(), busyUrl),
      ),
    );
    const busyAnswers = answers.filter((a) => a.status === 503);
    expect(busyAnswers.length).toBeGreaterThan(0);
    expect(busyAnswers[0]!.json.error.code).toBe('BUSY');
    expect(busyAnswers[0]!.headers.get('retry-after')).toBe('1');
    // The ones that got a slot were really checked.
    expect(answers.some((a) => a.status === 401)).toBe(true);
  });
});
