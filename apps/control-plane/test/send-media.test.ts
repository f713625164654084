// Sending a file with a message (POST /v1/messages and the portal's send route): the file is checked
// (type from its bytes, size) and stored in the tenant's media folder before the QUEUED row points at
// it; anything wrong is a 4xx naming the problem and writes nothing. Real PostgreSQL and Redis.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMediaStore } from '@wa-fleet/media';
import { sendQueueName } from '@wa-fleet/shared';
import { sampleMp3, samplePdf, samplePng, sampleWav } from '@wa-fleet/simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  bearer,
  buildTestApp,
  createApiKey,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

/** A small limit, so "too big" needs no large file. */
const MAX_FILE = 64 * 1024;

let stack: TestStack;
let app: FastifyInstance;
let store: LocalMediaStore;
const tenants = { a: { id: '', secret: '' }, b: { id: '', secret: '' } };

const b64 = (data: Buffer) => data.toString('base64');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function send(secret: string, payload: object) {
  return app.inject({ method: 'POST', url: '/v1/messages', headers: bearer(secret), payload });
}

async function outboundRows(tenantId: string) {
  return stack.db.messageLog.findMany({
    where: { tenantId, direction: 'OUT' },
    orderBy: { createdAt: 'asc' },
  });
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, { SEND_MEDIA_MAX_BYTES: String(MAX_FILE) });
  store = new LocalMediaStore(stack.config().MEDIA_DIR, { maxFileBytes: 1e9, maxTenantBytes: 1e9 });
  for (const side of ['a', 'b'] as const) {
    const t = await createTenant(stack.db, `send-media-${side}`);
    const admin = `admin@send-media-${side}.test`;
    await createUser(stack.db, admin, [{ tenantId: t.id, role: 'TENANT_ADMIN' }]);
    await createUser(stack.db, `operator@send-media-${side}.test`, [{ tenantId: t.id, role: 'OPERATOR' }]);
    const key = await createApiKey(app, admin, { name: 'CRM', scopes: ['messages:send', 'messages:read'] });
    tenants[side] = { id: t.id, secret: key.secret };
  }
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('sending a file through POST /v1/messages', () => {
  it('accepts an image, a PDF and an MP3: each stored under its tenant, the QUEUED row pointing at it, its job queued', async () => {
    const { id: tenantId, secret } = tenants.a;
    const png = samplePng(120, 80);
    const pdf = samplePdf('invoice 1042');
    const mp3 = sampleMp3();
    const cases = [
      { data: png, caption: 'Your parcel', fileName: 'parcel.png', type: 'IMAGE', mime: 'image/png' },
      {
        data: pdf,
        caption: 'Invoice 1042',
        fileName: 'invoice-1042.pdf',
        type: 'DOCUMENT',
        mime: 'application/pdf',
      },
      { data: mp3, caption: undefined, fileName: undefined, type: 'AUDIO', mime: 'audio/mpeg' },
    ] as const;
    for (const c of cases) {
      const res = await send(secret, {
        to: '+4915112345678',
        ...(c.caption ? { text: c.caption } : {}),
        media: { data: b64(c.data), ...(c.fileName ? { fileName: c.fileName } : {}) },
        idempotencyKey: `file-${c.type}`,
      });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ status: 'QUEUED', isDuplicate: false });
      const id = res.json<{ id: string }>().id;

      const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({
        tenantId,
        direction: 'OUT',
        toNumber: '4915112345678',
        body: c.caption ?? '',
        type: c.type,
        mediaStatus: 'STORED',
        mediaSha256: sha256(c.data),
        mediaMime: c.mime,
        mediaSize: c.data.length,
        sentByKind: 'API_KEY',
      });
      // The stored file is exactly the upload, in the tenant's own folder.
      expect(readFileSync(store.filePath(tenantId, sha256(c.data))).equals(c.data)).toBe(true);

      // The message as the API and the portal show it: type, caption, file name, the file itself.
      const shown = await app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: bearer(secret) });
      expect(shown.json()).toMatchObject({
        type: c.type,
        body: c.caption ?? '',
        meta: {
          ...(c.caption ? { caption: c.caption } : {}),
          ...(c.fileName ? { fileName: c.fileName } : {}),
        },
        media: { status: 'STORED', mimeType: c.mime, size: c.data.length },
      });
      const file = await app.inject({
        method: 'GET',
        url: `/portal/tenant/current/messages/${id}/media`,
        headers: portalHeaders('operator@send-media-a.test'),
      });
      expect(file.statusCode).toBe(200);
      expect(file.headers['content-type']).toBe(c.mime);
      expect(file.rawPayload.equals(c.data)).toBe(true);
    }

    // Each row's job waits in the tenant's send queue, as a text message's does.
    const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(sendQueueName(tenantId), { connection: redis, prefix: stack.redisPrefix });
    try {
      const rows = await outboundRows(tenantId);
      for (const row of rows) expect(await queue.getJob(row.id), row.type).toBeDefined();
    } finally {
      await queue.close();
      await redis.quit();
    }
  });

  it('refuses a file of a type not allowed (read from the bytes), one too big, bad base64, or no content: 4xx naming it, nothing written', async () => {
    const { id: tenantId, secret } = tenants.a;
    const rowsBefore = (await outboundRows(tenantId)).length;
    const usageBefore = await store.usage(tenantId);
    const text = Buffer.from('not a picture at all, just words\n');
    const wav = sampleWav(0.5);

    const cases: { payload: object; status: number; code: string; message: RegExp }[] = [
      {
        // Declared a PNG, named .png: the bytes are text.
        payload: { media: { data: b64(text), fileName: 'photo.png', mimeType: 'image/png' } },
        status: 415,
        code: 'MEDIA_TYPE_NOT_ALLOWED',
        message: /the file's bytes are text\/plain, which cannot be sent \(allowed: image\/jpeg, image\/png/,
      },
      {
        // A real audio file, but WAV is not a type WhatsApp takes.
        payload: { text: 'listen', media: { data: b64(wav), mimeType: 'audio/mpeg' } },
        status: 415,
        code: 'MEDIA_TYPE_NOT_ALLOWED',
        message: /the file's bytes are audio\/(x-)?wav/,
      },
      {
        // An allowed type, just over the per-file limit (still well inside the body limit).
        payload: { text: 'big', media: { data: b64(sampleMp3(Math.ceil(MAX_FILE / 417) + 1)) } },
        status: 413,
        code: 'MEDIA_TOO_LARGE',
        message: new RegExp(`file of \\d+ bytes is over the limit of ${MAX_FILE} bytes per file`),
      },
      {
        payload: { media: { data: 'this is not base64!' } },
        status: 400,
        code: 'VALIDATION_ERROR',
        message: /body\/media\/data must be base64/,
      },
      { payload: {}, status: 400, code: 'VALIDATION_ERROR', message: /body must have text, media or both/ },
      {
        payload: { media: { fileName: 'x.png' } },
        status: 400,
        code: 'VALIDATION_ERROR',
        message: /data/,
      },
    ];
    for (const c of cases) {
      const res = await send(secret, { to: '4915112345678', idempotencyKey: 'refused', ...c.payload });
      expect(res.statusCode, res.body).toBe(c.status);
      expect(res.json().error.code).toBe(c.code);
      expect(res.json().error.message).toMatch(c.message);
    }
    // A body past the route's limit is refused before it is read into a message.
    const huge = await send(secret, {
      to: '4915112345678',
      media: { data: 'A'.repeat(Math.ceil(MAX_FILE / 3) * 4 + 70 * 1024) },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(huge.json().error.message).toMatch(/the request body is over this route's limit of \d+ bytes/);
    // Without a key the same body is refused for the key, before the body is parsed.
    const anonymous = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: { to: '4915112345678', media: { data: 'A'.repeat(Math.ceil(MAX_FILE / 3) * 4 + 70 * 1024) } },
    });
    expect(anonymous.statusCode).toBe(401);

    expect((await outboundRows(tenantId)).length).toBe(rowsBefore);
    expect(await store.usage(tenantId)).toBe(usageBefore);

    // Positive control: the same key with an allowed file of the same request shape is accepted.
    const ok = await send(secret, {
      to: '4915112345678',
      idempotencyKey: 'refused',
      media: { data: b64(samplePng(10, 10)), fileName: 'photo.png' },
    });
    expect(ok.statusCode, ok.body).toBe(202);
    expect((await outboundRows(tenantId)).length).toBe(rowsBefore + 1);
    expect(await store.usage(tenantId)).toBeGreaterThan(usageBefore);
  });

  it('a retry with the same idempotency key is one message and one file; the key reused with another file still returns the first message', async () => {
    const { id: tenantId, secret } = tenants.a;
    const png = samplePng(30, 20);
    const body = {
      to: '4915112345678',
      text: 'retry me',
      media: { data: b64(png) },
      idempotencyKey: 'retry-1',
    };
    const first = await send(secret, body);
    expect(first.statusCode).toBe(202);
    expect(first.json().isDuplicate).toBe(false);
    const usageAfterFirst = await store.usage(tenantId);

    const again = await send(secret, body);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ ...first.json(), isDuplicate: true });

    // As for text: the key names the message, so another body under it is answered with the first.
    const other = samplePng(31, 21);
    const reused = await send(secret, { ...body, text: 'different', media: { data: b64(other) } });
    expect(reused.statusCode).toBe(202);
    expect(reused.json()).toEqual({ ...first.json(), isDuplicate: true });
    expect(existsSync(store.filePath(tenantId, sha256(other)))).toBe(false);
    expect(await store.usage(tenantId)).toBe(usageAfterFirst);

    const rows = await stack.db.messageLog.findMany({ where: { tenantId, idempotencyKey: 'retry-1' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ body: 'retry me', mediaSha256: sha256(png) });
  });

  it("keeps tenants apart: the same bytes are stored per tenant, no key can point at a stored file, and A's message is not B's", async () => {
    const png = samplePng(40, 40);
    const fromA = await send(tenants.a.secret, { to: '4915112345678', media: { data: b64(png) } });
    expect(fromA.statusCode).toBe(202);
    const idA = fromA.json<{ id: string }>().id;
    expect(existsSync(store.filePath(tenants.a.id, sha256(png)))).toBe(true);
    expect(existsSync(store.filePath(tenants.b.id, sha256(png)))).toBe(false);

    // There is no way to name a stored file (by hash or message id): only uploaded bytes are sent.
    const bRows = (await outboundRows(tenants.b.id)).length;
    for (const media of [{ sha256: sha256(png) }, { data: b64(png), messageId: idA }]) {
      const res = await send(tenants.b.secret, { to: '4915112345678', media });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await outboundRows(tenants.b.id)).length).toBe(bRows);

    // A's message is unknown to B's key and to B's portal users, as a made-up id is.
    const byB = await app.inject({
      method: 'GET',
      url: `/v1/messages/${idA}`,
      headers: bearer(tenants.b.secret),
    });
    expect(byB.statusCode).toBe(404);
    const fileByB = await app.inject({
      method: 'GET',
      url: `/portal/tenant/current/messages/${idA}/media`,
      headers: portalHeaders('operator@send-media-b.test'),
    });
    expect(fileByB.statusCode).toBe(404);
    const fileByA = await app.inject({
      method: 'GET',
      url: `/portal/tenant/current/messages/${idA}/media`,
      headers: portalHeaders('operator@send-media-a.test'),
    });
    expect(fileByA.statusCode).toBe(200);

    // B sending the same bytes gets its own copy in its own folder.
    const fromB = await send(tenants.b.secret, { to: '4915112345678', media: { data: b64(png) } });
    expect(fromB.statusCode).toBe(202);
    expect(readFileSync(store.filePath(tenants.b.id, sha256(png))).equals(png)).toBe(true);
  });
});

describe('the tenant media quota', () => {
  it('refuses a file that would take the tenant past MEDIA_MAX_TENANT_BYTES with 413, storing nothing; a smaller one fits', async () => {
    const { id: tenantId, secret } = tenants.a;
    const used = await store.usage(tenantId);
    const small = await buildTestApp(stack, {}, { MEDIA_MAX_TENANT_BYTES: String(used + 2_000) });
    try {
      const big = samplePng(60, 60);
      expect(big.length).toBeGreaterThan(2_000);
      const refused = await small.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: bearer(secret),
        payload: { to: '4915112345678', media: { data: b64(big) } },
      });
      expect(refused.statusCode).toBe(413);
      expect(refused.json().error).toMatchObject({ code: 'MEDIA_TOO_LARGE' });
      expect(refused.json().error.message).toMatch(/tenant media quota of \d+ bytes reached/);
      expect(await store.usage(tenantId)).toBe(used);

      const tiny = sampleMp3(1);
      const fits = await small.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: bearer(secret),
        payload: { to: '4915112345678', media: { data: b64(tiny) } },
      });
      expect(fits.statusCode, fits.body).toBe(202);
      expect(await store.usage(tenantId)).toBe(used + tiny.length);
    } finally {
      await small.close();
    }
  });
});

describe('sending a file from the portal', () => {
  it('an operator sends an image with a caption through the same route shape; the row records the user', async () => {
    const png = samplePng(16, 16);
    const res = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/messages',
      headers: portalHeaders('operator@send-media-b.test'),
      payload: { to: '4915112345678', text: 'from the portal', media: { data: b64(png), fileName: 'p.png' } },
    });
    expect(res.statusCode, res.body).toBe(202);
    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id: res.json<{ id: string }>().id } });
    expect(row).toMatchObject({
      tenantId: tenants.b.id,
      type: 'IMAGE',
      body: 'from the portal',
      mediaSha256: sha256(png),
      sentByKind: 'USER',
      sentByLabel: 'operator@send-media-b.test',
    });
    const wrong = await app.inject({
      method: 'POST',
      url: '/portal/tenant/current/messages',
      headers: portalHeaders('operator@send-media-b.test'),
      payload: { to: '4915112345678', media: { data: b64(Buffer.from('%!PS-Adobe-3.0\nnot allowed\n')) } },
    });
    expect(wrong.statusCode).toBe(415);
  });
});
