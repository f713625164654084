import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { findAccessibilityProblems } from './support/accessibility.ts';
import { launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { DEMO, seedDemo } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

describe('Webhooks page (real control plane, real receiver, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let receiver: http.Server;
  const received: { raw: string; signature: string; status: number }[] = [];

  beforeAll(async () => {
    stack = await startStack();
    seedDemo(stack);
    browser = await launchBrowser();
    // Answers 503 to the first request, 200 to every later one.
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = received.length === 0 ? 503 : 200;
        received.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['wa-fleet-signature']),
          status,
        });
        res.writeHead(status).end(status === 200 ? 'got it' : 'try later');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await browser?.close();
    await stack?.stop();
  });

  it("a tenant admin adds an endpoint, sends a test event and sees the delivery's attempts", async () => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
    await page.goto(`${stack.portalUrl}/overview`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL(/\/webhooks$/);
    await page.getByText('No webhook endpoints yet.').waitFor();

    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await page.getByLabel('URL').fill(url);
    await page.getByLabel('Description').fill('CRM');
    await page.getByLabel(/message\.received/).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('new-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const row = page.getByTestId('webhooks-table').locator('tr', { hasText: url });
    await expect(row.locator('[data-status]').textContent()).resolves.toBe('ACTIVE');

    await row.getByRole('button', { name: 'Send test event' }).click();
    // The receiver answered 503, then 200 on the retry: the page lists both attempts.
    const attempts = page.getByTestId('deliveries-table').getByTestId('attempts');
    await waitFor(
      'two attempts shown',
      async () => {
        const text =
          (await attempts
            .first()
            .textContent()
            .catch(() => '')) ?? '';
        return text.includes('HTTP 503') && text.includes('HTTP 200') ? text : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const text = (await attempts.first().textContent()) ?? '';
    expect(text).toContain('try later');
    expect(text).toContain('got it');
    await expect(
      page.getByTestId('deliveries-table').locator('[data-status]').first().textContent(),
    ).resolves.toBe('SUCCEEDED');

    // What the receiver got: the same event twice, signed with the secret the page showed once.
    expect(received.map((r) => r.status)).toEqual([503, 200]);
    const ids = received.map((r) => (JSON.parse(r.raw) as { id: string }).id);
    expect(new Set(ids).size).toBe(1);
    for (const r of received) {
      const [t, v1] = r.signature.split(',').map((p) => p.slice(p.indexOf('=') + 1));
      expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${r.raw}`).digest('hex'));
    }
    expect(JSON.parse(received[0]!.raw)).toMatchObject({ type: 'webhook.test', tenant: DEMO.tenant });

    // Shown once: after a reload the page no longer holds the secret.
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await findAccessibilityProblems(page)).toEqual([]);
    await saveScreenshot(page, 'webhooks.png');
    await page.context().close();
  });
});
