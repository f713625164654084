import { readFileSync } from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { DEMO, seedDemo } from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

// One CSV file holds at most this many rows here (MESSAGE_EXPORT_MAX_ROWS of the control plane).
const MAX_ROWS = 3;

describe('Messages page CSV export and the row cap (real control plane, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let page: Page;
  const downloads: Download[] = [];

  beforeAll(async () => {
    stack = await startStack({ controlPlaneEnv: { MESSAGE_EXPORT_MAX_ROWS: String(MAX_ROWS) } });
    seedDemo(stack);
    const tenant = await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } });
    // Three inbound and one outbound: four in all, one more than a file may hold.
    const rows = [
      { direction: 'IN', from: '4915550001', to: '4915100000000', body: 'first inbound' },
      { direction: 'IN', from: '4915550002', to: '4915100000000', body: 'second inbound' },
      { direction: 'IN', from: '4915550001', to: '4915100000000', body: 'third inbound' },
      { direction: 'OUT', from: '4915100000000', to: '4915550003', body: 'the one reply' },
    ] as const;
    for (const [i, m] of rows.entries()) {
      await stack.db.messageLog.create({
        data: {
          tenantId: tenant.id,
          direction: m.direction,
          fromNumber: m.from,
          toNumber: m.to,
          body: m.body,
          status: m.direction === 'IN' ? 'RECEIVED' : 'SENT',
          createdAt: new Date(Date.now() - 60_000 + i * 1_000),
        },
      });
    }
    browser = await launchBrowser();
    page = await (await newContext(browser)).newPage();
    page.on('download', (d) => downloads.push(d));
    await signIn(page, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('over the cap the page says why and what to do, and no file comes; under it the CSV downloads', async () => {
    await page.goto(`${stack.portalUrl}/messages`);
    const rows = page.getByTestId('message-row');
    await waitFor('four rows on screen', async () => (await rows.count()) === 4, { timeoutMs: 20_000 });

    await page.getByTestId('export-csv').click();
    const notice = page.getByTestId('export-too-large');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain(`More than ${MAX_ROWS} messages match these filters`);
    expect(text).toContain('Narrow the filters or the date range');
    expect(await notice.getAttribute('role')).toBe('alert');
    // The notice comes only after the size check answered, and only where no download is started.
    expect(downloads).toHaveLength(0);
    await saveScreenshot(page, 'messages-export-too-large.png');

    // Positive control: inbound only is three rows, exactly the cap; the notice goes, the file comes.
    await page.getByLabel('Direction').selectOption('IN');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor('three inbound rows', async () => (await rows.count()) === 3);
    expect(await notice.count()).toBe(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^messages-demo-.*\.csv$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trim()
      .split(/\r\n/);
    expect(lines[0]).toBe('time_utc,direction,from,to,status,text,error,sent_by,id');
    expect(lines.slice(1).map((l) => l.split(',')[5])).toEqual([
      'third inbound',
      'second inbound',
      'first inbound',
    ]);
    expect(downloads).toHaveLength(1);
    expect(await page.getByTestId('export-too-large').count()).toBe(0);

    // All four again: refused again, and still only the one file.
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitFor('all four rows again', async () => (await rows.count()) === 4);
    await page.getByTestId('export-csv').click();
    await notice.waitFor();
    expect(downloads).toHaveLength(1);
  });
});
