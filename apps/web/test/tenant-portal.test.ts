import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { samplePng, simulatedPhoneNumber } from '@wa-fleet/simulator';
import { fitsWidth, launchBrowser, newContext, saveScreenshot, signIn } from './support/browser.ts';
import { TEST_PASSWORD } from './support/keys.ts';
import {
  DEMO,
  createSecondTenant,
  seedDemo,
  simulate,
  startWorker,
  waitForWorkerQr,
} from './support/seed.ts';
import { startStack, type E2eStack } from './support/stack.ts';

const OTHER = { tenant: 'beta-shop', owner: 'owner@beta.local' } as const;
const OTHER_SECRET_TEXT = 'beta-only order 7731';

describe('tenant portal (real control plane, simulator workers, Chromium)', () => {
  let stack: E2eStack;
  let browser: Browser;
  let ownerContext: BrowserContext;
  let owner: Page;
  let demoTenantId: string;

  beforeAll(async () => {
    stack = await startStack();
    seedDemo(stack);
    await createSecondTenant(stack, OTHER.tenant, OTHER.owner);
    demoTenantId = (await stack.db.tenant.findUniqueOrThrow({ where: { slug: DEMO.tenant } })).id;
    await startWorker(stack, DEMO.tenant);
    await waitForWorkerQr(stack, demoTenantId);
    browser = await launchBrowser();
    ownerContext = await newContext(browser);
    owner = await ownerContext.newPage();
    await signIn(owner, stack.portalUrl, DEMO.owner, TEST_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a tenant admin sees the QR, and CONNECTED appears without a reload once the simulator links', async () => {
    await owner.goto(`${stack.portalUrl}/overview`);
    const qr = owner.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect((await qr.boundingBox())?.width).toBeGreaterThanOrEqual(250);
    await expect(owner.getByTestId('session-state').textContent()).resolves.toContain('QR');
    await saveScreenshot(owner, 'overview-qr.png');

    // A marker in the page's memory survives only if the page is never reloaded.
    await owner.evaluate(() => Object.assign(window, { e2eMarker: 'same page' }));
    await simulate(stack, DEMO.tenant, { type: 'link' });
    await owner.getByTestId('linked-number').waitFor({ timeout: 20_000 });
    await expect(owner.getByTestId('session-state').textContent()).resolves.toContain('CONNECTED');
    await expect(owner.getByTestId('worker-status').textContent()).resolves.toContain('RUNNING');
    expect(await owner.getByRole('img', { name: /QR code/ }).count()).toBe(0);
    expect(await owner.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe(
      'same page',
    );
    await saveScreenshot(owner, 'overview.png', 'overview.png');
  });

  it('simulated inbound messages appear in Messages; filters and search narrow them; CSV export downloads them', async () => {
    await owner.goto(`${stack.portalUrl}/messages`);
    await owner.getByTestId('messages-empty').waitFor();
    await expect(owner.getByTestId('messages-empty').textContent()).resolves.toContain('nobody has written');

    const rows = owner.getByTestId('message-row');
    const inbound = [
      { from: '4915550001', text: 'Do you deliver pizza tonight?' },
      { from: '4915550002', text: 'Where is my order?' },
      { from: '4915550001', text: 'Pizza with extra cheese please' },
    ];
    for (const [i, message] of inbound.entries()) {
      await simulate(stack, DEMO.tenant, { type: 'inbound', ...message });
      // Auto-refresh brings each one in: no reload, no click.
      await waitFor(`${i + 1} inbound rows on screen`, async () => (await rows.count()) === i + 1, {
        timeoutMs: 20_000,
      });
    }
    const texts = await owner.getByTestId('messages-table').textContent();
    expect(texts).toContain('Do you deliver pizza tonight?');
    expect(texts).toContain('Where is my order?');
    // Newest first.
    await expect(rows.first().textContent()).resolves.toContain('extra cheese');

    // An outbound message sent through the portal, so the direction filter has something to drop.
    await owner.goto(`${stack.portalUrl}/send`);
    await owner.getByLabel(/^To/).fill('49 1555 0003');
    await owner.getByLabel('Message').fill('Your order is on its way');
    await owner.getByRole('button', { name: 'Send' }).click();
    await owner.getByText('Message accepted').waitFor();
    await saveScreenshot(owner, 'send.png');

    await owner.goto(`${stack.portalUrl}/messages`);
    await waitFor('four rows', async () => (await rows.count()) === 4, { timeoutMs: 20_000 });
    await owner.getByLabel('Direction').selectOption('IN');
    await owner.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor(
      'inbound only',
      async () => (await rows.count()) === 3 && (await owner.locator('[data-direction="OUT"]').count()) === 0,
    );

    await owner.getByLabel('Search').fill('pizz');
    await owner.getByRole('button', { name: 'Apply filters' }).click();
    await waitFor('two pizza rows', async () => (await rows.count()) === 2);
    for (const text of await rows.allTextContents()) expect(text.toLowerCase()).toContain('pizza');
    // The matched word is marked in each row (full-text search: "pizz" starts "pizza" and "Pizza").
    const marks = owner.getByTestId('search-highlight');
    await waitFor('a highlight in each row', async () => (await marks.count()) === 2);
    expect((await marks.allTextContents()).map((t) => t.toLowerCase())).toEqual(['pizza', 'pizza']);
    expect(await owner.locator('mark', { hasText: 'tonight' }).count()).toBe(0);
    await saveScreenshot(owner, 'messages.png', 'messages.png');

    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^messages-demo-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toBe('time_utc,direction,from,to,status,text,error,sent_by,id');
    expect(lines).toHaveLength(3);
    expect(csv).toContain('Do you deliver pizza tonight?');
    expect(csv).toContain('Pizza with extra cheese please');
    expect(csv).not.toContain('Where is my order?');

    await owner.getByRole('button', { name: 'Clear' }).click();
    await waitFor('all four rows again', async () => (await rows.count()) === 4);

    // The same pages on a phone-sized screen need no sideways scrolling.
    const phone = await newContext(browser, { phone: true });
    await phone.addCookies(await ownerContext.cookies());
    const phonePage = await phone.newPage();
    for (const pathname of ['/overview', '/messages']) {
      await phonePage.goto(`${stack.portalUrl}${pathname}`);
      await phonePage.getByRole('heading', { level: 1 }).waitFor();
      expect(await fitsWidth(phonePage), `${pathname} fits a phone screen`).toBe(true);
    }
    await saveScreenshot(phonePage, 'messages-phone.png');
    await phone.close();
  });

  it('the other tenant pages render for a tenant admin', async () => {
    await owner.goto(`${stack.portalUrl}/auto-replies`);
    // The seed CLI gave the demo tenant two rules already.
    await owner.getByRole('region', { name: 'Rule Opening hours' }).waitFor();
    await owner.getByLabel('Name').last().fill('Parking');
    await owner.getByLabel('Pattern').last().fill('parking');
    await owner.getByLabel('Reply').last().fill('Free parking behind the shop.');
    await owner.getByRole('button', { name: 'Add rule' }).click();
    await owner.getByText('Rule "Parking" added.').waitFor();
    await owner.getByRole('region', { name: 'Rule Parking' }).waitFor();
    await saveScreenshot(owner, 'auto-replies.png');

    await owner.goto(`${stack.portalUrl}/setup`);
    await owner.getByLabel('What do you need?').fill('Please help us link our second number.');
    await owner.getByRole('button', { name: 'Send request' }).click();
    await owner.getByText('Request sent.').waitFor();
    await owner.getByText('Please help us link our second number.').last().waitFor();
    await saveScreenshot(owner, 'setup-request.png');

    await owner.goto(`${stack.portalUrl}/stats`);
    await owner.getByRole('img', { name: /Bar chart/ }).waitFor();
    await saveScreenshot(owner, 'statistics.png');
  });

  it("a user of tenant A never sees tenant B's messages, even through edited URLs or forged requests", async () => {
    const other = await stack.db.tenant.findUniqueOrThrow({ where: { slug: OTHER.tenant } });
    await stack.db.messageLog.create({
      data: {
        tenantId: other.id,
        direction: 'IN',
        fromNumber: '4915559999',
        toNumber: '4915550000',
        body: OTHER_SECRET_TEXT,
        status: 'RECEIVED',
        waMessageId: 'beta-1',
      },
    });
    // Control: B's own admin does see it, so the checks below can fail.
    const otherContext = await newContext(browser);
    const otherPage = await otherContext.newPage();
    await signIn(otherPage, stack.portalUrl, OTHER.owner, TEST_PASSWORD);
    await otherPage.goto(`${stack.portalUrl}/messages`);
    await otherPage.getByText(OTHER_SECRET_TEXT).waitFor();
    await otherContext.close();

    const seen: string[] = [];
    const api = owner.request;
    const base = stack.portalUrl;
    const read = async (res: Awaited<ReturnType<typeof api.get>>) => {
      const text = await res.text();
      seen.push(text);
      return text;
    };
    // Edited URLs: query parameters naming B are ignored or refused.
    await owner.goto(`${base}/messages?tenant=${OTHER.tenant}&tenantId=${other.id}`);
    await owner.getByTestId('messages-table').waitFor();
    seen.push(await owner.content());
    await read(await api.get(`${base}/api/tenant/messages?tenant=${OTHER.tenant}&q=7731`));
    await read(await api.get(`${base}/api/tenant/messages/export?tenant=${OTHER.tenant}`));
    // Forged headers: the tenant comes from the session, never from the request.
    const forged = await api.get(`${base}/api/tenant/messages?q=7731`, {
      headers: { 'x-tenant': OTHER.tenant, 'x-user-email': OTHER.owner },
    });
    expect(forged.status()).toBe(200);
    expect((JSON.parse(await read(forged)) as { items: unknown[] }).items).toHaveLength(0);
    // Forged writes: a send aimed at B lands in A (the session's tenant); B's rule ids are not found.
    const otherRule = await stack.db.autoReplyRule.create({
      data: { tenantId: other.id, name: 'B rule', matchType: 'CONTAINS', pattern: 'b', reply: 'from B' },
    });
    const outboundOfB = () => stack.db.messageLog.count({ where: { tenantId: other.id, direction: 'OUT' } });
    const forgedSend = await api.post(`${base}/api/tenant/messages?tenant=${OTHER.tenant}`, {
      data: { to: '4915559999', text: 'forged into B?' },
      headers: { 'x-tenant': OTHER.tenant, origin: base },
    });
    expect(forgedSend.status()).toBe(202);
    expect(await outboundOfB()).toBe(0);
    const forgedEdit = await api.patch(`${base}/api/tenant/auto-replies/${otherRule.id}`, {
      data: { reply: 'hijacked' },
      headers: { origin: base },
    });
    expect(forgedEdit.status()).toBe(404);
    expect((await stack.db.autoReplyRule.findUniqueOrThrow({ where: { id: otherRule.id } })).reply).toBe(
      'from B',
    );
    // Switching to B is refused; admin routes about B are refused.
    const switched = await api.post(`${base}/api/auth/tenant`, {
      data: { slug: OTHER.tenant },
      headers: { origin: base },
    });
    expect(switched.status()).toBe(403);
    expect(((await switched.json()) as { error: { code: string } }).error.code).toBe('NOT_A_MEMBER');
    for (const pathname of [
      `/api/admin/tenants/${OTHER.tenant}`,
      `/api/admin/tenants/${other.id}/diagnostics`,
      `/api/admin/tenants/${OTHER.tenant}/logs`,
    ]) {
      const res = await api.get(`${base}${pathname}`);
      expect(res.status(), pathname).toBe(403);
      await read(res);
    }
    // A tampered session cookie is no session at all.
    const cookie = (await ownerContext.cookies()).find((c) => c.name === 'wa_portal_session');
    expect(cookie).toBeDefined();
    const tampered = await fetch(`${base}/api/tenant/messages`, {
      headers: { cookie: `wa_portal_session=${cookie!.value.slice(0, -4)}AAAA` },
    });
    expect(tampered.status).toBe(401);

    for (const text of seen) expect(text).not.toContain(OTHER_SECRET_TEXT);
    const currentTenant = (await (await api.get(`${base}/api/tenant/current`)).json()) as {
      tenant: { slug: string };
    };
    expect(currentTenant.tenant.slug).toBe(DEMO.tenant);
  });

  it('a user of two tenants switches between them and sees only the chosen one, with its own role', async () => {
    const created = await stack.admin('POST', '/admin/users', {
      email: 'both@example.local',
      name: 'Two Shops',
      password: TEST_PASSWORD,
      memberships: [
        { tenant: DEMO.tenant, role: 'VIEWER' },
        { tenant: OTHER.tenant, role: 'OPERATOR' },
      ],
    });
    expect(created.status).toBe(201);
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, stack.portalUrl, 'both@example.local', TEST_PASSWORD);
    await page.goto(`${stack.portalUrl}/messages`);
    const switcher = page.getByLabel('Tenant', { exact: true });
    await expect(switcher.inputValue()).resolves.toBe(DEMO.tenant);
    await page.getByText('Pizza with extra cheese please').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Send message' }).count()).toBe(0);

    await switcher.selectOption(OTHER.tenant);
    await page.getByText(OTHER_SECRET_TEXT).waitFor();
    expect(await page.getByText('Pizza with extra cheese please').count()).toBe(0);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('OPERATOR');
    await nav.getByRole('link', { name: 'Send message' }).waitFor();
    await context.close();
  });

  it('a VIEWER sees no send form, a forged send request gets 403, and sign-out ends the session', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, stack.portalUrl, DEMO.viewer, TEST_PASSWORD);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Messages' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Send message' }).count()).toBe(0);
    await page.goto(`${stack.portalUrl}/send`);
    await expect(page.getByTestId('forbidden-notice').textContent()).resolves.toContain('OPERATOR');
    expect(await page.getByTestId('send-form').count()).toBe(0);
    expect(await page.getByLabel('Message').count()).toBe(0);

    const before = await stack.db.messageLog.count({ where: { tenantId: demoTenantId, direction: 'OUT' } });
    const res = await page.request.post(`${stack.portalUrl}/api/tenant/messages`, {
      data: { to: '4915550004', text: 'sent by a viewer' },
      headers: { origin: stack.portalUrl },
    });
    expect(res.status()).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('OPERATOR');
    expect(await stack.db.messageLog.count({ where: { tenantId: demoTenantId, direction: 'OUT' } })).toBe(
      before,
    );

    // Signing out ends the session: the portal's API answers 401 afterwards.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect((await page.request.get(`${stack.portalUrl}/api/tenant/current`)).status()).toBe(401);
    await context.close();
  });

  it('a tenant admin links the number with a pairing code instead of the QR, and the page follows', async () => {
    const other = await stack.db.tenant.findUniqueOrThrow({ where: { slug: OTHER.tenant } });
    await startWorker(stack, OTHER.tenant);
    await waitFor(
      'beta worker waiting to be linked',
      async () =>
        (await stack.db.whatsAppSession.findUnique({ where: { tenantId: other.id } }))?.state === 'QR',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, stack.portalUrl, OTHER.owner, TEST_PASSWORD);
    await page.goto(`${stack.portalUrl}/overview`);
    await page.getByRole('img', { name: /QR code/ }).waitFor();

    const phone = simulatedPhoneNumber(other.id);
    await page.getByLabel('Phone number of the WhatsApp account').fill(`+${phone}`);
    await page.getByRole('button', { name: 'Get a pairing code' }).click();
    const shown = page.getByTestId('pairing-code');
    await shown.waitFor({ timeout: 20_000 });
    const code = (await shown.textContent())?.trim() ?? '';
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // The page says until when it is valid, counting down.
    await expect(page.getByTestId('pairing-expiry').textContent()).resolves.toMatch(
      /Expires in [0-9]+:[0-5][0-9]/,
    );
    await expect(page.getByTestId('pairing').textContent()).resolves.toContain(`+${phone}`);
    await saveScreenshot(page, 'overview-pairing-code.png');

    // The phone's owner types the code (the simulated phone); the page shows the link, no reload.
    await simulate(stack, OTHER.tenant, { type: 'enter_pairing_code', code });
    await page.getByTestId('linked-number').waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('linked-number').textContent()).resolves.toBe(`+${phone}`);
    expect(await page.getByTestId('pairing-code').count()).toBe(0);
    await context.close();
  });

  it('an edited message shows "edited" with its earlier texts and times; a deleted one a "Deleted" marker, its text only when kept', async () => {
    await simulate(stack, DEMO.tenant, { type: 'link' });
    await waitFor(
      'demo linked',
      async () =>
        (await stack.db.whatsAppSession.findUnique({ where: { tenantId: demoTenantId } }))?.state ===
        'CONNECTED',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const from = '4915550011';
    await simulate(stack, DEMO.tenant, { type: 'inbound', from, id: 'E2E-EDIT', text: 'Pick-up at 10' });
    await simulate(stack, DEMO.tenant, {
      type: 'inbound',
      from,
      id: 'E2E-DEL',
      text: 'My card number is 4111',
    });
    await simulate(stack, DEMO.tenant, { type: 'inbound', from, id: 'E2E-PLAIN', text: 'Thanks a lot' });
    const row = (id: string) =>
      stack.db.messageLog.findFirst({ where: { tenantId: demoTenantId, waMessageId: id } });
    await waitFor('three messages stored', async () => (await row('E2E-PLAIN')) !== null, {
      timeoutMs: 15_000,
    });
    // Through the control plane's simulate route: the customer edits twice and deletes one message.
    await simulate(stack, DEMO.tenant, { type: 'edit', targetId: 'E2E-EDIT', text: 'Pick-up at 11' });
    await simulate(stack, DEMO.tenant, { type: 'edit', targetId: 'E2E-EDIT', text: 'Pick-up at 12 please' });
    await simulate(stack, DEMO.tenant, { type: 'revoke', targetId: 'E2E-DEL' });
    await waitFor(
      'edits and deletion stored',
      async () =>
        (await row('E2E-EDIT'))?.body === 'Pick-up at 12 please' &&
        (await row('E2E-DEL'))?.deletedAt !== null,
      { timeoutMs: 15_000 },
    );
    // An edit without its target is refused by the route, naming the field.
    const bad = await stack.admin('POST', `/admin/tenants/${DEMO.tenant}/simulate`, {
      type: 'edit',
      text: 'x',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('targetId');
    // What a worker with DELETED_MESSAGE_CONTENT=remove leaves of a deleted message: the row, no text.
    await stack.db.messageLog.create({
      data: {
        tenantId: demoTenantId,
        direction: 'IN',
        fromNumber: from,
        toNumber: simulatedPhoneNumber(demoTenantId),
        body: '',
        waMessageId: 'E2E-REMOVED',
        status: 'RECEIVED',
        deletedAt: new Date(),
      },
    });

    await owner.goto(`${stack.portalUrl}/conversations`);
    const chat = owner.locator(`[data-testid="conversation"][data-contact="${from}"]`);
    await chat.waitFor({ timeout: 15_000 });
    await chat.click();
    const thread = owner.getByTestId('thread');
    const bubbles = thread.getByTestId('bubble');
    await waitFor('four bubbles', async () => (await bubbles.count()) === 4, { timeoutMs: 15_000 });
    const bubble = (text: string) => thread.locator('[data-testid="bubble"]', { hasText: text });
    const edited = bubble('Pick-up at 12 please');
    const marker = edited.getByTestId('message-edited');
    await expect(marker.locator('summary').textContent()).resolves.toBe('edited');
    // Closed, the earlier texts are not on show; opened, both are, oldest first, each with its time.
    expect(await marker.getByTestId('message-edit').first().isVisible()).toBe(false);
    await marker.locator('summary').click();
    const earlier = marker.getByTestId('message-edit');
    await earlier.first().waitFor();
    expect(await earlier.allTextContents()).toEqual([
      expect.stringMatching(/^Pick-up at 10 \(replaced .+ UTC[+-]\d\d:\d\d\)$/),
      expect.stringMatching(/^Pick-up at 11 \(replaced .+ UTC[+-]\d\d:\d\d\)$/),
    ]);
    expect(await edited.getByTestId('message-deleted').count()).toBe(0);
    // Deleted, content kept (the default): the marker and the text.
    const deleted = bubble('My card number is 4111');
    await expect(deleted.getByTestId('message-deleted').textContent()).resolves.toBe('Deleted');
    expect(await deleted.getByTestId('message-edited').count()).toBe(0);
    // Deleted, content removed: the marker and a line saying so, no empty bubble.
    const removed = bubble('This message was deleted by its sender.');
    await expect(removed.getByTestId('message-deleted').textContent()).resolves.toBe('Deleted');
    // The control: an untouched message has neither marker.
    const plain = bubble('Thanks a lot');
    expect(await plain.getByTestId('message-deleted').count()).toBe(0);
    expect(await plain.getByTestId('message-edited').count()).toBe(0);
    await saveScreenshot(owner, 'conversation-edits.png');

    // The Messages page shows the same markers, and the search finds the edited text by its new words.
    await owner.goto(`${stack.portalUrl}/messages`);
    const listRow = (text: string) => owner.locator('[data-testid="message-row"]', { hasText: text });
    await listRow('Pick-up at 12 please').waitFor({ timeout: 15_000 });
    const listEdited = listRow('Pick-up at 12 please').getByTestId('message-edited');
    await listEdited.locator('summary').click();
    await expect(listEdited.getByTestId('message-edit').first().textContent()).resolves.toContain(
      'Pick-up at 10',
    );
    await expect(
      listRow('My card number is 4111').getByTestId('message-deleted').textContent(),
    ).resolves.toBe('Deleted');
    await expect(
      listRow('This message was deleted by its sender.').getByTestId('message-deleted').textContent(),
    ).resolves.toBe('Deleted');
    expect(await listRow('Thanks a lot').getByTestId('message-edited').count()).toBe(0);
  });

  it('a chat shows an image thumbnail, a voice note, a document, a location and a reaction; files only for the own tenant', async () => {
    await simulate(stack, DEMO.tenant, { type: 'link' });
    await waitFor(
      'demo linked',
      async () =>
        (await stack.db.whatsAppSession.findUnique({ where: { tenantId: demoTenantId } }))?.state ===
        'CONNECTED',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const from = '4915550009';
    const sent = [
      { id: 'E2E-TXT', text: 'Hello, the part arrived broken' },
      { id: 'E2E-IMG', messageType: 'IMAGE', text: 'This is the broken part' },
      { id: 'E2E-PTT', messageType: 'VOICE' },
      { id: 'E2E-DOC', messageType: 'DOCUMENT', fileName: 'delivery-note.pdf' },
      {
        id: 'E2E-LOC',
        messageType: 'LOCATION',
        latitude: 52.5163,
        longitude: 13.3777,
        locationName: 'Pickup point',
      },
      { id: 'E2E-RCT', messageType: 'REACTION', emoji: '👍', targetId: 'E2E-IMG' },
    ];
    for (const m of sent) await simulate(stack, DEMO.tenant, { type: 'inbound', from, ...m });
    const rows = await waitFor(
      'six messages stored with their files',
      async () => {
        const all = await stack.db.messageLog.findMany({
          where: { tenantId: demoTenantId, fromNumber: from },
        });
        return all.length === sent.length && all.every((r) => !r.mediaStatus || r.mediaStatus === 'STORED')
          ? all
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const imageId = rows.find((r) => r.type === 'IMAGE')!.id;

    await owner.goto(`${stack.portalUrl}/conversations`);
    const chat = owner.locator(`[data-testid="conversation"][data-contact="${from}"]`);
    await chat.waitFor({ timeout: 15_000 });
    await expect(chat.getByTestId('unread').textContent()).resolves.toBe('6');
    await chat.click();
    const thread = owner.getByTestId('thread');
    const image = thread.locator('[data-testid="bubble"][data-type="IMAGE"]');
    await image.waitFor();
    // The thumbnail really loaded (made by the control plane, relayed by the portal with the session).
    await waitFor('thumbnail decoded', () =>
      image.getByTestId('thumbnail').evaluate((img) => (img as HTMLImageElement).naturalWidth > 0),
    );
    await expect(image.textContent()).resolves.toContain('This is the broken part');
    // The reaction sits on the message it is about, not as a line of its own.
    await expect(image.getByTestId('reactions').textContent()).resolves.toBe('👍');
    expect(await thread.locator('[data-testid="bubble"][data-type="REACTION"]').count()).toBe(0);
    const voice = thread.locator('[data-testid="bubble"][data-type="VOICE"]');
    expect(await voice.getByTestId('audio').getAttribute('src')).toMatch(
      /^\/api\/tenant\/messages\/[0-9a-f-]+\/media$/,
    );
    await expect(voice.textContent()).resolves.toContain('Voice note · 1 s');
    const doc = thread.locator('[data-testid="bubble"][data-type="DOCUMENT"]').getByTestId('document');
    await expect(doc.textContent()).resolves.toContain('delivery-note.pdf');
    const map = thread.getByTestId('location');
    await expect(map.textContent()).resolves.toBe('Pickup point');
    expect(await map.getAttribute('href')).toContain('mlat=52.5163&mlon=13.3777');
    // Times carry their zone.
    await expect(image.locator('time').textContent()).resolves.toMatch(/ UTC[+-]\d\d:\d\d$/);
    // Looking at the chat read it.
    await waitFor('unread cleared', async () => (await chat.getByTestId('unread').count()) === 0, {
      timeoutMs: 15_000,
    });
    await saveScreenshot(owner, 'conversation.png', 'conversation.png');

    // The file through the portal: the owner gets it; the other tenant's admin gets 404; signed out 401.
    const own = await owner.request.get(`${stack.portalUrl}/api/tenant/messages/${imageId}/media`);
    expect(own.status()).toBe(200);
    expect(own.headers()['content-type']).toBe('image/png');
    expect((await own.body()).subarray(1, 4).toString()).toBe('PNG');
    const otherContext = await newContext(browser);
    const other = await otherContext.newPage();
    await signIn(other, stack.portalUrl, OTHER.owner, TEST_PASSWORD);
    for (const variant of ['', '?variant=thumbnail']) {
      const res = await other.request.get(
        `${stack.portalUrl}/api/tenant/messages/${imageId}/media${variant}`,
      );
      expect(res.status()).toBe(404);
    }
    await otherContext.close();
    const anonymous = await newContext(browser);
    const res = await anonymous.request.get(`${stack.portalUrl}/api/tenant/messages/${imageId}/media`);
    expect(res.status()).toBe(401);
    await anonymous.close();

    // The flat list keeps working, with a type filter.
    await owner.goto(`${stack.portalUrl}/messages`);
    await owner.getByTestId('message-row').first().waitFor();
    await owner.getByLabel('Type').selectOption('VOICE');
    await owner.getByRole('button', { name: 'Apply' }).click();
    await waitFor('only the voice note listed', async () => {
      const texts = await owner.getByTestId('message-row').allTextContents();
      return texts.length === 1 && texts[0]!.includes('Voice note');
    });
  });

  it('sends an image with a caption from the Send page; it goes out and shows in the chat like a received one; a disguised file is refused', async () => {
    await simulate(stack, DEMO.tenant, { type: 'link' });
    await waitFor(
      'demo linked',
      async () =>
        (await stack.db.whatsAppSession.findUnique({ where: { tenantId: demoTenantId } }))?.state ===
        'CONNECTED',
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const to = '4915550009';
    const before = await stack.db.messageLog.count({ where: { tenantId: demoTenantId, direction: 'OUT' } });
    await owner.goto(`${stack.portalUrl}/send`);

    // A text file named .png: refused by the control plane from its bytes, nothing written.
    await owner.getByLabel(/^To/).fill(to);
    await owner.getByLabel('File (optional)').setInputFiles({
      name: 'holiday.png',
      mimeType: 'image/png',
      buffer: Buffer.from('these are words, not pixels\n'),
    });
    // With a file the text is an optional caption.
    await owner.getByLabel('Caption (optional)').waitFor();
    await owner.getByRole('button', { name: 'Send' }).click();
    await owner.getByText(/the file's bytes are text\/plain, which cannot be sent/).waitFor();
    expect(await stack.db.messageLog.count({ where: { tenantId: demoTenantId, direction: 'OUT' } })).toBe(
      before,
    );

    const png = samplePng(200, 120);
    await owner.getByLabel('File (optional)').setInputFiles({
      name: 'replacement.png',
      mimeType: 'image/png',
      buffer: png,
    });
    await owner.getByLabel('Caption (optional)').fill('Here is the replacement part');
    await owner.getByRole('button', { name: 'Send' }).click();
    await owner.getByText('Message accepted').waitFor();
    await saveScreenshot(owner, 'send-media.png');

    // Sent by the worker through the simulated network, and read there.
    const row = await waitFor(
      'the image READ',
      async () => {
        const r = await stack.db.messageLog.findFirst({
          where: { tenantId: demoTenantId, direction: 'OUT', type: 'IMAGE' },
        });
        return r?.status === 'READ' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(row).toMatchObject({
      toNumber: to,
      body: 'Here is the replacement part',
      mediaStatus: 'STORED',
      mediaMime: 'image/png',
      mediaSize: png.length,
      attempts: 1,
      sentByKind: 'USER',
      sentByLabel: DEMO.owner,
    });
    expect(await stack.db.messageLog.count({ where: { tenantId: demoTenantId, direction: 'OUT' } })).toBe(
      before + 1,
    );

    // In the chat, as an outbound bubble with its thumbnail (from the stored file) and its caption.
    await owner.goto(`${stack.portalUrl}/conversations`);
    await owner.locator(`[data-testid="conversation"][data-contact="${to}"]`).click();
    const bubble = owner.locator(`[data-testid="bubble"][data-id="${row.id}"]`);
    await bubble.waitFor({ timeout: 15_000 });
    expect(await bubble.getAttribute('class')).toContain('out');
    expect(await bubble.getAttribute('data-type')).toBe('IMAGE');
    await waitFor('thumbnail decoded', () =>
      bubble.getByTestId('thumbnail').evaluate((img) => (img as HTMLImageElement).naturalWidth > 0),
    );
    await expect(bubble.textContent()).resolves.toContain('Here is the replacement part');
    await saveScreenshot(owner, 'conversation-sent-image.png');
    const file = await owner.request.get(`${stack.portalUrl}/api/tenant/messages/${row.id}/media`);
    expect(file.status()).toBe(200);
    expect((await file.body()).equals(png)).toBe(true);

    // In the flat list, as an outbound image row with its caption and sender.
    await owner.goto(`${stack.portalUrl}/messages`);
    const listed = owner.locator('[data-testid="message-row"][data-direction="OUT"]', {
      hasText: 'Here is the replacement part',
    });
    await listed.waitFor({ timeout: 15_000 });
    await expect(listed.getByTestId('message-type').textContent()).resolves.toBe('Image');
    await expect(listed.getByTestId('message-sent-by').textContent()).resolves.toContain(DEMO.owner);
  });
});
