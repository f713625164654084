import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { findAccessibilityProblems } from './support/accessibility.ts';
import { fitsWidth, launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { DEMO, seedDemo } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

describe('API keys page (real control plane, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let demoTenantId: string;

  const signedIn = async (email: string, opts: { phone?: boolean } = {}): Promise<Page> => {
    const page = await (await newContext(browser, opts)).newPage();
    await signIn(page, stack.portalUrl, email, TEST_PASSWORD);
    return page;
  };
  /** The public API, called the way an integration would: straight at the control plane with the key. */
  const callV1 = async (method: string, pathname: string, key: string, body?: unknown) => {
    const res = await fetch(`${stack.controlPlaneUrl}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await startStack();
    seedDemo(stack);
    demoTenantId = (await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } })).id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a tenant admin creates a key, sees it once, uses it on /v1, and revoking it stops it at once', async () => {
    const owner = await signedIn(DEMO.owner);
    await owner.goto(`${stack.portalUrl}/overview`);
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await owner.waitForURL(/\/api-keys$/);
    await owner.getByText('No API keys yet.').waitFor();

    await owner.getByLabel('Name').fill('CRM integration');
    await owner.getByLabel(/messages:send/).check();
    await owner.getByLabel(/session:read/).check();
    await owner.getByLabel('Expires').selectOption('90');
    await owner.getByRole('button', { name: 'Create key' }).click();
    const secret = (await owner.getByTestId('new-key-secret').textContent()) ?? '';
    expect(secret).toMatch(/^wak_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    const keyId = secret.split('_')[1]!;
    const row = owner.locator(`tr[data-key-id="${keyId}"]`);
    await expect(row.textContent()).resolves.toContain('messages:send, session:read');
    await expect(row.locator('[data-status]').textContent()).resolves.toBe('ACTIVE');

    // The key works on the public API, within its scopes only.
    const session = await callV1('GET', '/v1/session', secret);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ tenant: { slug: DEMO.tenant } });
    const sent = await callV1('POST', '/v1/messages', secret, { to: '4915100000042', text: 'sent by key' });
    expect(sent.status).toBe(202);
    const refused = await callV1('GET', '/v1/messages', secret);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('messages:read');
    const message = await stack.db.messageLog.findUniqueOrThrow({ where: { id: String(sent.body.id) } });
    expect(message).toMatchObject({
      tenantId: demoTenantId,
      sentByKind: 'API_KEY',
      sentByLabel: `CRM integration (wak_${keyId})`,
    });

    // Shown once: after "stored it" and a reload the page holds the key's public id, never its secret.
    await owner.getByRole('button', { name: 'I have stored it' }).click();
    await owner.reload();
    await row.waitFor();
    const html = await owner.content();
    expect(html).toContain(`wak_${keyId}_`);
    expect(html).not.toContain(secret);
    expect(html).not.toContain(secret.slice(-43));
    // The use above was recorded: "Last used" is no longer "never"; it and the expiry are local times with
    // their zone.
    const zoned = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d$/;
    await expect(row.locator('td[data-label="Last used"]').textContent()).resolves.toMatch(zoned);
    await expect(row.locator('td[data-label="Expires"]').textContent()).resolves.toMatch(zoned);
    expect(await findAccessibilityProblems(owner)).toEqual([]);
    await saveScreenshot(owner, 'api-keys.png', 'api-keys.png');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await owner.getByRole('alertdialog').waitFor();
    // Nothing happens before the confirmation.
    expect((await callV1('GET', '/v1/session', secret)).status).toBe(200);
    await owner.getByRole('button', { name: 'Yes, revoke' }).click();
    await waitFor(
      'row shows REVOKED',
      async () => (await row.locator('[data-status]').textContent()) === 'REVOKED',
      {
        timeoutMs: 10_000,
      },
    );
    const afterRevoke = await callV1('GET', '/v1/session', secret);
    expect(afterRevoke.status).toBe(401);
    expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);

    const audit = await stack.db.auditLog.findMany({
      where: { tenantId: demoTenantId, action: { in: ['api-key.create', 'api-key.revoke', 'message.send'] } },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['api-key.create', `user:${DEMO.owner}`],
      ['message.send', `tenant-key:${keyId}`],
      ['api-key.revoke', `user:${DEMO.owner}`],
    ]);
    await owner.context().close();
  });

  it('on a phone the page fits the screen', async () => {
    const page = await signedIn(DEMO.owner, { phone: true });
    await page.goto(`${stack.portalUrl}/api-keys`);
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await page.context().close();
  });

  it('an OPERATOR and a VIEWER get no link and a notice; their forged create gets 403 naming TENANT_ADMIN', async () => {
    const before = await stack.db.apiKey.count();
    for (const email of [DEMO.operator, DEMO.viewer]) {
      const page = await signedIn(email);
      await page.goto(`${stack.portalUrl}/overview`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).waitFor();
      expect(await page.getByRole('link', { name: 'API keys' }).count(), email).toBe(0);
      await page.goto(`${stack.portalUrl}/api-keys`);
      await expect(page.getByTestId('forbidden-notice').textContent()).resolves.toContain('TENANT_ADMIN');
      expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      for (const [method, url] of [
        ['post', '/api/tenant/api-keys'],
        ['get', '/api/tenant/api-keys'],
      ] as const) {
        const res = await page.request[method](`${stack.portalUrl}${url}`, {
          headers: { origin: stack.portalUrl },
          ...(method === 'post' ? { data: { name: 'mine', scopes: ['messages:send'] } } : {}),
        });
        expect(res.status(), `${email} ${method}`).toBe(403);
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
          'TENANT_ADMIN',
        );
      }
      await page.context().close();
    }
    expect(await stack.db.apiKey.count()).toBe(before);

    // Control: the same request from the tenant admin creates a key.
    const owner = await signedIn(DEMO.owner);
    const created = await owner.request.post(`${stack.portalUrl}/api/tenant/api-keys`, {
      headers: { origin: stack.portalUrl },
      data: { name: 'control', scopes: ['messages:send'] },
    });
    expect(created.status()).toBe(201);
    expect(await stack.db.apiKey.count()).toBe(before + 1);
    await owner.context().close();
  });
});
