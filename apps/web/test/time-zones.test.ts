// Times in the portal are the viewer's own: the same stored instant, looked at from two browsers in
// different zones, reads as two local times each with its offset; the CSV export stays UTC. Search over
// an image's caption in the Messages page.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { launchBrowser, newContext, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { DEMO, seedDemo } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

/** The stored instant: 13:05:09 UTC on 2 December 2026 (winter: New York is UTC-5, Kolkata UTC+5:30). */
const STORED = '2026-12-02T13:05:09.000Z';
const CONTACT = '4915550077';
const ZONES = [
  { timezoneId: 'Asia/Kolkata', offsetMin: -330, local: '2026-12-02 18:35:09 UTC+05:30' },
  { timezoneId: 'America/New_York', offsetMin: 300, local: '2026-12-02 08:05:09 UTC-05:00' },
] as const;
const ZONED = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d$/;

describe('times in the viewer zone, and caption search (real control plane, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  const consoleErrors: string[] = [];

  const signedIn = async (timezoneId: string): Promise<Page> => {
    const page = await (await newContext(browser, { timezoneId })).newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await signIn(page, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
    return page;
  };

  beforeAll(async () => {
    stack = await startStack();
    seedDemo(stack);
    const tenantId = (await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } })).id;
    // Rows as the worker stores them: a text, and an image whose caption is its body (and in meta).
    await stack.db.messageLog.create({
      data: {
        tenantId,
        direction: 'IN',
        fromNumber: CONTACT,
        toNumber: '4915100000000',
        body: 'Is the parcel ready for collection?',
        status: 'RECEIVED',
        createdAt: new Date(STORED),
      },
    });
    await stack.db.messageLog.create({
      data: {
        tenantId,
        direction: 'IN',
        fromNumber: CONTACT,
        toNumber: '4915100000000',
        type: 'IMAGE',
        body: 'the dented corner of the box',
        meta: { caption: 'the dented corner of the box', mimeType: 'image/png' },
        status: 'RECEIVED',
        createdAt: new Date(Date.parse(STORED) - 60_000),
      },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the same message reads as each viewer’s local time with its offset; the CSV stays UTC', async () => {
    const shown: string[] = [];
    for (const zone of ZONES) {
      const page = await signedIn(zone.timezoneId);
      // The browser really is in that zone (positive control for the context option).
      expect(await page.evaluate((iso) => new Date(iso).getTimezoneOffset(), STORED)).toBe(zone.offsetMin);
      await page.goto(`${stack.portalUrl}/messages`);
      const row = page.getByTestId('message-row').filter({ hasText: 'parcel ready' });
      await row.waitFor();
      const time = row.getByTestId('local-time');
      await waitFor('local time shown', async () => ZONED.test((await time.textContent()) ?? ''));
      const text = (await time.textContent())!;
      expect(text).toBe(zone.local);
      // The element carries the stored instant; the text is that instant in this zone.
      expect(await time.getAttribute('datetime')).toBe(STORED);
      expect(
        await page.evaluate(
          (iso) => new Date(iso).toLocaleString('sv-SE', { hour12: false }).replace(',', ''),
          STORED,
        ),
      ).toBe(text.slice(0, 19));
      // Every time on the page carries a zone.
      for (const t of await page.getByTestId('local-time').allTextContents()) expect(t).toMatch(ZONED);
      shown.push(text);

      // Conversations: the list and the thread show the same local time.
      await page.goto(`${stack.portalUrl}/conversations`);
      const chat = page.locator(`[data-testid="conversation"][data-contact="${CONTACT}"]`);
      await chat.waitFor();
      await waitFor(
        'list time local',
        async () => (await chat.getByTestId('local-time').textContent()) === zone.local,
      );
      await chat.click();
      const bubble = page.getByTestId('bubble').filter({ hasText: 'parcel ready' });
      await bubble.waitFor();
      await waitFor(
        'thread time local',
        async () => (await bubble.getByTestId('local-time').textContent()) === zone.local,
      );

      if (zone.timezoneId === 'Asia/Kolkata') {
        await page.goto(`${stack.portalUrl}/messages`);
        await page.getByTestId('message-row').first().waitFor();
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('export-csv').click(),
        ]);
        const lines = readFileSync(await download.path(), 'utf8')
          .trim()
          .split(/\r\n/);
        expect(lines[0]!.split(',')[0]).toBe('time_utc');
        const parcel = lines.find((l) => l.includes('parcel ready'))!;
        expect(parcel.split(',')[0]).toBe(STORED);
        for (const line of lines.slice(1)) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,/);
      }
      await page.context().close();
    }
    expect(shown[0]).not.toBe(shown[1]);
    // No hydration complaints: the server's UTC text and the first browser render agree.
    expect(consoleErrors.filter((e) => /hydrat|#418|#423|#425/i.test(e))).toEqual([]);
  });

  it('search finds a word only in an image caption and a word only in a text', async () => {
    const page = await signedIn('UTC');
    await page.goto(`${stack.portalUrl}/messages`);
    const rows = page.getByTestId('message-row');
    await waitFor('both rows listed', async () => (await rows.count()) === 2);
    await page.getByLabel('Search').fill('dented');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor('only the image', async () => {
      const texts = await rows.allTextContents();
      return texts.length === 1 && texts[0]!.includes('dented corner');
    });
    await expect(page.getByTestId('search-highlight').allTextContents()).resolves.toEqual(['dented']);
    await page.getByLabel('Search').fill('parcel');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor('only the text', async () => {
      const texts = await rows.allTextContents();
      return texts.length === 1 && texts[0]!.includes('parcel ready');
    });
    // The UTC viewer's time says UTC+00:00 (positive control for the zone text).
    await expect(rows.first().getByTestId('local-time').textContent()).resolves.toBe(
      '2026-12-02 13:05:09 UTC+00:00',
    );
  });
});
