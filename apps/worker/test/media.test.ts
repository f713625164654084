import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { Queue } from 'bullmq';
import { LocalMediaStore } from '@wa-fleet/media';
import { sendJob, sendQueueName, type MessageMeta, type MessageType } from '@wa-fleet/shared';
import { sampleMp3, samplePdf, samplePng } from '@wa-fleet/simulator';
import {
  createSuite,
  createTenant,
  expectLogsAreJsonWithTime,
  networkSendAttempts,
  networkSends,
  sendCommand,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  type Suite,
} from './helpers.ts';

let suite: Suite;
let mediaDir: string;

beforeAll(async () => {
  suite = await createSuite();
  mediaDir = await mkdtemp(path.join(tmpdir(), 'wa-worker-media-'));
});

afterAll(async () => {
  await suite?.close();
  if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('rich messages (simulator network, real worker process)', () => {
  it('stores every message type with its metadata, and each file once after retries, checked from its bytes', async () => {
    const tenant = await createTenant(suite);
    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, {
        MEDIA_DIR: mediaDir,
        MEDIA_RETRY_BASE_MS: '300',
        // The 2-second WAV (32 KB) is over this, the 1-second voice note (16 KB) and the rest are not.
        MEDIA_MAX_FILE_BYTES: '20000',
      }),
    );
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    const rowOf = (waMessageId: string) =>
      suite.db.messageLog.findFirst({ where: { tenantId: tenant.id, waMessageId } });

    // The media server fails the next two downloads: the row is stored at once, shows the retries,
    // and ends STORED with one file.
    await sendCommand(suite, tenant.id, { type: 'fail_media', count: 2 });
    await sendCommand(suite, tenant.id, {
      type: 'inbound',
      from: '19990001111',
      id: 'IMG1',
      messageType: 'IMAGE',
      text: 'our new shop front',
    });
    const retrying = await waitFor('image row RETRYING', async () => {
      const row = await rowOf('IMG1');
      return row?.mediaStatus === 'RETRYING' ? row : undefined;
    });
    expect(retrying.mediaError).toMatch(/^media unavailable, retrying: simulated media download failure/);
    expect(retrying.body).toBe('our new shop front');
    const image = await waitFor('image STORED', async () => {
      const row = await rowOf('IMG1');
      return row?.mediaStatus === 'STORED' ? row : undefined;
    });
    expect(image).toMatchObject({
      type: 'IMAGE',
      mediaAttempts: 3,
      mediaError: null,
      mediaMime: 'image/png',
      mediaSize: samplePng().length,
    });
    expect(image.meta).toMatchObject({ caption: 'our new shop front', width: 96, height: 64 });
    const file = path.join(mediaDir, tenant.id, image.mediaSha256!.slice(0, 2), image.mediaSha256!);
    expect(readFileSync(file).equals(samplePng())).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(mediaDir, tenant.id)).mode & 0o777).toBe(0o700);

    const sent: [id: string, extra: Record<string, unknown>][] = [
      ['IMG2', { messageType: 'IMAGE' }], // the same picture again: same file
      ['VID1', { messageType: 'VIDEO' }],
      ['AUD1', { messageType: 'AUDIO' }],
      ['PTT1', { messageType: 'VOICE' }],
      ['DOC1', { messageType: 'DOCUMENT', fileName: 'invoice-42.pdf', text: 'the invoice' }],
      ['STK1', { messageType: 'STICKER' }],
      [
        'LOC1',
        { messageType: 'LOCATION', latitude: 48.8584, longitude: 2.2945, locationName: 'Eiffel Tower' },
      ],
      ['VCF1', { messageType: 'CONTACT' }],
      ['RCT1', { messageType: 'REACTION', emoji: '❤️', targetId: 'IMG1' }],
      ['UNS1', { messageType: 'UNSUPPORTED', rawType: 'poll_creation', text: 'lunch?' }],
      ['TXT1', { text: 'plain text' }],
    ];
    for (const [id, extra] of sent) {
      await sendCommand(suite, tenant.id, { type: 'inbound', from: '19990001111', id, ...extra });
    }
    const rows = await waitFor('every message stored and every file settled', async () => {
      const all = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'IN' } });
      const settled = all.filter((r) => r.mediaStatus !== 'PENDING' && r.mediaStatus !== 'RETRYING');
      return all.length === sent.length + 1 && settled.length === all.length ? all : undefined;
    });
    const by = new Map(rows.map((r) => [r.waMessageId, r]));
    const meta = (id: string) => by.get(id)!.meta as MessageMeta;

    expect(by.get('IMG2')).toMatchObject({
      type: 'IMAGE',
      mediaStatus: 'STORED',
      mediaSha256: image.mediaSha256,
    });
    expect(by.get('VID1')).toMatchObject({ type: 'VIDEO', mediaStatus: 'STORED', mediaMime: 'video/mp4' });
    expect(by.get('PTT1')).toMatchObject({ type: 'VOICE', mediaStatus: 'STORED', mediaMime: 'audio/wav' });
    expect(meta('PTT1')).toMatchObject({ durationS: 1, mimeType: 'audio/wav' });
    expect(by.get('DOC1')).toMatchObject({
      type: 'DOCUMENT',
      mediaStatus: 'STORED',
      mediaMime: 'application/pdf',
      mediaSize: samplePdf().length,
      body: 'the invoice',
    });
    expect(meta('DOC1')).toMatchObject({ fileName: 'invoice-42.pdf', caption: 'the invoice' });
    expect(by.get('STK1')).toMatchObject({ type: 'STICKER', mediaStatus: 'STORED', mediaMime: 'image/webp' });
    // Over the per-file cap: not stored, and the row says why; its metadata stays.
    expect(by.get('AUD1')).toMatchObject({ type: 'AUDIO', mediaStatus: 'FAILED', mediaSha256: null });
    expect(by.get('AUD1')!.mediaError).toMatch(/over the limit of 20000 bytes per file/);
    expect(meta('AUD1')).toMatchObject({ durationS: 2, fileName: 'tune.wav' });

    expect(by.get('LOC1')).toMatchObject({ type: 'LOCATION', mediaStatus: null });
    expect(meta('LOC1')).toEqual({ latitude: 48.8584, longitude: 2.2945, locationName: 'Eiffel Tower' });
    expect(by.get('VCF1')).toMatchObject({ type: 'CONTACT', mediaStatus: null });
    expect(meta('VCF1').vcard).toMatch(/^BEGIN:VCARD[\s\S]*FN:Ada Lovelace[\s\S]*END:VCARD$/);
    expect(by.get('RCT1')).toMatchObject({ type: 'REACTION', mediaStatus: null });
    expect(meta('RCT1')).toEqual({ emoji: '❤️', targetWaMessageId: 'IMG1' });
    expect(by.get('UNS1')).toMatchObject({ type: 'UNSUPPORTED', rawType: 'poll_creation', body: 'lunch?' });
    expect(by.get('TXT1')).toMatchObject({ type: 'TEXT', mediaStatus: null, meta: null, body: 'plain text' });

    // One file per distinct content: the two images share one; video, voice, document, sticker.
    const files = filesUnder(path.join(mediaDir, tenant.id));
    expect(files).toHaveLength(5);
    for (const f of files) expect(statSync(f).mode & 0o777).toBe(0o600);

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
    expectLogsAreJsonWithTime(suite.logDir);
  });

  it('sends a queued file with its caption once, as the network records it; a row whose file is gone fails without a send', async () => {
    const tenant = await createTenant(suite);
    const store = new LocalMediaStore(mediaDir, { maxFileBytes: 1e9, maxTenantBytes: 1e9 });
    // The control plane's side of an accepted send with a file: stored first, then the row, then the job.
    async function acceptFile(data: Buffer | null, type: MessageType, body: string, meta: MessageMeta = {}) {
      const stored = data ? await store.put(tenant.id, data) : undefined;
      const row = await suite.db.messageLog.create({
        data: {
          tenantId: tenant.id,
          direction: 'OUT',
          fromNumber: '15550000000',
          toNumber: '14440000001',
          body,
          status: 'QUEUED',
          type,
          meta: { ...meta, ...(body ? { caption: body } : {}) },
          mediaStatus: 'STORED',
          mediaSha256: stored?.sha256 ?? 'f'.repeat(64),
          mediaMime: stored?.mimeType ?? 'image/png',
          mediaSize: stored?.size ?? 1,
        },
      });
      return { id: row.id, sha256: stored?.sha256 };
    }
    const png = samplePng(64, 48);
    const pdf = samplePdf('invoice 7');
    const mp3 = sampleMp3();
    const image = await acceptFile(png, 'IMAGE', 'Your parcel');
    const doc = await acceptFile(pdf, 'DOCUMENT', 'Invoice 7', { fileName: 'invoice-7.pdf' });
    const audio = await acceptFile(mp3, 'AUDIO', '');
    const gone = await acceptFile(null, 'IMAGE', 'no file');
    const text = await suite.db.messageLog.create({
      data: {
        tenantId: tenant.id,
        direction: 'OUT',
        fromNumber: '15550000000',
        toNumber: '14440000001',
        body: 'plain text',
        status: 'QUEUED',
      },
    });
    const ids = [image.id, doc.id, audio.id, gone.id, text.id];
    const queue = new Queue(sendQueueName(tenant.id), { connection: suite.redis, prefix: suite.prefix });
    for (const id of ids) {
      const job = sendJob(id);
      await queue.add(job.name, job.data, job.opts);
    }
    await queue.close();

    const worker = spawnWorker(
      suite,
      tenantEnv(tenant.id, { MEDIA_DIR: mediaDir, SEND_RATE_PER_MIN: '6000', SIM_ACK_DELAY_MS: '50' }),
    );
    const rows = await waitFor(
      'every send finished',
      async () => {
        const all = await suite.db.messageLog.findMany({ where: { tenantId: tenant.id, direction: 'OUT' } });
        const done = all.every((r) => r.status === 'READ' || r.status === 'FAILED');
        return all.length === ids.length && done ? new Map(all.map((r) => [r.id, r])) : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const id of [image.id, doc.id, audio.id, text.id]) {
      expect(rows.get(id)).toMatchObject({ status: 'READ', attempts: 1 });
    }
    expect(rows.get(gone.id)).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: 'the file of this message is no longer stored',
    });

    // What went out: each file once, byte-identical to the stored one (its hash), with its caption and
    // name; the text without a file; nothing for the row whose file was gone.
    const sends = await networkSends(suite, tenant.id);
    const byRef = new Map(sends.map((x) => [x.clientRef, x]));
    expect(sends).toHaveLength(4);
    expect(byRef.get(image.id)?.media).toEqual({
      sha256: image.sha256,
      size: png.length,
      mimeType: 'image/png',
      caption: 'Your parcel',
    });
    expect(byRef.get(doc.id)?.media).toEqual({
      sha256: doc.sha256,
      size: pdf.length,
      mimeType: 'application/pdf',
      fileName: 'invoice-7.pdf',
      caption: 'Invoice 7',
    });
    expect(byRef.get(audio.id)?.media).toEqual({
      sha256: audio.sha256,
      size: mp3.length,
      mimeType: 'audio/mpeg',
    });
    expect(byRef.get(text.id)).toBeDefined();
    expect(byRef.get(text.id)?.media).toBeUndefined();
    expect(byRef.has(gone.id)).toBe(false);
    for (const id of [image.id, doc.id, audio.id, text.id])
      expect(rows.get(id)?.waMessageId).toBe(byRef.get(id)?.waMessageId);
    const attempts = await networkSendAttempts(suite, tenant.id);
    expect([image.id, doc.id, audio.id, text.id].map((id) => attempts.get(id))).toEqual([1, 1, 1, 1]);
    expect(attempts.has(gone.id)).toBe(false);

    worker.kill('SIGINT');
    expect((await worker.exited).code).toBe(0);
  });
});
