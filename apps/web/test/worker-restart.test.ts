import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import { isAlive } from './support/processes.ts';
import {
  DEMO,
  readWorkerRow,
  seedDemoWithRunningWorker,
  waitForRunningPid as waitForRunningPidOf,
} from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

describe('worker restart buttons (real control plane, PM2, simulator worker, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let demoTenantId: string;

  const workerRow = () => readWorkerRow(stack, demoTenantId);
  const waitForRunningPid = (notPid?: number) => waitForRunningPidOf(stack, demoTenantId, notPid);
  const signedIn = async (email: string): Promise<Page> => {
    const page = await (await newContext(browser)).newPage();
    await signIn(page, stack.portalUrl, email, TEST_PASSWORD);
    return page;
  };

  beforeAll(async () => {
    stack = await startStack();
    demoTenantId = await seedDemoWithRunningWorker(stack);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a tenant admin restarts the worker from Overview: after the confirmation it is RUNNING again with a new pid and the old process is gone', async () => {
    const oldPid = await waitForRunningPid();
    expect(isAlive(oldPid)).toBe(true);
    const owner = await signedIn(DEMO.owner);
    await owner.goto(`${stack.portalUrl}/overview`);
    const status = owner.getByTestId('worker-status');
    const started = owner.getByTestId('worker-started').locator('time');
    await status.getByText('RUNNING').waitFor();
    const startedBefore = await started.getAttribute('datetime');
    expect(startedBefore).toBe((await workerRow()).startedAt?.toISOString());

    await owner.getByRole('button', { name: 'Restart worker' }).click();
    // Nothing happens before the confirmation.
    await owner.getByRole('alertdialog').waitFor();
    expect(await workerRow()).toMatchObject({ status: 'RUNNING', pid: oldPid });
    await owner.getByRole('button', { name: 'Yes, restart' }).click();
    await expect(owner.getByTestId('restart-result').textContent()).resolves.toMatch(
      /^Restart accepted: worker is [A-Z]+\.$/,
    );

    const newPid = await waitForRunningPid(oldPid);
    await waitFor(`old worker pid ${oldPid} gone`, () => !isAlive(oldPid), { timeoutMs: 15_000 });
    expect(isAlive(newPid)).toBe(true);
    // The page follows by itself: RUNNING again, started at the new process's start (no reload).
    const row = await workerRow();
    await waitFor(
      'Overview showing the restarted worker',
      async () =>
        (await started.getAttribute('datetime')) === row.startedAt?.toISOString() &&
        ((await status.textContent()) ?? '').includes('RUNNING'),
      { timeoutMs: 20_000 },
    );
    expect(Date.parse(row.startedAt!.toISOString())).toBeGreaterThan(Date.parse(startedBefore!));
    await saveScreenshot(owner, 'overview-restarted.png');

    const audit = await stack.db.auditLog.findMany({
      where: { tenantId: demoTenantId, action: 'worker.restart' },
    });
    expect(audit.map((a) => a.actor)).toEqual([`user:${DEMO.owner}`]);
    await owner.context().close();
  });

  it('an OPERATOR and a VIEWER see no restart button; their forged restart gets 403 naming TENANT_ADMIN and changes nothing', async () => {
    const pid = await waitForRunningPid();
    for (const email of [DEMO.operator, DEMO.viewer]) {
      const page = await signedIn(email);
      await page.goto(`${stack.portalUrl}/overview`);
      await page.getByTestId('worker-status').getByText('RUNNING').waitFor();
      expect(await page.getByRole('button', { name: /Restart/ }).count(), email).toBe(0);

      const res = await page.request.post(`${stack.portalUrl}/api/tenant/worker/restart`, {
        headers: { origin: stack.portalUrl },
      });
      expect(res.status(), email).toBe(403);
      const { error } = (await res.json()) as { error: { message: string } };
      expect(error.message, email).toContain('TENANT_ADMIN');
      // An accepted restart marks the row STOPPING before it answers; this one left the worker alone.
      expect(await workerRow()).toMatchObject({ status: 'RUNNING', pid });
      await page.context().close();
    }
    expect(isAlive(pid)).toBe(true);

    // Control: the same request from the tenant admin is accepted, so the refusals above can fail.
    const owner = await signedIn(DEMO.owner);
    // The admin routes stay closed to a tenant admin: 403 naming SUPER_ADMIN.
    const adminRoute = await owner.request.post(
      `${stack.portalUrl}/api/admin/tenants/${DEMO.tenant}/worker/restart`,
      { headers: { origin: stack.portalUrl } },
    );
    expect(adminRoute.status()).toBe(403);
    expect(((await adminRoute.json()) as { error: { message: string } }).error.message).toContain(
      'SUPER_ADMIN',
    );
    expect(await workerRow()).toMatchObject({ status: 'RUNNING', pid });
    const accepted = await owner.request.post(`${stack.portalUrl}/api/tenant/worker/restart`, {
      headers: { origin: stack.portalUrl },
    });
    expect(accepted.status()).toBe(202);
    await waitForRunningPid(pid);
    await owner.context().close();
  });

  it('a platform admin restarts from the tenant page: after the confirmation the page shows the new pid', async () => {
    const oldPid = await waitForRunningPid();
    const admin = await signedIn(DEMO.admin);
    await admin.goto(`${stack.portalUrl}/admin/tenants/${DEMO.tenant}`);
    const shownPid = admin.getByTestId('admin-worker-pid');
    await waitFor('old pid on screen', async () => (await shownPid.textContent()) === String(oldPid), {
      timeoutMs: 15_000,
    });

    await admin.getByRole('button', { name: 'Restart', exact: true }).click();
    await admin.getByRole('alertdialog').waitFor();
    expect(await workerRow()).toMatchObject({ status: 'RUNNING', pid: oldPid });
    await admin.getByRole('button', { name: 'Yes, restart' }).click();
    await expect(admin.getByTestId('worker-action-result').textContent()).resolves.toMatch(
      /^Restart accepted: worker is [A-Z]+\.$/,
    );

    const newPid = await waitForRunningPid(oldPid);
    await waitFor(`old worker pid ${oldPid} gone`, () => !isAlive(oldPid), { timeoutMs: 15_000 });
    await waitFor('new pid on screen', async () => (await shownPid.textContent()) === String(newPid), {
      timeoutMs: 20_000,
    });
    await admin.getByTestId('admin-worker-status').getByText('RUNNING').waitFor();
    await admin.context().close();
  });
});
