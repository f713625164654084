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

  it("a dead letter replayed from the page reaches the receiver under its event id; “Replay failed” replays only that endpoint's", async () => {
    // A second receiver: each path answers what `answers` says (400 is final: the delivery FAILS at once).
    const answers = new Map([
      ['/dead-a', 400],
      ['/dead-b', 400],
    ]);
    const got: { path: string; id: string; status: number }[] = [];
    const dead = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const status = answers.get(path) ?? 404;
        const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
        got.push({ path, id, status });
        res.writeHead(status).end(status === 200 ? 'ok now' : 'rejected');
      });
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const at = (path: string) => got.filter((r) => r.path === path);
    const base = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    const started = new Date();
    const page = await (await newContext(browser)).newPage();
    try {
      await signIn(page, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
      await page.goto(`${stack.portalUrl}/webhooks`);
      const rowOf = (url: string) => page.getByTestId('webhooks-table').locator('tr', { hasText: url });
      for (const path of ['/dead-a', '/dead-b']) {
        await page.getByLabel('URL').fill(`${base}${path}`);
        await page.getByLabel(/message\.received/).check();
        await page.getByRole('button', { name: 'Add endpoint' }).click();
        await page.getByRole('button', { name: 'I have stored it' }).click();
        await rowOf(`${base}${path}`).waitFor();
      }
      // Two dead letters for A, one for B: each test event is answered 400 once and FAILS.
      for (const [path, times] of [
        ['/dead-a', 2],
        ['/dead-b', 1],
      ] as const) {
        for (let i = 1; i <= times; i += 1) {
          await rowOf(`${base}${path}`).getByRole('button', { name: 'Send test event' }).click();
          await waitFor(`${path} request ${i}`, () => at(path).length === i || undefined);
        }
      }
      const [a1, a2] = at('/dead-a').map((r) => r.id);
      const [b1] = at('/dead-b').map((r) => r.id);

      await rowOf(`${base}/dead-a`).getByRole('button', { name: 'Deliveries' }).click();
      await page.getByRole('heading', { name: `Deliveries to ${base}/dead-a` }).waitFor();
      const deliveryRow = (eventId: string) =>
        page.getByTestId('deliveries-table').locator('tr', { hasText: eventId });
      const shown = (eventId: string, status: string, ...attempts: string[]) =>
        waitFor(
          `${eventId} shown ${status}`,
          async () => {
            const row = deliveryRow(eventId);
            const badge = await row
              .locator('[data-status]')
              .textContent({ timeout: 1_000 })
              .catch(() => '');
            const text =
              (await row
                .getByTestId('attempts')
                .textContent({ timeout: 1_000 })
                .catch(() => '')) ?? '';
            return badge === status && attempts.every((a) => text.includes(a)) ? text : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 250 },
        );
      await shown(a1!, 'FAILED', 'HTTP 400');
      await shown(a2!, 'FAILED', 'HTTP 400');
      answers.set('/dead-a', 200);
      answers.set('/dead-b', 200);

      // One replay, from the delivery's own button: the receiver gets the same event id, now answered 200.
      await deliveryRow(a1!).getByRole('button', { name: 'Replay' }).click();
      await waitFor(
        'a1 replayed',
        () => at('/dead-a').some((r) => r.id === a1 && r.status === 200) || undefined,
      );
      // The page shows the new attempt after the old one.
      const a1Attempts = await shown(a1!, 'SUCCEEDED', 'HTTP 400', 'HTTP 200');
      expect(a1Attempts.indexOf('HTTP 400')).toBeLessThan(a1Attempts.indexOf('HTTP 200'));
      await shown(a2!, 'FAILED', 'HTTP 400');
      expect(at('/dead-a').filter((r) => r.id === a2)).toHaveLength(1);

      // “Replay failed” since before the test: A's other dead letter goes out again, B's does not.
      const since = await page.evaluate((iso) => {
        const d = new Date(iso);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
      }, started.toISOString());
      await page.getByLabel('Replay failed deliveries since').fill(since);
      await page.getByRole('button', { name: 'Replay failed' }).click();
      await page.getByText('Failed deliveries queued again.').waitFor();
      await waitFor(
        'a2 replayed',
        () => at('/dead-a').some((r) => r.id === a2 && r.status === 200) || undefined,
      );
      await shown(a2!, 'SUCCEEDED', 'HTTP 400', 'HTTP 200');
      // A's already delivered one was not sent again: one 400, one 200 each.
      for (const id of [a1, a2]) {
        expect(
          at('/dead-a')
            .filter((r) => r.id === id)
            .map((r) => r.status),
        ).toEqual([400, 200]);
      }
      // B untouched: its receiver still has only the first 400, its delivery is still FAILED, first round.
      expect(at('/dead-b').map((r) => r.status)).toEqual([400]);
      const bRow = await stack.db.webhookDelivery.findFirstOrThrow({ where: { eventId: b1 } });
      expect(bRow).toMatchObject({ status: 'FAILED', round: 0 });

      // Positive control for B: its receiver answers 200 now, so a replay of its own does arrive.
      await rowOf(`${base}/dead-b`).getByRole('button', { name: 'Deliveries' }).click();
      await page.getByRole('heading', { name: `Deliveries to ${base}/dead-b` }).waitFor();
      await shown(b1!, 'FAILED', 'HTTP 400');
      await deliveryRow(b1!).getByRole('button', { name: 'Replay' }).click();
      await waitFor(
        'b1 replayed',
        () => at('/dead-b').some((r) => r.id === b1 && r.status === 200) || undefined,
      );
      await shown(b1!, 'SUCCEEDED', 'HTTP 400', 'HTTP 200');
      expect(await findAccessibilityProblems(page)).toEqual([]);
      await saveScreenshot(page, 'webhooks-replayed.png');
    } finally {
      await page.context().close();
      await new Promise<void>((resolve) => dead.close(() => resolve()));
    }
  });
});
