import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { formatDateTime, formatLogTimeZone } from '../src/lib/format.ts';
import { checkKeyboardStart, findAccessibilityProblems } from './support/accessibility.ts';
import { launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { isAlive } from './support/processes.ts';
import {
  DEMO,
  readWorkerRow,
  seedDemoWithRunningWorker,
  simulate,
  waitForRunningPid as waitForRunningPidOf,
} from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

describe('admin portal (real control plane, PM2, simulator worker, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let admin: Page;
  /** Every main page, for the accessibility walk: admin pages first, then the demo tenant's pages. */
  const ADMIN_PAGES = [
    '/admin/tenants',
    `/admin/tenants/${DEMO.tenant}`,
    '/admin/users',
    '/admin/setup-requests',
    '/admin/audit',
  ];
  const TENANT_PAGES = ['/overview', '/messages', '/send', '/auto-replies', '/setup', '/stats'];
  let demoTenantId: string;

  const workerRow = () => readWorkerRow(stack, demoTenantId);
  const waitForRunningPid = (notPid?: number) => waitForRunningPidOf(stack, demoTenantId, notPid);

  beforeAll(async () => {
    stack = await startStack();
    demoTenantId = await seedDemoWithRunningWorker(stack);
    browser = await launchBrowser();
    const context = await newContext(browser);
    admin = await context.newPage();
    await signIn(admin, stack.portalUrl, DEMO.admin, TEST_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('lists tenants with worker status, heartbeat age, memory and restarts', async () => {
    await admin.goto(`${stack.portalUrl}/admin/tenants`);
    const row = admin.getByTestId(`tenant-row-${DEMO.tenant}`);
    await row.getByText('RUNNING').waitFor();
    await waitFor(
      'memory figure from PM2',
      async () => /\d+(\.\d)? (KiB|MiB|GiB)/.test((await row.textContent()) ?? ''),
      { timeoutMs: 15_000 },
    );
    expect(await row.textContent()).toMatch(/\d+ s ago/);
    await saveScreenshot(admin, 'admin-tenants.png');
  });

  it('an admin stops a running tenant: STOPPED on screen and the process gone; start brings RUNNING back', async () => {
    const pid = await waitForRunningPid();
    expect(isAlive(pid)).toBe(true);
    await admin.goto(`${stack.portalUrl}/admin/tenants/${DEMO.tenant}`);
    const status = admin.getByTestId('admin-worker-status');
    await status.getByText('RUNNING').waitFor();

    await admin.getByRole('button', { name: 'Stop', exact: true }).click();
    // Nothing happens before the confirmation.
    await admin.getByRole('alertdialog').waitFor();
    expect((await workerRow()).status).toBe('RUNNING');
    await admin.getByRole('button', { name: 'Yes, stop' }).click();
    await expect(admin.getByTestId('worker-action-result').textContent()).resolves.toMatch(
      /Stop accepted: worker is (STOPPING|STOPPED)/,
    );
    await status.getByText('STOPPED').waitFor({ timeout: 20_000 });
    await waitFor(`worker pid ${pid} gone`, () => !isAlive(pid), { timeoutMs: 10_000 });
    expect((await workerRow()).status).toBe('STOPPED');

    await admin.getByRole('button', { name: 'Start', exact: true }).click();
    await admin.getByRole('button', { name: 'Yes, start' }).click();
    await status.getByText('RUNNING').waitFor({ timeout: 30_000 });
    const newPid = await waitForRunningPid();
    expect(newPid).not.toBe(pid);
    expect(isAlive(newPid)).toBe(true);
    await expect(admin.getByTestId('admin-worker-pid').textContent()).resolves.toBe(String(newPid));

    await admin.goto(`${stack.portalUrl}/admin/audit`);
    await admin.getByTestId('audit-table').waitFor();
    const audit = (await admin.getByTestId('audit-table').textContent()) ?? '';
    expect(audit).toContain('user:admin@wa-fleet.local');
    expect(audit).toMatch(/worker\.stop/);
    await saveScreenshot(admin, 'admin-audit.png');
  });

  it('the worker timeline shows every status change with time, zone, from -> to and reason', async () => {
    await waitForRunningPid();
    const recorded = await stack.db.workerStatusChange.findMany({
      where: { tenantId: demoTenantId },
      orderBy: [{ changedAt: 'desc' }, { id: 'desc' }],
      take: 50,
    });
    // The stop and start of the test before this one, at least, are in the history.
    expect(recorded.map((r) => r.toStatus)).toEqual(
      expect.arrayContaining(['STOPPING', 'STOPPED', 'STARTING']),
    );
    await admin.goto(`${stack.portalUrl}/admin/tenants/${DEMO.tenant}`);
    const entries = admin.getByTestId('timeline-entry');
    await waitFor('timeline entries', async () => (await entries.count()) >= recorded.length, {
      timeoutMs: 15_000,
    });
    const texts = await entries.allTextContents();
    const zone = /UTC[+-]\d{2}:\d{2}/;
    recorded.forEach((change, i) => {
      const text = texts[i] ?? '';
      expect(text).toContain(formatDateTime(change.changedAt.toISOString()));
      expect(text).toMatch(zone);
      expect(text).toContain(`${change.fromStatus} → ${change.toStatus}`);
      if (change.reason) expect(text).toContain(change.reason);
    });
    expect(texts[0]).toMatch(/RUNNING.*since \d+/);
    expect(texts.some((t) => t.includes('stop requested'))).toBe(true);
    // A new change appears at the top without reloading the page.
    const before = await entries.count();
    expect((await stack.admin('POST', `/admin/tenants/${DEMO.tenant}/worker/stop`)).status).toBe(202);
    await waitFor(
      'the stop on the timeline',
      async () => (await entries.first().textContent())?.includes('STOPPED'),
      {
        timeoutMs: 30_000,
      },
    );
    expect(await entries.count()).toBeGreaterThan(before);
    await saveScreenshot(admin, 'admin-worker-timeline.png');
    expect((await stack.admin('POST', `/admin/tenants/${DEMO.tenant}/worker/start`)).status).toBe(202);
  });

  it('the live log tail shows new lines, each with its own time, while the worker runs; level filter and pause work', async () => {
    await waitForRunningPid();
    await admin.goto(`${stack.portalUrl}/admin/tenants/${DEMO.tenant}`);
    await admin.getByTestId('log-connection').getByText('Following the log.').waitFor();
    const lines = admin.getByTestId('log-line');
    const stored = lines.filter({ hasText: 'inbound message stored' });
    await waitFor('recent lines of the worker', async () => (await lines.count()) > 0, { timeoutMs: 15_000 });
    const startedAt = Date.now();

    await simulate(stack, DEMO.tenant, { type: 'link' });
    await simulate(stack, DEMO.tenant, { type: 'inbound', from: '4915550011', text: 'first line please' });
    await waitFor('first new line', async () => (await stored.count()) === 1, { timeoutMs: 15_000 });
    await simulate(stack, DEMO.tenant, { type: 'inbound', from: '4915550012', text: 'second line please' });
    await waitFor('second new line', async () => (await stored.count()) === 2, { timeoutMs: 15_000 });

    const times = await stored.evaluateAll((els) => els.map((el) => el.getAttribute('data-time') ?? ''));
    expect(new Set(times).size).toBe(2);
    for (const time of times) expect(Date.parse(time)).toBeGreaterThanOrEqual(startedAt - 2_000);
    // What is shown is the time written in the line, to the millisecond with its zone, not the time it arrived.
    const shown = await stored.locator('.log-time').first().allTextContents();
    expect(shown[0]).toBe(formatLogTimeZone(times[0]));
    expect(Date.parse(times[1]!)).toBeGreaterThan(Date.parse(times[0]!));
    await saveScreenshot(admin, 'admin-tenant-detail.png');

    // Pause holds new lines aside; resume shows them.
    await admin.getByRole('button', { name: 'Pause' }).click();
    await simulate(stack, DEMO.tenant, { type: 'inbound', from: '4915550013', text: 'while paused' });
    await admin.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor({ timeout: 15_000 });
    expect(await stored.count()).toBe(2);
    await admin.getByRole('button', { name: /Resume/ }).click();
    await waitFor('held line shown', async () => (await stored.count()) === 3);

    // Level filter: from "warn" up, info lines go and a warning still comes through live.
    await admin.getByLabel('Minimum level').selectOption('warn');
    await admin.getByTestId('log-connection').getByText('Following the log.').waitFor();
    await waitFor('info lines gone', async () => (await stored.count()) === 0);
    await simulate(stack, DEMO.tenant, { type: 'disconnect' });
    await lines.filter({ hasText: 'session disconnected' }).first().waitFor({ timeout: 15_000 });
    for (const level of await admin.locator('[data-testid="log-line"] .log-level').allTextContents()) {
      expect(['WARN', 'ERROR', 'FATAL']).toContain(level);
    }

    await admin.getByRole('heading', { name: 'Diagnostics' }).waitFor();
    await admin.getByText(/\d+ \(\d+ in, \d+ out/).waitFor();
  });

  it('users, memberships and setup requests pages work for a platform admin', async () => {
    await admin.goto(`${stack.portalUrl}/admin/users`);
    await admin.getByText(DEMO.viewer).waitFor();
    await admin.getByLabel('Email').fill('new-operator@demo.local');
    await admin.getByLabel('Name').fill('New Operator');
    await admin.getByLabel('Initial password').fill('a long enough password');
    await admin.locator('#new-membership-tenant').selectOption(DEMO.tenant);
    await admin.locator('#new-membership-role').selectOption('OPERATOR');
    await admin.getByRole('button', { name: 'Create user' }).click();
    await admin.getByText('User new-operator@demo.local created.').waitFor();
    const created = await stack.db.user.findUniqueOrThrow({
      where: { email: 'new-operator@demo.local' },
      include: { memberships: true },
    });
    expect(created.memberships.map((m) => m.role)).toEqual(['OPERATOR']);
    await saveScreenshot(admin, 'admin-users.png');

    await stack.db.setupRequest.create({
      data: { tenantId: demoTenantId, notes: 'We need a second number linked.' },
    });
    await admin.goto(`${stack.portalUrl}/admin/setup-requests`);
    await admin.getByText('We need a second number linked.').waitFor();
    const request = admin.getByRole('region', { name: `Request from ${DEMO.tenant}` });
    await request.getByLabel('Status').selectOption('IN_PROGRESS');
    await request.getByLabel('Note to the tenant').fill('On it.');
    await request.getByRole('button', { name: 'Save' }).click();
    await request.getByText('Saved.').waitFor();
    const row = await stack.db.setupRequest.findFirstOrThrow({ where: { tenantId: demoTenantId } });
    expect(row.status).toBe('IN_PROGRESS');
    expect(row.adminNote).toBe('On it.');
    await saveScreenshot(admin, 'admin-setup-requests.png');
  });

  it('every main page has a language, one h1 and ordered headings, labelled controls, a skip link and a visible focus', async () => {
    const checkPage = async (page: Page, pathname: string) => {
      await page.goto(`${stack.portalUrl}${pathname}`);
      const keyboard = await checkKeyboardStart(page);
      expect(keyboard, `${pathname}: the first Tab reaches the skip link, which leads into <main>`).toEqual({
        isSkipLinkFirst: true,
        isSkipLinkVisible: true,
        isFocusInMain: true,
        outline: expect.stringMatching(/^solid [3-9]px$/),
      });
      // Judge the page once its data arrived: forms and tables render after the first answer.
      await waitFor(
        `${pathname} loaded`,
        async () => (await page.locator('[aria-busy="true"]').count()) === 0,
        {
          timeoutMs: 15_000,
        },
      );
      expect(await findAccessibilityProblems(page), pathname).toEqual([]);
    };

    for (const pathname of ADMIN_PAGES) await checkPage(admin, pathname);
    // A platform admin opens the demo tenant's pages from its admin page, as the UI offers.
    await admin.goto(`${stack.portalUrl}/admin/tenants/${DEMO.tenant}`);
    await admin.getByRole('button', { name: "Open this tenant's pages" }).click();
    await admin.waitForURL((url) => url.pathname === '/overview');
    for (const pathname of TENANT_PAGES) await checkPage(admin, pathname);

    // The sign-in page, before anyone signs in.
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${stack.portalUrl}/login`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to wa-fleet' }).waitFor();
    expect(await findAccessibilityProblems(page), '/login').toEqual([]);
    await saveScreenshot(page, 'login.png');
    await context.close();
  });
});
