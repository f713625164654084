import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '@wa-fleet/config';
import { waitFor } from '@wa-fleet/devstack';
import { createTenantLogger, flushLogger } from '@wa-fleet/logger';
import { findProcessesMentioning, type WwebjsClientLike } from '../src/engine/index.ts';
import { TenantWorker } from '../src/tenant-worker.ts';
import {
  createSuite,
  createTenant,
  expectLogsAreJsonWithTime,
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
  readonly sent: { chatId: string; content: string }[] = [];
  isInitialized = false;
  isDestroyed = false;

  async initialize(): Promise<void> {
    this.isInitialized = true;
  }

  async destroy(): Promise<void> {
    this.isDestroyed = true;
  }

  async sendMessage(chatId: string, content: string) {
    this.sent.push({ chatId, content });
    const serialized = `true_${chatId}_3EB0${String(this.sent.length).padStart(16, '0')}`;
    return {
      id: { fromMe: true, remote: chatId, id: serialized.slice(-20), _serialized: serialized },
      fromMe: true,
      body: content,
    };
  }
}

function wwebjsMessage(from: string, to: string, body: string, key: string) {
  return {
    id: { fromMe: false, remote: `${from}@c.us`, id: key, _serialized: `false_${from}@c.us_${key}` },
    from: `${from}@c.us`,
    to: `${to}@c.us`,
    body,
    type: 'chat',
    timestamp: Math.floor(Date.now() / 1000),
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
    const config = loadWorkerConfig({
      TENANT_ID: tenant.id,
      DATABASE_URL: suite.database.url,
      REDIS_URL: suite.redisUrl,
      REDIS_PREFIX: suite.prefix,
      LOG_DIR: suite.logDir,
      WA_ENGINE: 'wwebjs',
      WWEBJS_SESSION_DIR: sessionDir,
      HEARTBEAT_INTERVAL_MS: '500',
      SEND_RATE_PER_MIN: '600',
    });
    const log = await createTenantLogger(tenant.slug, {
      service: 'worker',
      logDir: suite.logDir,
      level: 'debug',
      stdout: false,
    });
    const redis = new Redis(suite.redisUrl, { maxRetriesPerRequest: null });
    const clients: FakeWwebjsClient[] = [];
    const settingsSeen: unknown[] = [];
    const worker = new TenantWorker({
      config,
      tenant: { id: tenant.id, slug: tenant.slug, engine: 'wwebjs' },
      db: suite.db,
      redis,
      log,
      createWwebjsClient: async (settings) => {
        settingsSeen.push(settings);
        const client = new FakeWwebjsClient();
        clients.push(client);
        return client;
      },
    });
    const fatal: Error[] = [];
    await worker.start({ onFatal: (err) => fatal.push(err) });
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

    await worker.stop();
    expect(client.isDestroyed).toBe(true);
    expect((await workerRow(suite, tenant.id))?.status).toBe('STOPPED');
    expect(fatal).toEqual([]);
    await flushLogger(log);
    await redis.quit();
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
    const watcher = setInterval(() => {
      if (findProcessesMentioning(profileDir).length > 0) sawChromium = true;
    }, 100);
    const { code } = await worker.exited;
    clearInterval(watcher);
    expect(code).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(initTimeoutMs + 10_000);
    expect(sawChromium).toBe(true);

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
