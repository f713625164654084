// Sessions as the browser sees them (copied cookies, sign-out, password change, deactivation, "sign out
// everywhere", a cookie minted from SESSION_SECRET alone) and the portal's own request checks (Origin,
// body size, security headers). Real control plane, portal and Chromium.
import http from 'node:http';
import { sealData } from 'iron-session';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newContext, signIn } from './support/browser.ts';
import { TEST_PASSWORD, TEST_SESSION_SECRET } from './support/keys.ts';
import { DEMO, seedDemo } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

const COOKIE = 'wa_portal_session';

let stack: E2eStack;
let browser: Browser;
let base: string;

beforeAll(async () => {
  stack = await startStack();
  seedDemo(stack);
  base = stack.portalUrl;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Signs in through the real form and returns the context plus a second one holding a copy of the cookie. */
async function signedInWithCopy(email: string): Promise<{ own: BrowserContext; copy: BrowserContext }> {
  const own = await newContext(browser);
  await signIn(await own.newPage(), base, email, TEST_PASSWORD);
  const copy = await newContext(browser);
  await copy.addCookies(await own.cookies());
  return { own, copy };
}

/** Opens `path` in the context; returns the path the browser ended on. */
async function landOn(context: BrowserContext, path: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  await page.waitForLoadState('domcontentloaded');
  const landed = new URL(page.url()).pathname;
  await page.close();
  return landed;
}

async function cookieValue(context: BrowserContext): Promise<string> {
  const found = (await context.cookies()).find((c) => c.name === COOKIE);
  if (!found) throw new Error('no session cookie');
  return found.value;
}

function apiGet(path: string, cookie: string) {
  return fetch(`${base}${path}`, {
    headers: { cookie: `${COOKIE}=${cookie}` },
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
  });
}

async function userId(email: string): Promise<string> {
  return (await stack.db.user.findUniqueOrThrow({ where: { email } })).id;
}

describe('a copied session cookie stops working at once', () => {
  it('after sign-out (it worked just before)', async () => {
    const { own, copy } = await signedInWithCopy(DEMO.owner);
    expect(await landOn(copy, '/overview')).toBe('/overview');
    const page = await own.newPage();
    await page.goto(`${base}/overview`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(await landOn(copy, '/overview')).toBe('/login');
    expect((await apiGet('/api/tenant/current', await cookieValue(copy))).status).toBe(401);
    await own.close();
    await copy.close();
  });

  it('after a password change', async () => {
    const { own, copy } = await signedInWithCopy(DEMO.operator);
    expect(await landOn(copy, '/messages')).toBe('/messages');
    const res = await stack.admin('PATCH', `/admin/users/${await userId(DEMO.operator)}`, {
      password: 'a changed password',
    });
    expect(res.status).toBe(200);
    expect(await landOn(copy, '/messages')).toBe('/login');
    expect(await landOn(own, '/messages')).toBe('/login');
    await stack.admin('PATCH', `/admin/users/${await userId(DEMO.operator)}`, { password: TEST_PASSWORD });
    await own.close();
    await copy.close();
  });

  it('after deactivation', async () => {
    const { own, copy } = await signedInWithCopy(DEMO.viewer);
    expect(await landOn(copy, '/stats')).toBe('/stats');
    const id = await userId(DEMO.viewer);
    expect((await stack.admin('PATCH', `/admin/users/${id}`, { isActive: false })).status).toBe(200);
    expect(await landOn(copy, '/stats')).toBe('/login');
    await stack.admin('PATCH', `/admin/users/${id}`, { isActive: true });
    await own.close();
    await copy.close();
  });

  it('"Sign out everywhere" on the admin users page', async () => {
    const { own, copy } = await signedInWithCopy(DEMO.owner);
    expect(await landOn(copy, '/overview')).toBe('/overview');
    const adminContext = await newContext(browser);
    const admin = await adminContext.newPage();
    await signIn(admin, base, DEMO.admin, TEST_PASSWORD);
    await admin.goto(`${base}/admin/users`);
    await admin.getByRole('button', { name: `Sign ${DEMO.owner} out everywhere` }).click();
    await admin.getByText(`${DEMO.owner} is signed out everywhere.`).waitFor();
    expect(await landOn(copy, '/overview')).toBe('/login');
    expect(await landOn(own, '/overview')).toBe('/login');
    // The admin's own session is untouched.
    expect(await landOn(adminContext, '/admin/users')).toBe('/admin/users');
    await adminContext.close();
    await own.close();
    await copy.close();
  });
});

describe('SESSION_SECRET alone signs nobody in', () => {
  it('a cookie minted with the secret is no super admin; a real one is', async () => {
    const oldStyle = await sealData(
      { email: DEMO.admin, name: 'Minted', isSuperAdmin: true, memberships: [], tenantSlug: DEMO.tenant },
      { password: TEST_SESSION_SECRET, ttl: 3600 },
    );
    const withToken = await sealData({ token: 'B'.repeat(43) }, { password: TEST_SESSION_SECRET, ttl: 3600 });
    for (const minted of [oldStyle, withToken]) {
      expect((await apiGet('/api/admin/users', minted)).status).toBe(401);
      const context = await newContext(browser);
      await context.addCookies([{ name: COOKIE, value: minted, url: base, httpOnly: true, sameSite: 'Lax' }]);
      expect(await landOn(context, '/admin/users')).toBe('/login');
      await context.close();
    }
    const real = await newContext(browser);
    await signIn(await real.newPage(), base, DEMO.admin, TEST_PASSWORD);
    expect((await apiGet('/api/admin/users', await cookieValue(real))).status).toBe(200);
    await real.close();
  });
});

describe('state changes need the portal as Origin', () => {
  const login = (headers: Record<string, string>) =>
    fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: DEMO.owner, password: TEST_PASSWORD }),
      redirect: 'manual',
    });

  it('sign-in from a foreign or missing Origin is 403; from the portal it works', async () => {
    expect((await login({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await login({})).status).toBe(403);
    const ok = await login({ origin: base });
    expect(ok.status).toBe(200);
  });

  it('sign-out from a foreign Origin is 403 and the session lives on; from the portal it ends', async () => {
    const context = await newContext(browser);
    await signIn(await context.newPage(), base, DEMO.owner, TEST_PASSWORD);
    const cookie = await cookieValue(context);
    const logout = (origin?: string) =>
      fetch(`${base}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie: `${COOKIE}=${cookie}`, ...(origin ? { origin } : {}) },
        redirect: 'manual',
      });
    expect((await logout('https://evil.example')).status).toBe(403);
    expect((await logout()).status).toBe(403);
    expect((await apiGet('/api/tenant/current', cookie)).status).toBe(200);
    expect((await logout(base)).status).toBe(303);
    expect((await apiGet('/api/tenant/current', cookie)).status).toBe(401);
    await context.close();
  });
});

describe('body size', () => {
  /** Declares `declared` bytes, sends only `send` of them, and reports the status the portal answered. */
  function post(path: string, opts: { declared?: number; send: number; cookie?: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, base);
      const req = http.request(url, {
        method: 'POST',
        headers: {
          origin: base,
          'content-type': 'application/json',
          ...(opts.cookie ? { cookie: `${COOKIE}=${opts.cookie}` } : {}),
          ...(opts.declared === undefined ? {} : { 'content-length': String(opts.declared) }),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(`{"email":"${'a'.repeat(Math.max(0, opts.send - 12))}`);
      if (opts.declared === undefined) req.end('"}');
    });
  }

  it('a 16 MiB sign-in body is refused with 413 before it is read', async () => {
    // Only 64 KiB of the declared 16 MiB are ever sent: the answer comes before the body.
    expect(await post('/api/auth/login', { declared: 16 * 1024 * 1024, send: 64 * 1024 })).toBe(413);
  });

  it('an oversized body without Content-Length (chunked) is cut off with 413 too', async () => {
    expect(await post('/api/auth/login', { send: 100 * 1024 })).toBe(413);
    const context = await newContext(browser);
    await signIn(await context.newPage(), base, DEMO.operator, TEST_PASSWORD);
    const cookie = await cookieValue(context);
    expect(await post('/api/tenant/auto-replies', { send: 200 * 1024, cookie })).toBe(413);
    expect(
      await post('/api/tenant/auto-replies', { declared: 16 * 1024 * 1024, send: 64 * 1024, cookie }),
    ).toBe(413);
    // A send may carry a file, so its limit is SEND_MEDIA_MAX_BYTES in base64 plus 64 KiB: past that, 413
    // before the body is read.
    expect(await post('/api/tenant/messages', { declared: 64 * 1024 * 1024, send: 64 * 1024, cookie })).toBe(
      413,
    );
    await context.close();
  });

  it('a normal sign-in body is read (positive control: 401 for an unknown account, not 413)', async () => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ email: 'nobody@demo.local', password: 'wrong' }),
    });
    expect(res.status).toBe(401);
  });
});

describe('security headers', () => {
  it('every page carries a nonce CSP, framing and referrer rules; HSTS only over https', async () => {
    for (const path of ['/login', '/overview']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
    const https = await fetch(`${base}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('route handlers answer with a CSP that allows nothing, and no framing; HSTS only over https', async () => {
    for (const path of ['/api/tenant/current', '/api/admin/users']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-security-policy'), path).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
    const https = await fetch(`${base}/api/tenant/current`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('under that CSP the pages still run their scripts (sign-in works) and report no violation', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await signIn(page, base, DEMO.owner, TEST_PASSWORD);
    await page.goto(`${base}/messages`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(violations).toEqual([]);
    await context.close();
  });
});
