import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngineConfig, loadWorkerConfig } from '@wa-fleet/config';
import { waitFor } from '@wa-fleet/devstack';
import { createTenantLogger, flushLogger } from '@wa-fleet/logger';
import { workerControlChannel } from '@wa-fleet/shared';
import {
  CHROMIUM_ARGS,
  WwebjsEngine,
  createRealWwebjsMedia,
  findProcessesMentioning,
  wwebjsEngine,
  wwebjsOptions,
  type WwebjsChatLike,
  type WwebjsClientLike,
  type WwebjsClientSettings,
  type WwebjsMediaLike,
  type WwebjsMessage,
} from '../src/engine/wwebjs/index.ts';
import { Queue } from 'bullmq';
import { LocalMediaStore } from '@wa-fleet/media';
import { sendJob, sendQueueName } from '@wa-fleet/shared';
import { samplePdf, samplePng, sampleWav } from '@wa-fleet/simulator';
import { TenantWorker } from '../src/tenant-worker.ts';
import {
  createSuite,
  createTenant,
  expectLogsAreJsonWithTime,
  readLog,
  sessionRow,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  waitForWorkerStatus,
  workerRow,
  type Suite,
} from './helpers.ts';

let suite: Suite;
let sessionDir: string;

beforeAll(async () => {
  suite = await createSuite();
  sessionDir = await mkdtemp(path.join(tmpdir(), 'wa-worker-sessions-'));
});

afterAll(async () => {
  await suite?.close();
  if (sessionDir) await rm(sessionDir, { recursive: true, force: true });
});

/** Stands in for whatsapp-web.js's Client: same event names and payload shapes, no browser. */
class FakeWwebjsClient extends EventEmitter implements WwebjsClientLike {
  info: { wid: { user: string; server: string; _serialized: string }; pushname: string } | undefined;
  readonly sent: { chatId: string; content: string | WwebjsMediaLike; options?: { caption?: string } }[] = [];
  /** What WhatsApp Web holds (backfill reads it through getChats / fetchMessages). */
  chats: WwebjsChatLike[] = [];
  isInitialized = false;
  isDestroyed = false;

  async initialize(): Promise<void> {
    this.isInitialized = true;
  }

  async destroy(): Promise<void> {
    this.isDestroyed = true;
  }

  async getChats(): Promise<WwebjsChatLike[]> {
    return this.chats;
  }

  /** What the library was asked for; like it, the code also arrives as the `code` event. */
  readonly pairingRequests: { phoneNumber: string; showNotification?: boolean; intervalMs?: number }[] = [];
  async requestPairingCode(phoneNumber: string, showNotification?: boolean, intervalMs?: number) {
    this.pairingRequests.push({ phoneNumber, showNotification, intervalMs });
    if (this.info) throw new Error('already paired');
    const code = 'WXYZ2345';
    this.emit('code', code);
    return code;
  }

  /** Messages the library can still find by id (for downloads after a restart). */
  readonly byId = new Map<string, WwebjsMessage>();
  async getMessageById(messageId: string) {
    return this.byId.get(messageId) ?? null;
  }

  async sendMessage(chatId: string, content: string | WwebjsMediaLike, options?: { caption?: string }) {
    this.sent.push(options === undefined ? { chatId, content } : { chatId, content, options });
    const serialized = `true_${chatId}_3EB0${String(this.sent.length).padStart(16, '0')}`;
    return {
      id: { fromMe: true, remote: chatId, id: serialized.slice(-20), _serialized: serialized },
      fromMe: true,
      body: typeof content === 'string' ? content : (options?.caption ?? ''),
    };
  }
}

function fakeChat(id: string, messages: ReturnType<typeof wwebjsMessage>[]): WwebjsChatLike {
  return {
    id: { _serialized: id },
    timestamp: Math.max(0, ...messages.map((m) => m.timestamp)),
    fetchMessages: async ({ limit }) => messages.slice(-limit),
  };
}

/** A worker in this process running the wwebjs engine on fake clients (one per initialize). */
async function startFakeWorker(tenant: { id: string; slug: string }) {
  const env = {
    TENANT_ID: tenant.id,
    DATABASE_URL: suite.database.url,
    REDIS_URL: suite.redisUrl,
    REDIS_PREFIX: suite.prefix,
    LOG_DIR: suite.logDir,
    WA_ENGINE: 'wwebjs',
    WWEBJS_SESSION_DIR: sessionDir,
    HEARTBEAT_INTERVAL_MS: '500',
    SEND_RATE_PER_MIN: '600',
    MEDIA_DIR: path.join(sessionDir, 'media'),
    MEDIA_RETRY_BASE_MS: '200',
  };
  const config = loadWorkerConfig(env);
  const log = await createTenantLogger(tenant.slug, {
    service: 'worker',
    logDir: suite.logDir,
    level: 'debug',
    stdout: false,
  });
  const redis = new Redis(suite.redisUrl, { maxRetriesPerRequest: null });
  const clients: FakeWwebjsClient[] = [];
  const settingsSeen: WwebjsClientSettings[] = [];
  const ctx = { tenantId: tenant.id, redis, redisPrefix: suite.prefix, logger: log };
  const engine = new WwebjsEngine({
    ...wwebjsOptions(ctx, loadEngineConfig('wwebjs', wwebjsEngine.configSchema, env)),
    createClient: async (settings) => {
      settingsSeen.push(settings);
      const client = new FakeWwebjsClient();
      clients.push(client);
      return client;
    },
  });
  const worker = new TenantWorker({ config, tenant, db: suite.db, redis, log, engine });
  const fatal: Error[] = [];
  await worker.start({ onFatal: (err) => fatal.push(err) });
  return {
    worker,
    clients,
    settingsSeen,
    fatal,
    close: async () => {
      await worker.stop();
      await flushLogger(log);
      await redis.quit();
    },
  };
}

function wwebjsMessage(from: string, to: string, body: string, key: string, timestamp?: number) {
  return {
    id: { fromMe: false, remote: `${from}@c.us`, id: key, _serialized: `false_${from}@c.us_${key}` },
    from: `${from}@c.us`,
    to: `${to}@c.us`,
    body,
    type: 'chat',
    timestamp: timestamp ?? Math.floor(Date.now() / 1000),
    fromMe: false,
    hasMedia: false,
  };
}

describe('wwebjs engine', () => {
  it('maps a whatsapp-web.js client onto session state and the message pipeline (fake client)', async () => {
    const tenant = await createTenant(suite);
    await suite.db.autoReplyRule.create({
      data: {
        tenantId: tenant.id,
        name: 'greeting',
        matchType: 'EXACT',
        pattern: 'hi',
        reply: 'hello from the bot',
      },
    });
    const { clients, settingsSeen, fatal, close } = await startFakeWorker(tenant);
    const client = clients[0]!;
    await waitFor('client initialized', () => client.isInitialized);
    expect(settingsSeen[0]).toMatchObject({
      clientId: tenant.id,
      dataPath: sessionDir,
      chromiumPath: '/usr/bin/chromium',
    });
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');

    client.emit('qr', '2@fakeRef,fakeNoiseKey,fakeIdentityKey,fakeAdvSecret');
    const qr = await waitForSessionState(suite, tenant.id, 'QR');
    expect(qr.lastQr).toBe('2@fakeRef,fakeNoiseKey,fakeIdentityKey,fakeAdvSecret');

    client.emit('authenticated');
    client.info = {
      wid: { user: '15550001111', server: 'c.us', _serialized: '15550001111@c.us' },
      pushname: 'Acme',
    };
    client.emit('change_state', 'CONNECTED');
    client.emit('ready');
    const connected = await waitForSessionState(suite, tenant.id, 'CONNECTED');
    expect(connected.phoneNumber).toBe('15550001111');
    expect(connected.lastQr).toBeNull();

    // The same WhatsApp message twice (the library can re-emit after a reconnect): stored once, one reply.
    const inbound = wwebjsMessage('19990001234', '15550001111', 'Hi', 'AAAA0001');
    client.emit('message', inbound);
    client.emit('message', inbound);
    client.emit('message', {
      ...wwebjsMessage('status', '15550001111', 'story', 'S1'),
      from: 'status@broadcast',
    });
    const reply = await waitFor('auto-reply SENT', () =>
      suite.db.messageLog.findFirst({ where: { tenantId: tenant.id, direction: 'OUT', status: 'SENT' } }),
    );
    const stored = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'IN' } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      waMessageId: 'false_19990001234@c.us_AAAA0001',
      fromNumber: '19990001234',
      toNumber: '15550001111',
      body: 'Hi',
    });
    expect(client.sent).toEqual([{ chatId: '19990001234@c.us', content: 'hello from the bot' }]);
    expect(reply.waMessageId).toMatch(/^true_19990001234@c.us_/);

    // Acks as the library sends them: (Message, ack). Older acks arriving late never move a row back.
    const sentMessage = { id: { fromMe: true, _serialized: reply.waMessageId! }, fromMe: true };
    client.emit('message_ack', sentMessage, 2);
    await waitFor(
      'DELIVERED',
      async () => (await suite.db.messageLog.findUnique({ where: { id: reply.id } }))?.status === 'DELIVERED',
    );
    client.emit('message_ack', sentMessage, 3);
    client.emit('message_ack', sentMessage, 1);
    await waitFor(
      'READ',
      async () => (await suite.db.messageLog.findUnique({ where: { id: reply.id } }))?.status === 'READ',
    );
    await new Promise((r) => setTimeout(r, 200)); // let the stale ack land, then prove it changed nothing
    expect((await suite.db.messageLog.findUnique({ where: { id: reply.id } }))?.status).toBe('READ');

    client.emit('change_state', 'TIMEOUT');
    client.emit('disconnected', 'NAVIGATION');
    await waitForSessionState(suite, tenant.id, 'DISCONNECTED');
    client.emit('auth_failure', 'session data rejected');
    await waitForSessionState(suite, tenant.id, 'AUTH_FAILURE');
    client.emit('disconnected', 'LOGOUT');
    await waitForSessionState(suite, tenant.id, 'LOGGED_OUT');

    await close();
    expect(client.isDestroyed).toBe(true);
    expect((await workerRow(suite, tenant.id))?.status).toBe('STOPPED');
    expect(fatal).toEqual([]);
  });

  it('links by pairing code: the code and its refreshes reach the session row, never the log (fake client)', async () => {
    const tenant = await createTenant(suite);
    const { clients, close } = await startFakeWorker(tenant);
    const client = clients[0]!;
    await waitFor('client initialized', () => client.isInitialized);
    await waitForWorkerStatus(suite, tenant.id, 'RUNNING');
    client.emit('qr', '2@fakeRef,fakeNoiseKey,fakeIdentityKey,fakeAdvSecret');
    await waitForSessionState(suite, tenant.id, 'QR');

    await suite.db.whatsAppSession.update({
      where: { tenantId: tenant.id },
      data: { pairingPhone: '15550001111', pairingRequestedAt: new Date() },
    });
    await suite.redis.publish(
      workerControlChannel(suite.prefix, tenant.id),
      JSON.stringify({ type: 'pairing_code' }),
    );
    const first = await waitFor('pairing code stored', async () => {
      const row = await suite.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } });
      return row?.pairingCode ? row : undefined;
    });
    expect(client.pairingRequests).toEqual([
      { phoneNumber: '15550001111', showNotification: true, intervalMs: 180_000 },
    ]);
    expect(first.pairingCode).toBe('WXYZ2345');
    const validMs = first.pairingExpiresAt!.getTime() - Date.now();
    expect(validMs).toBeGreaterThan(170_000);
    expect(validMs).toBeLessThanOrEqual(180_000);

    // The library's refresh (every intervalMs while unpaired) replaces the code on the row.
    client.emit('code', 'QRST6789');
    await waitFor('refreshed code stored', async () => {
      const row = await suite.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } });
      return row?.pairingCode === 'QRST6789';
    });

    client.info = {
      wid: { user: '15550001111', server: 'c.us', _serialized: '15550001111@c.us' },
      pushname: 'A',
    };
    client.emit('ready');
    const linked = await waitForSessionState(suite, tenant.id, 'CONNECTED');
    expect(linked).toMatchObject({ phoneNumber: '15550001111', pairingCode: null, pairingPhone: null });

    // Asked again once linked: refused by the adapter before the library, with the reason on the row.
    await suite.db.whatsAppSession.update({
      where: { tenantId: tenant.id },
      data: { pairingPhone: '15550001111', pairingRequestedAt: new Date() },
    });
    await suite.redis.publish(
      workerControlChannel(suite.prefix, tenant.id),
      JSON.stringify({ type: 'pairing_code' }),
    );
    await waitFor('refusal recorded', async () => {
      const row = await suite.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } });
      return row?.pairingError === 'the number is already linked';
    });
    expect(client.pairingRequests).toHaveLength(1);
    await close();
    const log = JSON.stringify(readLog(suite.logDir, tenant.slug));
    expect(log).toContain('pairing code issued');
    expect(log).not.toContain('WXYZ2345');
    expect(log).not.toContain('QRST6789');
  });

  it('backfills on ready and after a reconnect: what WhatsApp Web holds since the gap, once, without its own or older messages', async () => {
    const tenant = await createTenant(suite);
    const createdAt = Math.floor(tenant.createdAt.getTime() / 1000);
    const me = '15550002222';
    const { clients, fatal, close } = await startFakeWorker(tenant);
    await waitFor('client initialized', () => clients[0]?.isInitialized);
    const first = clients[0]!;
    // Before the tenant existed (outside any gap): never fetched. After: fetched once each.
    const old = wwebjsMessage('19990005555', me, 'from last year', 'OLD1', createdAt - 3_600);
    const missed1 = wwebjsMessage('19990005555', me, 'written while down', 'MISS1', createdAt + 1);
    const missed2 = wwebjsMessage('19990006666', me, 'me too', 'MISS2', createdAt + 2);
    const ownReply = {
      ...wwebjsMessage(me, '19990005555', 'our reply', 'OWN1', createdAt + 3),
      fromMe: true,
    };
    first.chats = [
      fakeChat('19990005555@c.us', [old, missed1, ownReply]),
      fakeChat('19990006666@c.us', [missed2]),
      fakeChat('19990007777@c.us', [wwebjsMessage('19990007777', me, 'idle chat', 'IDLE', createdAt - 60)]),
    ];
    first.info = { wid: { user: me, server: 'c.us', _serialized: `${me}@c.us` }, pushname: 'Acme' };
    first.emit('ready');
    const inbound = () =>
      suite.db.messageLog.findMany({
        where: { tenantId: tenant.id, direction: 'IN' },
        orderBy: { body: 'asc' },
      });
    await waitFor('two missed messages stored', async () => (await inbound()).length === 2);
    await waitFor('backfill logged', () =>
      readLog(suite.logDir, tenant.slug).some((l) => l.msg === 'backfill done' && l.missing === 2),
    );
    expect((await inbound()).map((m) => m.waMessageId).sort()).toEqual([
      `false_19990005555@c.us_MISS1`,
      `false_19990006666@c.us_MISS2`,
    ]);

    // A lost connection: the adapter re-initializes (a new client), and its ready backfills again.
    first.emit('disconnected', 'NAVIGATION');
    await waitForSessionState(suite, tenant.id, 'DISCONNECTED');
    const second = await waitFor('a new client after the lost connection', () => clients[1], {
      timeoutMs: 15_000,
    });
    const now = Math.floor(Date.now() / 1000);
    const missed3 = wwebjsMessage('19990006666', me, 'during the blip', 'MISS3', now);
    second.chats = [
      fakeChat('19990005555@c.us', [old, missed1]),
      fakeChat('19990006666@c.us', [missed2, missed3]),
    ];
    second.info = first.info;
    second.emit('ready');
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    await waitFor('the blip message stored', async () => (await inbound()).length === 3);
    await waitFor('second backfill logged', () =>
      readLog(suite.logDir, tenant.slug).some(
        (l) => l.msg === 'backfill done' && l.reason === 'connected' && l.missing === 1,
      ),
    );
    const stored = await inbound();
    expect(stored.map((m) => m.body)).toEqual(['during the blip', 'me too', 'written while down']);
    expect(fatal).toEqual([]);
    await close();
  });

  it('maps media (hasMedia + downloadMedia, failing twice first), locations, vCards, reactions and unknown types (fake client)', async () => {
    const tenant = await createTenant(suite);
    const me = '15550003333';
    const { clients, fatal, close } = await startFakeWorker(tenant);
    await waitFor('client initialized', () => clients[0]?.isInitialized);
    const client = clients[0]!;
    client.info = { wid: { user: me, server: 'c.us', _serialized: `${me}@c.us` }, pushname: 'Acme' };
    client.emit('ready');
    await waitForSessionState(suite, tenant.id, 'CONNECTED');

    let imageDownloads = 0;
    const png = samplePng();
    const image = {
      ...wwebjsMessage('19990008888', me, 'look at this', 'IMG1'),
      type: 'image',
      hasMedia: true,
      _data: { mimetype: 'image/png', size: png.length, width: 96, height: 64 },
      downloadMedia: async () => {
        imageDownloads += 1;
        if (imageDownloads <= 2) throw new Error('Evaluation failed: media not ready');
        return { mimetype: 'image/png', data: png.toString('base64'), filename: null };
      },
    };
    const wav = sampleWav(1, 200);
    const ptt = {
      ...wwebjsMessage('19990008888', me, '', 'PTT1'),
      type: 'ptt',
      hasMedia: true,
      duration: '1',
      _data: { mimetype: 'audio/ogg; codecs=opus', size: wav.length },
      downloadMedia: async () => ({ mimetype: 'audio/ogg; codecs=opus', data: wav.toString('base64') }),
    };
    const pdf = samplePdf();
    // Not emitted live: the worker finds it by id (as after a restart) through getMessageById.
    const doc = {
      ...wwebjsMessage('19990008888', me, '', 'DOC1'),
      type: 'document',
      hasMedia: true,
      _data: { mimetype: 'application/pdf', filename: 'offer.pdf', size: pdf.length },
      downloadMedia: async () => ({
        mimetype: 'application/pdf',
        data: pdf.toString('base64'),
        filename: 'offer.pdf',
      }),
    };
    client.byId.set(doc.id._serialized, doc);
    await suite.db.messageLog.create({
      data: {
        tenantId: tenant.id,
        direction: 'IN',
        fromNumber: '19990008888',
        toNumber: me,
        body: '',
        status: 'RECEIVED',
        waMessageId: doc.id._serialized,
        type: 'DOCUMENT',
        mediaStatus: 'PENDING',
      },
    });
    client.emit('message', image);
    client.emit('message', ptt);
    client.emit('message', {
      ...wwebjsMessage('19990008888', me, '/9j/4AAQSkZJRgABAQ-thumbnail', 'LOC1'),
      type: 'location',
      location: { latitude: '51.5007', longitude: '-0.1246', description: 'Big Ben' },
    });
    client.emit('message', {
      ...wwebjsMessage('19990008888', me, 'BEGIN:VCARD\nFN:Grace\nEND:VCARD', 'VCF1'),
      type: 'vcard',
      vCards: ['BEGIN:VCARD\nFN:Grace\nEND:VCARD'],
    });
    client.emit('message', { ...wwebjsMessage('19990008888', me, '', 'POLL1'), type: 'poll_creation' });
    client.emit('message_reaction', {
      id: { _serialized: 'false_19990008888@c.us_RCT1', fromMe: false },
      reaction: '😂',
      msgId: { _serialized: image.id._serialized },
      senderId: '19990008888@c.us',
      timestamp: Math.floor(Date.now() / 1000),
    });
    // Our own reaction (from another device of ours) is not an inbound message.
    client.emit('message_reaction', {
      id: { _serialized: 'true_19990008888@c.us_RCT2', fromMe: true },
      reaction: '👍',
      msgId: { _serialized: image.id._serialized },
      senderId: `${me}@c.us`,
    });
    // The reconnect sweep picks up the DOCUMENT row nobody queued.
    client.emit('ready');

    const rows = await waitFor(
      'six messages stored, files settled',
      async () => {
        const all = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'IN' } });
        const done = all.filter((r) => r.mediaStatus === null || r.mediaStatus === 'STORED');
        return all.length === 7 && done.length === 7 ? all : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const by = new Map(rows.map((r) => [r.waMessageId!.split('_').at(-1), r]));
    expect(by.get('IMG1')).toMatchObject({
      type: 'IMAGE',
      rawType: 'image',
      body: 'look at this',
      mediaMime: 'image/png',
      mediaAttempts: 3,
      meta: { caption: 'look at this', mimeType: 'image/png', width: 96, height: 64, size: png.length },
    });
    expect(imageDownloads).toBe(3);
    // Declared as Ogg by the sender; the bytes are a WAV, and the stored type says so.
    expect(by.get('PTT1')).toMatchObject({ type: 'VOICE', mediaMime: 'audio/wav', meta: { durationS: 1 } });
    expect(by.get('DOC1')).toMatchObject({
      mediaStatus: 'STORED',
      mediaMime: 'application/pdf',
      mediaSize: pdf.length,
    });
    expect(by.get('LOC1')).toMatchObject({
      type: 'LOCATION',
      body: 'Big Ben',
      meta: { latitude: 51.5007, longitude: -0.1246, locationName: 'Big Ben' },
    });
    expect(by.get('VCF1')).toMatchObject({
      type: 'CONTACT',
      meta: { vcard: 'BEGIN:VCARD\nFN:Grace\nEND:VCARD' },
    });
    expect(by.get('POLL1')).toMatchObject({
      type: 'UNSUPPORTED',
      rawType: 'poll_creation',
      mediaStatus: null,
    });
    expect(by.get('RCT1')).toMatchObject({
      type: 'REACTION',
      fromNumber: '19990008888',
      toNumber: me,
      body: '😂',
      meta: { emoji: '😂', targetWaMessageId: image.id._serialized },
    });
    expect(rows.some((r) => r.waMessageId?.endsWith('RCT2'))).toBe(false);
    expect(fatal).toEqual([]);
    await close();
  });

  it("sends a file as the library's MessageMedia with the caption as an option, and text as before (fake client)", async () => {
    const tenant = await createTenant(suite);
    const me = '15550004444';
    const { clients, fatal, close } = await startFakeWorker(tenant);
    await waitFor('client initialized', () => clients[0]?.isInitialized);
    const client = clients[0]!;
    client.info = { wid: { user: me, server: 'c.us', _serialized: `${me}@c.us` }, pushname: 'Acme' };
    client.emit('ready');
    await waitForSessionState(suite, tenant.id, 'CONNECTED');

    // Rows as the control plane writes them: the file in the tenant's media folder first.
    const store = new LocalMediaStore(path.join(sessionDir, 'media'), {
      maxFileBytes: 1e9,
      maxTenantBytes: 1e9,
    });
    const png = samplePng(40, 30);
    const pdf = samplePdf('order 9');
    const rows = [];
    for (const m of [
      { data: png, type: 'IMAGE' as const, body: 'Your parcel', meta: { caption: 'Your parcel' } },
      { data: pdf, type: 'DOCUMENT' as const, body: '', meta: { fileName: 'order-9.pdf' } },
      { data: null, type: 'TEXT' as const, body: 'just text', meta: {} },
    ]) {
      const stored = m.data ? await store.put(tenant.id, m.data) : undefined;
      rows.push(
        await suite.db.messageLog.create({
          data: {
            tenantId: tenant.id,
            direction: 'OUT',
            fromNumber: me,
            toNumber: '19990005555',
            body: m.body,
            status: 'QUEUED',
            type: m.type,
            meta: m.meta,
            ...(stored
              ? {
                  mediaStatus: 'STORED',
                  mediaSha256: stored.sha256,
                  mediaMime: stored.mimeType,
                  mediaSize: stored.size,
                }
              : {}),
          },
        }),
      );
    }
    const queue = new Queue(sendQueueName(tenant.id), { connection: suite.redis, prefix: suite.prefix });
    for (const row of rows) {
      const job = sendJob(row.id);
      await queue.add(job.name, job.data, job.opts);
    }
    await queue.close();
    await waitFor(
      'all three SENT',
      async () =>
        (await suite.db.messageLog.count({
          where: { tenantId: tenant.id, direction: 'OUT', status: 'SENT' },
        })) === 3,
      { timeoutMs: 15_000, intervalMs: 100 },
    );

    expect(client.sent).toHaveLength(3);
    const [image, doc, text] = client.sent;
    // The library's own class (made through the adapter's factory, which imports whatsapp-web.js).
    const MessageMedia = (
      await createRealWwebjsMedia({ mimetype: 'text/plain', data: '', filename: undefined, filesize: 0 })
    ).constructor;
    expect(MessageMedia.name).toBe('MessageMedia');
    // A real MessageMedia (the library tells a file from text by its class), base64 of the stored bytes.
    expect(image!.content).toBeInstanceOf(MessageMedia);
    expect(image).toMatchObject({
      chatId: '19990005555@c.us',
      content: { mimetype: 'image/png', data: png.toString('base64'), filesize: png.length },
      options: { caption: 'Your parcel' },
    });
    expect(doc!.content).toBeInstanceOf(MessageMedia);
    expect(doc).toMatchObject({
      content: { mimetype: 'application/pdf', data: pdf.toString('base64'), filename: 'order-9.pdf' },
      options: {},
    });
    expect(doc!.options?.caption).toBeUndefined();
    expect(text).toEqual({ chatId: '19990005555@c.us', content: 'just text' });
    // Each row records the id the library gave its message.
    const after = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'OUT' } });
    expect(after.every((r) => r.waMessageId?.startsWith('true_19990005555@c.us_'))).toBe(true);
    expect(fatal).toEqual([]);
    await close();
  });

  it('maps message_edit and message_revoke_everyone: the new text with its history, once; the deletion marked; an edit before its message waits for it (fake client)', async () => {
    const tenant = await createTenant(suite);
    const me = '15550004444';
    const { clients, fatal, close } = await startFakeWorker(tenant);
    await waitFor('client initialized', () => clients[0]?.isInitialized);
    const client = clients[0]!;
    client.info = { wid: { user: me, server: 'c.us', _serialized: `${me}@c.us` }, pushname: 'Acme' };
    client.emit('ready');
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    const row = (key: string) =>
      suite.db.messageLog.findFirst({
        where: { tenantId: tenant.id, direction: 'IN', waMessageId: { endsWith: key } },
        include: { edits: { orderBy: { editedAt: 'asc' } } },
      });

    const original = wwebjsMessage('19990007777', me, 'see you at 5', 'EDIT1');
    client.emit('message', original);
    await waitFor('message stored', () => row('EDIT1'));
    // As the library emits it: (message as it is now, newBody, prevBody). Twice: one history entry.
    const editedAt = Date.now();
    const edited = { ...original, body: 'see you at 6', latestEditSenderTimestampMs: editedAt };
    client.emit('message_edit', edited, 'see you at 6', 'see you at 5');
    client.emit('message_edit', edited, 'see you at 6', 'see you at 5');
    // Our own message edited from the phone is not a customer's edit: nothing changes for it.
    client.emit(
      'message_edit',
      { ...edited, fromMe: true, id: { ...edited.id, _serialized: 'true_x_OWN1' } },
      'x',
      'y',
    );
    const afterEdit = await waitFor('edit applied', async () => {
      const r = await row('EDIT1');
      return r?.body === 'see you at 6' ? r : undefined;
    });
    expect(afterEdit.editedAt?.getTime()).toBe(editedAt);
    expect(afterEdit.edits.map((e) => [e.previousBody, e.editedAt.getTime()])).toEqual([
      ['see you at 5', editedAt],
    ]);

    // Deleted for everyone: (revoked message, the message before it was revoked).
    client.emit(
      'message_revoke_everyone',
      { ...original, type: 'revoked', body: '', timestamp: Math.floor(Date.now() / 1000) },
      edited,
    );
    const afterRevoke = await waitFor('deletion applied', async () => {
      const r = await row('EDIT1');
      return r?.deletedAt ? r : undefined;
    });
    // Kept (DELETED_MESSAGE_CONTENT defaults to keep): the text and its history stay readable.
    expect(afterRevoke).toMatchObject({ body: 'see you at 6' });
    expect(afterRevoke.edits).toHaveLength(1);

    // An edit for a message not stored yet is kept, then applied when the message arrives.
    const late = wwebjsMessage('19990007777', me, 'first text', 'LATE1');
    client.emit(
      'message_edit',
      { ...late, latestEditSenderTimestampMs: Date.now() + 1_000 },
      'second text',
      'first text',
    );
    await waitFor('edit kept as pending', () =>
      suite.db.pendingMessageChange.findFirst({
        where: { tenantId: tenant.id, waMessageId: late.id._serialized },
      }),
    );
    client.emit('message', late);
    const applied = await waitFor('pending edit applied', async () => {
      const r = await row('LATE1');
      return r?.body === 'second text' ? r : undefined;
    });
    expect(applied.edits.map((e) => e.previousBody)).toEqual(['first text']);
    // None left, the own message's edit included (it never became a pending change).
    expect(await suite.db.pendingMessageChange.count({ where: { tenantId: tenant.id } })).toBe(0);
    expect(fatal).toEqual([]);
    await close();
  });

  it('with the real library and Chromium offline: ERROR with a readable lastError within the init timeout, no Chromium left', async () => {
    const tenant = await createTenant(suite);
    const initTimeoutMs = 15_000;
    const startedAt = Date.now();
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, {
        WA_ENGINE: 'wwebjs',
        WWEBJS_SESSION_DIR: sessionDir,
        WWEBJS_INIT_TIMEOUT_MS: String(initTimeoutMs),
        CHROMIUM_PATH: '/usr/bin/chromium',
      }),
    );
    const profileDir = path.join(sessionDir, `session-${tenant.id}`);
    let sawChromium = false;
    /** The browser's own command line (its helpers carry --type=...), as Chromium really got it. */
    let browserArgs: string[] = [];
    const watcher = setInterval(() => {
      for (const pid of findProcessesMentioning(profileDir)) {
        sawChromium = true;
        try {
          // Chromium rewrites its command line into one space-separated string: split on both.
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
          if (!args.some((a) => a.startsWith('--type='))) browserArgs = args;
        } catch {
          // exited meanwhile
        }
      }
    }, 100);
    const { code } = await worker.exited;
    clearInterval(watcher);
    expect(code).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(initTimeoutMs + 10_000);
    expect(sawChromium).toBe(true);
    // The adapter's flags reached the real browser (found by its profile dir, which the library sets).
    expect(browserArgs).toContain(`--user-data-dir=${profileDir}`);
    for (const flag of CHROMIUM_ARGS.filter((f) => !f.startsWith('--disable-features=')))
      expect(browserArgs, flag).toContain(flag);
    // Puppeteer merges every --disable-features into one flag: ours must be inside it.
    const disabled = browserArgs
      .find((a) => a.startsWith('--disable-features='))
      ?.split('=')[1]
      ?.split(',');
    expect(disabled).toEqual(expect.arrayContaining(['site-per-process', 'IsolateOrigins']));

    const row = await workerRow(suite, tenant.id);
    expect(row?.status).toBe('ERROR');
    expect(row?.lastError).toMatch(
      /^whatsapp-web\.js failed to start: .*(ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|did not load)/,
    );
    expect((await sessionRow(suite, tenant.id))?.state).toBe('DISCONNECTED');
    await waitFor('no Chromium left', () => findProcessesMentioning(profileDir).length === 0, {
      timeoutMs: 5_000,
    });
  });

  it('wrote only JSON lines with their own time to the tenant logs', () => {
    const lines = expectLogsAreJsonWithTime(suite.logDir);
    expect(lines.some((l) => l.msg === 'worker crashed' && typeof l.err === 'object')).toBe(true);
  });
});
