// Message files reach a portal user only through the tenant-checked media route; thumbnails are made
// here; retention deletes files with their rows; chats list with unread counts per tenant.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceLogger } from '@wa-fleet/logger';
import { LocalMediaStore } from '@wa-fleet/media';
import { samplePdf, samplePng } from '@wa-fleet/simulator';
import { runRetention } from '../src/services/message-retention.ts';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  PORTAL_KEY,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let store: LocalMediaStore;
const tenants = { a: { id: '', slug: '' }, b: { id: '', slug: '' } };
const msgs = { imageA: '', imageB: '', pdfA: '', pendingA: '', textA: '' };
const pngA = samplePng(800, 400);
const pngB = samplePng(50, 50);

async function mediaRow(tenantId: string, data: Buffer | null, extra: Record<string, unknown> = {}) {
  const stored = data ? await store.put(tenantId, data) : undefined;
  const row = await stack.db.messageLog.create({
    data: {
      tenantId,
      direction: 'IN',
      fromNumber: '4915100000001',
      toNumber: '4915100000099',
      body: '',
      status: 'RECEIVED',
      waMessageId: `wa-${randomUUID()}`,
      type: 'IMAGE',
      mediaStatus: stored ? 'STORED' : 'PENDING',
      mediaSha256: stored?.sha256 ?? null,
      mediaMime: stored?.mimeType ?? null,
      mediaSize: stored?.size ?? null,
      ...extra,
    },
  });
  return row.id;
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  store = new LocalMediaStore(stack.config().MEDIA_DIR, { maxFileBytes: 1e9, maxTenantBytes: 1e9 });
  for (const side of ['a', 'b'] as const) {
    const t = await createTenant(stack.db, `media-${side}`);
    tenants[side] = { id: t.id, slug: t.slug };
    await createUser(stack.db, `viewer@media-${side}.test`, [{ tenantId: t.id, role: 'VIEWER' }]);
  }
  msgs.imageA = await mediaRow(tenants.a.id, pngA);
  msgs.imageB = await mediaRow(tenants.b.id, pngB);
  msgs.pdfA = await mediaRow(tenants.a.id, samplePdf(), {
    type: 'DOCUMENT',
    meta: { fileName: 'invoice "42".pdf' },
  });
  msgs.pendingA = await mediaRow(tenants.a.id, null);
  msgs.textA = await mediaRow(tenants.a.id, null, { type: 'TEXT', mediaStatus: null, body: 'hello' });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });
const mediaUrl = (id: string, variant?: string) =>
  `/portal/tenant/current/messages/${id}/media${variant ? `?variant=${variant}` : ''}`;

describe('message media route', () => {
  it('serves a tenant its own files (original, server-made thumbnail) and nothing of another tenant', async () => {
    const a = portalHeaders('viewer@media-a.test');
    const original = await get(mediaUrl(msgs.imageA), a);
    expect(original.statusCode).toBe(200);
    expect(original.headers['content-type']).toBe('image/png');
    expect(original.headers['cache-control']).toBe('private, no-store');
    expect(original.headers['x-content-type-options']).toBe('nosniff');
    expect(original.rawPayload.equals(pngA)).toBe(true);

    const thumb = await get(mediaUrl(msgs.imageA, 'thumbnail'), a);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const info = await sharp(thumb.rawPayload).metadata();
    expect(info).toMatchObject({ format: 'jpeg', width: 320, height: 160 });

    const pdf = await get(mediaUrl(msgs.pdfA), a);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="invoice _42_.pdf"');
    expect((await get(mediaUrl(msgs.pdfA, 'thumbnail'), a)).statusCode).toBe(404);

    // B's file by its real id, a made-up id, a text message, a file not fetched yet: all 404 for A,
    // B's answer looking exactly like the made-up one.
    const foreign = await get(mediaUrl(msgs.imageB), a);
    const madeUp = await get(mediaUrl(randomUUID()), a);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toBe(madeUp.body);
    expect(foreign.body).not.toContain(pngB.toString('latin1').slice(0, 8));
    expect((await get(mediaUrl(msgs.imageB, 'thumbnail'), a)).statusCode).toBe(404);
    expect((await get(mediaUrl(msgs.textA), a)).statusCode).toBe(404);
    const pending = await get(mediaUrl(msgs.pendingA), a);
    expect(pending.statusCode).toBe(404);
    expect(pending.json().error.message).toMatch(/not stored yet/);
    // B itself gets its own file.
    const own = await get(mediaUrl(msgs.imageB), portalHeaders('viewer@media-b.test'));
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(pngB)).toBe(true);

    // Signed out (no session, a dead session, the admin key alone): 401. Bad input: 400 naming it.
    for (const headers of [
      {} as Record<string, string>,
      { 'x-portal-key': PORTAL_KEY },
      { 'x-portal-key': PORTAL_KEY, 'x-session-token': 'not-a-session' },
      { authorization: adminHeaders.authorization },
    ]) {
      expect((await get(mediaUrl(msgs.imageA), headers)).statusCode).toBe(401);
    }
    const badId = await get(mediaUrl('not-a-uuid'), a);
    expect(badId.statusCode).toBe(400);
    const badVariant = await get(mediaUrl(msgs.imageA, 'huge'), a);
    expect(badVariant.statusCode).toBe(400);
    expect(badVariant.json().error.message).toMatch(/variant/);
  });

  it('lists chats with unread counts since the tenant last read them, and a thread with only its messages', async () => {
    const a = portalHeaders('viewer@media-a.test');
    const chats = await get('/portal/tenant/current/conversations', a);
    expect(chats.statusCode).toBe(200);
    const [chat] = chats.json().items;
    expect(chats.json().items).toHaveLength(1);
    expect(chat).toMatchObject({ contact: '4915100000001', unread: 4, lastReadAt: null });
    expect(chat.lastMessage.id).toBe(msgs.textA);

    const read = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/conversations/4915100000001/read',
      headers: a,
    });
    expect(read.statusCode).toBe(200);
    // A chat the tenant does not have is not marked read: 404, and no row is written for it.
    const made = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/conversations/4915199999999/read',
      headers: a,
    });
    expect(made.statusCode).toBe(404);
    expect(await stack.db.conversationRead.count({ where: { contact: '4915199999999' } })).toBe(0);
    await mediaRow(tenants.a.id, null, { type: 'TEXT', mediaStatus: null, body: 'one more' });
    const after = (await get('/portal/tenant/current/conversations', a)).json().items[0];
    expect(after).toMatchObject({ unread: 1, lastMessage: { body: 'one more' } });
    // B's chat with the same number is B's: its unread count is untouched by A's read.
    const b = (
      await get('/portal/tenant/current/conversations', portalHeaders('viewer@media-b.test'))
    ).json();
    expect(b.items).toMatchObject([{ contact: '4915100000001', unread: 1, lastReadAt: null }]);

    const thread = await get('/portal/tenant/current/conversations/4915100000001/messages', a);
    const items = thread.json().items as { id: string; type: string; media: { status: string } | null }[];
    expect(items.map((m) => m.id)).not.toContain(msgs.imageB);
    expect(items.slice(0, 3).map((m) => m.id)).toEqual([msgs.imageA, msgs.pdfA, msgs.pendingA]);
    expect(items[0]).toMatchObject({ type: 'IMAGE', media: { status: 'STORED', mimeType: 'image/png' } });
    const bad = await get('/portal/tenant/current/conversations/a%20b/messages', a);
    expect(bad.statusCode).toBe(400);
  });

  it('filters the message list by type', async () => {
    const a = portalHeaders('viewer@media-a.test');
    const docs = (await get('/portal/tenant/current/logs?type=DOCUMENT', a)).json().items;
    expect(docs.map((m: { id: string }) => m.id)).toEqual([msgs.pdfA]);
    expect((await get('/portal/tenant/current/logs?type=PICTURE', a)).statusCode).toBe(400);
  });

  it('retention deletes files with their rows, keeping a file another row still uses', async () => {
    const t = await createTenant(stack.db, 'media-retention');
    const shared = samplePng(10, 10);
    const lone = samplePng(11, 11);
    const old = { createdAt: new Date(Date.now() - 40 * 86_400_000) };
    await mediaRow(t.id, shared, old);
    await mediaRow(t.id, shared); // recent: keeps the shared file
    const loneRow = await mediaRow(t.id, lone, old);
    const loneSha = (await stack.db.messageLog.findUniqueOrThrow({ where: { id: loneRow } })).mediaSha256!;
    const sharedSha = (await stack.db.messageLog.findFirstOrThrow({ where: { tenantId: t.id } }))
      .mediaSha256!;
    const file = (sha: string) => path.join(stack.config().MEDIA_DIR, t.id, sha.slice(0, 2), sha);
    expect(existsSync(file(loneSha))).toBe(true);
    const log = await createServiceLogger({ service: 'test', stdout: false });
    expect(await runRetention(stack.db, 30, log, stack.config().MEDIA_DIR)).toBeGreaterThanOrEqual(2);
    expect(existsSync(file(loneSha))).toBe(false);
    expect(existsSync(file(sharedSha))).toBe(true);
    const audit = await stack.db.auditLog.findFirst({ where: { action: 'messages.pruned' } });
    expect(audit?.details).toMatchObject({ mediaFiles: 1 });
  });

  it('the simulate route takes a message type, and refuses an unknown one', async () => {
    const url = `/admin/tenants/${tenants.a.slug}/simulate`;
    const bad = await app.inject({
      method: 'POST',
      url,
      headers: adminHeaders,
      payload: { type: 'inbound', from: '4915100000002', messageType: 'HOLOGRAM' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/messageType/);
    const ok = await app.inject({
      method: 'POST',
      url,
      headers: adminHeaders,
      payload: { type: 'inbound', from: '4915100000002', messageType: 'VOICE' },
    });
    expect(ok.statusCode).toBe(202);
  });
});
