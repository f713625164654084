// What a user is not allowed to see, seen through the real portal in Chromium: the linking QR is for
// tenant admins only, and a DISABLED tenant's pages show why instead of its data.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { DEMO, seedDemo, startWorker, waitForWorkerQr } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

describe('tenant access in the portal (real control plane, simulator worker, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let demoTenantId: string;

  beforeAll(async () => {
    stack = await startStack();
    seedDemo(stack);
    demoTenantId = (await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } })).id;
    await startWorker(stack, DEMO.tenant);
    await waitForWorkerQr(stack, demoTenantId);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('an OPERATOR and a VIEWER are told to ask an admin, and get no QR even by asking the API; the owner sees it', async () => {
    for (const email of [DEMO.operator, DEMO.viewer]) {
      const context = await newContext(browser);
      const page = await context.newPage();
      await signIn(page, stack.portalUrl, email, TEST_PASSWORD);
      await page.goto(`${stack.portalUrl}/overview`);
      await page.getByTestId('qr-ask-admin').waitFor();
      await expect(page.getByTestId('qr-ask-admin').textContent()).resolves.toContain('Ask a tenant admin');
      expect(await page.getByRole('img', { name: /QR code/ }).count()).toBe(0);
      const res = await page.request.get(`${stack.portalUrl}/api/tenant/qr`);
      expect(res.status()).toBe(403);
      expect(await res.text()).not.toContain('data:image');
      await context.close();
    }
    const context = await newContext(browser);
    const owner = await context.newPage();
    await signIn(owner, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
    await owner.goto(`${stack.portalUrl}/overview`);
    await owner.getByRole('img', { name: /QR code/ }).waitFor();
    expect(await owner.getByTestId('qr-ask-admin').count()).toBe(0);
    await context.close();
  });

  it('the message list says who sent an outbound message; a received one names no sender', async () => {
    await stack.db.messageLog.create({
      data: {
        tenantId: demoTenantId,
        direction: 'IN',
        fromNumber: '4915550007',
        toNumber: '',
        body: 'a received message',
        status: 'RECEIVED',
      },
    });
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, stack.portalUrl, DEMO.operator, TEST_PASSWORD);
    const res = await page.request.post(`${stack.portalUrl}/api/tenant/messages`, {
      data: { to: '4915550008', text: 'sent by the operator' },
      headers: { origin: stack.portalUrl },
    });
    expect(res.status()).toBe(202);
    await page.goto(`${stack.portalUrl}/messages`);
    const sent = page.getByTestId('message-row').filter({ hasText: 'sent by the operator' });
    const received = page.getByTestId('message-row').filter({ hasText: 'a received message' });
    await sent.waitFor();
    await received.waitFor();
    await expect(sent.getByTestId('message-sent-by').textContent()).resolves.toBe(`by ${DEMO.operator}`);
    expect(await received.getByTestId('message-sent-by').count()).toBe(0);
    await context.close();
  });

  it('a DISABLED tenant: every page shows the notice instead of data; enabling brings the pages back', async () => {
    const context = await newContext(browser);
    const owner = await context.newPage();
    await signIn(owner, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
    await owner.goto(`${stack.portalUrl}/overview`);
    await owner.getByTestId('worker-status').waitFor();

    expect((await stack.admin('PATCH', `/admin/tenants/${DEMO.tenant}`, { status: 'DISABLED' })).status).toBe(
      200,
    );
    for (const page of ['overview', 'messages', 'send', 'auto-replies', 'stats', 'setup']) {
      await owner.goto(`${stack.portalUrl}/${page}`);
      await owner.getByTestId('tenant-disabled-notice').waitFor();
      await expect(owner.getByTestId('tenant-disabled-notice').textContent()).resolves.toContain(
        'This tenant is disabled',
      );
      expect(await owner.getByTestId('worker-status').count(), page).toBe(0);
      expect(await owner.getByRole('table').count(), page).toBe(0);
      expect(await owner.getByRole('button', { name: /send|save|restart|request/i }).count(), page).toBe(0);
    }
    await saveScreenshot(owner, 'tenant-disabled.png');
    const api = await owner.request.get(`${stack.portalUrl}/api/tenant/messages`);
    expect(api.status()).toBe(403);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('TENANT_DISABLED');
    await waitFor(
      'worker stopped',
      async () =>
        (await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId: demoTenantId } })).status ===
        'STOPPED',
      { timeoutMs: 20_000, intervalMs: 200 },
    );

    expect((await stack.admin('PATCH', `/admin/tenants/${DEMO.tenant}`, { status: 'ACTIVE' })).status).toBe(
      200,
    );
    await owner.goto(`${stack.portalUrl}/overview`);
    await owner.getByTestId('worker-status').waitFor();
    expect(await owner.getByTestId('tenant-disabled-notice').count()).toBe(0);
    await context.close();
  });
});
