import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sealData } from 'iron-session';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@wa-fleet/devstack';
import { launchBrowser, newContext, saveScreenshot } from './support/browser.ts';
import { TEST_ADMIN_KEY, TEST_PORTAL_KEY, TEST_SESSION_SECRET } from './support/keys.ts';
import { NEXT_DIR } from './support/paths.ts';
import { startPortal, type RunningPortal } from './support/portal.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('what the browser downloads', () => {
  it('the client bundle contains neither the portal key, the admin key nor the session secret', () => {
    const files = filesUnder(path.join(NEXT_DIR, 'static'));
    const scripts = files.filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(5);
    const bundle = files.map((f) => readFileSync(f, 'latin1')).join('\n');
    // The scan reads the real client code: a string only a client component holds is found.
    expect(bundle).toContain('Control plane unreachable.');
    for (const secret of [TEST_PORTAL_KEY, TEST_ADMIN_KEY, TEST_SESSION_SECRET]) {
      expect(bundle.includes(secret), `a secret of ${secret.length} characters is in .next/static`).toBe(
        false,
      );
    }
  });
});

describe('the portal when the control plane is down', () => {
  let browser: Browser;
  let portal: RunningPortal;
  let portalUrl: string;

  beforeAll(async () => {
    // Nothing listens on this port: every control-plane call fails to connect.
    const deadPort = await freePort();
    portal = await startPortal(`http://127.0.0.1:${deadPort}`);
    portalUrl = portal.url;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.process.stop();
  });

  it('sign-in says the control plane is unreachable instead of failing silently', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${portalUrl}/login`);
    await page.getByLabel('Email').fill('someone@example.com');
    await page.getByLabel('Password').fill('whatever');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('unreachable-banner').textContent()).resolves.toContain(
      'Control plane unreachable',
    );
    await context.close();
  });

  it('a signed-in user sees a banner and the page frame, not a blank page', async () => {
    // A cookie sealed with the portal's secret, as sign-in would have written it (the token cannot be
    // checked while the control plane is down).
    const sealed = await sealData(
      { token: 'A'.repeat(43), tenantSlug: 'demo' },
      { password: TEST_SESSION_SECRET, ttl: 3600 },
    );
    const context = await newContext(browser);
    await context.addCookies([
      { name: 'wa_portal_session', value: sealed, url: portalUrl, httpOnly: true, sameSite: 'Lax' },
    ]);
    const page = await context.newPage();
    await page.goto(`${portalUrl}/overview`);
    await page.getByTestId('unreachable-banner').waitFor();
    await expect(page.getByRole('navigation', { name: 'Main' }).textContent()).resolves.toContain('Messages');
    await page.goto(`${portalUrl}/messages`);
    await page.getByTestId('unreachable-banner').waitFor();
    expect(await page.getByTestId('messages-empty').count()).toBe(0);
    await saveScreenshot(page, 'control-plane-unreachable.png');
    await context.close();
  });
});
