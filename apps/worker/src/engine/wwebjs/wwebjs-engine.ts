import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Logger } from '@wa-fleet/logger';
import {
  cleanMessageMeta,
  TimeoutError,
  withTimeout,
  type MessageMeta,
  type MessageType,
} from '@wa-fleet/shared';
import { EngineError, EngineNotReadyError, PermanentSendError, describeError } from '../errors.ts';
import {
  type AckStatus,
  type DownloadedMedia,
  type EngineEvents,
  type InboundEdit,
  type InboundMessage,
  type OutboundMedia,
  type InboundRevoke,
  type SendOptions,
  type WaEngine,
} from '../types.ts';
import { killBrowsersUsing } from './browser-processes.ts';

/** The part of whatsapp-web.js's Client the adapter uses, so a fake can stand in for it in tests. */
export interface WwebjsClientLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** Text, or a file (the library's MessageMedia) with `options.caption` under it. */
  sendMessage(
    chatId: string,
    content: string | WwebjsMediaLike,
    options?: { caption?: string },
  ): Promise<{ id: { _serialized: string } }>;
  /** For backfill: the chats, newest activity first as the library returns them. */
  getChats?(): Promise<WwebjsChatLike[]>;
  /** Asks for a pairing code; the code (and each refresh) also arrives as the `code` event. */
  requestPairingCode?(phoneNumber: string, showNotification?: boolean, intervalMs?: number): Promise<string>;
  /** For media downloads of messages no longer in memory. */
  getMessageById?(messageId: string): Promise<WwebjsMessage | null | undefined>;
  info?: { wid?: { user?: string } } | undefined;
}

/** whatsapp-web.js's MessageMedia: the file as base64 with its type and name. */
export interface WwebjsMediaLike {
  mimetype: string;
  data: string;
  filename?: string | null | undefined;
  filesize?: number | null | undefined;
}

/** Makes the library's MessageMedia (sendMessage recognises a file by its class). */
export type WwebjsMediaFactory = (media: {
  mimetype: string;
  data: string;
  filename: string | undefined;
  filesize: number;
}) => Promise<WwebjsMediaLike>;

export const createRealWwebjsMedia: WwebjsMediaFactory = async (media) => {
  const { default: wwebjs } = await import('whatsapp-web.js');
  return new wwebjs.MessageMedia(media.mimetype, media.data, media.filename ?? null, media.filesize);
};

/** whatsapp-web.js's Chat, as far as backfill reads it. */
export interface WwebjsChatLike {
  id: { _serialized: string };
  /** Seconds since the epoch of the chat's last message. */
  timestamp?: number;
  fetchMessages(options: { limit: number }): Promise<WwebjsMessage[]>;
}

/** whatsapp-web.js's Message, as far as the adapter reads it. */
export interface WwebjsMessage {
  id: { _serialized: string };
  from: string;
  to: string;
  /** The text, or a media message's caption. */
  body?: string;
  timestamp?: number;
  fromMe?: boolean;
  /** The library's MessageTypes value: chat, image, video, audio, ptt, document, sticker, location, vcard, ... */
  type?: string;
  hasMedia?: boolean;
  /** Seconds, as the library passes it (a string or a number). */
  duration?: string | number;
  location?: {
    latitude?: number | string;
    longitude?: number | string;
    name?: string;
    address?: string;
    description?: string;
  };
  vCards?: string[];
  /** Set by the library on an edited message: when its latest edit was made (milliseconds). */
  latestEditSenderTimestampMs?: number;
  /** The raw WhatsApp Web model: mimetype, filename, size, width, height of a media message. */
  _data?: Record<string, unknown>;
  downloadMedia?(): Promise<{ mimetype?: string; data: string; filename?: string | null } | undefined>;
}

/** whatsapp-web.js's Reaction (the `message_reaction` event). */
interface WwebjsReaction {
  id: { _serialized: string; fromMe?: boolean };
  /** The emoji; '' when the reaction was taken back. */
  reaction?: string;
  msgId?: { _serialized: string };
  senderId?: string;
  timestamp?: number;
}

export interface WwebjsClientSettings {
  clientId: string;
  dataPath: string;
  chromiumPath: string;
  isHeadless: boolean;
}

export type WwebjsClientFactory = (settings: WwebjsClientSettings) => Promise<WwebjsClientLike>;

export interface WwebjsOptions extends WwebjsClientSettings {
  logger: Logger;
  initTimeoutMs: number;
  /** Injected in tests; defaults to the real whatsapp-web.js Client. */
  createClient?: WwebjsClientFactory;
  /** Defaults to the real whatsapp-web.js MessageMedia. */
  createMedia?: WwebjsMediaFactory;
}

/**
 * Chromium flags of every worker's browser. Puppeteer already adds its own defaults (no extensions,
 * crash reporter, background networking, sync, translate, ...); these are on top:
 * - the host: no sandbox (workers run unprivileged in containers), no GPU;
 * - memory (`pnpm bench chromium-memory`, docs/BENCHMARKS.md): no software GPU rasterizer and the GPU
 *   thread inside the browser process, no per-site process isolation, one renderer per site and at most
 *   two: one WhatsApp Web tab needs no more, and each renderer costs tens of MB. Measured and left out:
 *   `--no-zygote` (fewer processes, but each one then loses the pages it shared with the zygote: the
 *   same total) and V8 flags for the page (`--js-flags`: no difference).
 */
export const CHROMIUM_MEMORY_ARGS = [
  '--disable-software-rasterizer',
  '--in-process-gpu',
  '--disable-site-isolation-trials',
  '--disable-features=site-per-process,IsolateOrigins',
  '--renderer-process-limit=2',
  '--process-per-site',
];

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  ...CHROMIUM_MEMORY_ARGS,
];

/** How long to wait after a lost connection before re-initializing with the saved session. */
const REINIT_DELAY_MS = 5_000;
/** Backfill reads at most this many recent messages per chat with activity since the gap began. */
const BACKFILL_PER_CHAT = 100;
const DESTROY_TIMEOUT_MS = 5_000;
/** Media messages kept in memory for their download (older ones are looked up by id). */
const RECENT_MEDIA_MAX = 500;

export const createRealWwebjsClient: WwebjsClientFactory = async (settings) => {
  // Loaded lazily: simulator workers never pay for puppeteer.
  const { default: wwebjs } = await import('whatsapp-web.js');
  return new wwebjs.Client({
    authStrategy: new wwebjs.LocalAuth({ clientId: settings.clientId, dataPath: settings.dataPath }),
    puppeteer: {
      executablePath: settings.chromiumPath,
      headless: settings.isHeadless,
      args: CHROMIUM_ARGS,
      // The worker owns its signals: puppeteer's handlers would exit before our graceful shutdown.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    },
  });
};

const ACK_STATUS: Record<number, AckStatus | undefined> = {
  [-1]: 'FAILED',
  1: 'SENT',
  2: 'DELIVERED',
  3: 'READ',
  4: 'READ',
};

/** WhatsApp's pace: a new pairing code every 3 minutes while none was typed (the library's default). */
export const PAIRING_CODE_INTERVAL_MS = 180_000;

/** whatsapp-web.js (Chromium running WhatsApp Web) behind the engine interface. */
export class WwebjsEngine extends EventEmitter<EngineEvents> implements WaEngine {
  readonly name = 'wwebjs';
  readonly capabilities = { idempotentClientRef: false, backfill: true, pairingCode: true, media: true };
  private readonly opts: WwebjsOptions;
  private client: WwebjsClientLike | undefined;
  private isReady = false;
  private isStopped = false;
  private reinitTimer: NodeJS.Timeout | undefined;
  /** Recent media messages by id: their downloadMedia() needs the library's object. */
  private readonly recentMedia = new Map<string, WwebjsMessage>();

  constructor(opts: WwebjsOptions) {
    super();
    this.opts = opts;
  }

  /** LocalAuth's profile directory for this tenant (also Chromium's --user-data-dir). */
  get userDataDir(): string {
    return path.resolve(this.opts.dataPath, `session-${this.opts.clientId}`);
  }

  async start(): Promise<void> {
    // A browser orphaned by a SIGKILLed predecessor holds the profile lock: the new one could not start.
    const killed = killBrowsersUsing(this.userDataDir);
    if (killed > 0)
      this.opts.logger.warn({ processes: killed }, 'killed a browser left over by a previous worker');
    await this.initializeClient();
  }

  private async initializeClient(): Promise<void> {
    const client = await (this.opts.createClient ?? createRealWwebjsClient)(this.opts);
    this.client = client;
    this.attach(client);
    // Not awaited: the outcome arrives as events (qr, ready) or as `fatal`.
    void this.initializeWithTimeout(client);
  }

  private async initializeWithTimeout(client: WwebjsClientLike): Promise<void> {
    try {
      const ms = this.opts.initTimeoutMs;
      await withTimeout(client.initialize(), ms, 'loading WhatsApp Web').catch((err: unknown) => {
        throw err instanceof TimeoutError ? new Error(`WhatsApp Web did not load within ${ms} ms`) : err;
      });
    } catch (err) {
      if (this.isStopped) return;
      await this.closeBrowser();
      this.emit('fatal', new Error(`whatsapp-web.js failed to start: ${describeError(err)}`, { cause: err }));
    }
  }

  private attach(client: WwebjsClientLike): void {
    const on = <A extends unknown[]>(event: string, fn: (...args: A) => void) =>
      client.on(event, ((...args: A) => {
        if (!this.isStopped) fn(...args);
      }) as unknown as (...args: unknown[]) => void);

    // whatsapp-web.js's words end here: below this, only the normalized events of EngineEvents.
    on('qr', (qr: unknown) => this.emit('qr', textOf(qr, '')));
    // Each code the library receives (the first and every refresh) is valid until the next one.
    on('code', (code: unknown) =>
      this.emit('pairing_code', {
        code: textOf(code, ''),
        expiresAt: new Date(Date.now() + PAIRING_CODE_INTERVAL_MS),
      }),
    );
    on('authenticated', () => this.opts.logger.info('whatsapp-web.js: authenticated'));
    on('auth_failure', (message: unknown) =>
      this.emit('auth_failed', { message: textOf(message, 'authentication failed') }),
    );
    on('ready', () => {
      this.isReady = true;
      this.emit('connected', { phone: client.info?.wid?.user ?? '' });
    });
    on('change_state', (state: unknown) =>
      this.opts.logger.info({ waState: textOf(state, 'unknown') }, 'whatsapp-web.js: state changed'),
    );
    on('disconnected', (reason: unknown) => {
      this.isReady = false;
      const text = textOf(reason, 'unknown');
      // LOGOUT: unlinked from the phone. The library itself reloads WhatsApp Web to show a new QR.
      if (text === 'LOGOUT') {
        this.emit('logged_out', { reason: 'logged out from the phone' });
        return;
      }
      this.emit('disconnected', { reason: text });
      // Anything else left the client dead: start it again with the saved session.
      this.scheduleReinitialize();
    });
    on('message', (msg: WwebjsMessage) => {
      const message = toInbound(msg);
      if (!message) return;
      if (msg.hasMedia) this.rememberMedia(msg);
      this.emit('message', message);
    });
    // (message, newBody, prevBody): the message as it is now, edited.
    on('message_edit', (msg: WwebjsMessage, newBody: unknown) => {
      const edit = toEdit(msg, newBody);
      if (edit) this.emit('message_edit', edit);
    });
    // (message, revokedMsg): `message` is the revoked one (same id as what was sent), revokedMsg the
    // message before revocation when the library still had it.
    on('message_revoke_everyone', (msg: WwebjsMessage, revoked: WwebjsMessage | null | undefined) => {
      const revoke = toRevoke(msg, revoked);
      if (revoke) this.emit('message_revoke', revoke);
    });
    on('message_reaction', (reaction: WwebjsReaction) => {
      const message = reactionToInbound(reaction, client.info?.wid?.user ?? '');
      if (message) this.emit('message', message);
    });
    on('message_ack', (msg: WwebjsMessage, ack: number) => {
      const status = ACK_STATUS[ack];
      if (status && msg.fromMe !== false) this.emit('message_ack', msg.id._serialized, status);
    });
  }

  /** The code itself arrives as the `code` event (attach), so it is emitted once however it came. */
  async requestPairingCode(phone: string): Promise<void> {
    const client = this.client;
    if (this.isStopped || !client?.requestPairingCode) throw new EngineNotReadyError();
    if (this.isReady) throw new EngineError('the number is already linked', false);
    await client.requestPairingCode(phone, true, PAIRING_CODE_INTERVAL_MS);
  }

  /**
   * Recent messages of the chats with activity since `since`: WhatsApp Web keeps them after a gap,
   * but does not emit `message` for what arrived while the client was down.
   */
  async fetchMessagesSince(since: Date, limit: number): Promise<InboundMessage[]> {
    const client = this.client;
    if (!client || !this.isReady || !client.getChats) throw new EngineNotReadyError();
    const sinceSeconds = Math.floor(since.getTime() / 1000);
    const chats = await client.getChats();
    const found: InboundMessage[] = [];
    for (const chat of chats) {
      if ((chat.timestamp ?? 0) < sinceSeconds) continue;
      const messages = await chat.fetchMessages({ limit: BACKFILL_PER_CHAT });
      for (const msg of messages) {
        if ((msg.timestamp ?? 0) < sinceSeconds) continue;
        const message = toInbound(msg);
        if (message) found.push(message);
      }
    }
    found.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    return found.slice(0, limit);
  }

  private rememberMedia(msg: WwebjsMessage): void {
    this.recentMedia.delete(msg.id._serialized);
    this.recentMedia.set(msg.id._serialized, msg);
    while (this.recentMedia.size > RECENT_MEDIA_MAX) {
      this.recentMedia.delete(this.recentMedia.keys().next().value!);
    }
  }

  /** The file through the library's downloadMedia(); undefined when WhatsApp no longer has it. */
  async downloadMedia(waMessageId: string): Promise<DownloadedMedia | undefined> {
    const client = this.client;
    if (!client || !this.isReady) throw new EngineNotReadyError();
    const msg =
      this.recentMedia.get(waMessageId) ?? (await client.getMessageById?.(waMessageId)) ?? undefined;
    if (!msg?.downloadMedia) return undefined;
    const media = await msg.downloadMedia();
    if (!media?.data) return undefined;
    const out: DownloadedMedia = { data: Buffer.from(media.data, 'base64') };
    if (media.mimetype) out.mimeType = media.mimetype;
    if (media.filename) out.fileName = media.filename;
    this.recentMedia.delete(waMessageId);
    return out;
  }

  private scheduleReinitialize(): void {
    if (this.reinitTimer || this.isStopped) return;
    this.reinitTimer = setTimeout(() => {
      this.reinitTimer = undefined;
      void (async () => {
        if (this.isStopped) return;
        this.opts.logger.info('re-initializing whatsapp-web.js after a lost connection');
        await this.closeBrowser();
        if (!this.isStopped) await this.initializeClient();
      })().catch((err: unknown) => this.emit('fatal', err instanceof Error ? err : new Error(String(err))));
    }, REINIT_DELAY_MS);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    this.isReady = false;
    clearTimeout(this.reinitTimer);
    await this.closeBrowser();
  }

  /** destroy() first (clean profile), then make sure: no Chromium of ours may outlive this call. */
  private async closeBrowser(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      // A destroy that hangs is given up on; the browsers are killed below either way.
      await withTimeout(client.destroy(), DESTROY_TIMEOUT_MS, 'whatsapp-web.js destroy').catch(
        (err: unknown) => this.opts.logger.warn({ err }, 'whatsapp-web.js destroy failed'),
      );
    }
    killBrowsersUsing(this.userDataDir);
  }

  async sendText(to: string, text: string, _opts: SendOptions): Promise<{ waMessageId: string }> {
    const client = this.client;
    if (!client || !this.isReady) throw new EngineNotReadyError();
    if (!/^\d{6,20}$/.test(to) && !to.includes('@'))
      throw new PermanentSendError('recipient is not a phone number');
    const sent = await client.sendMessage(numberToJid(to), text);
    return { waMessageId: sent.id._serialized };
  }

  /** As sendText, with the file as a MessageMedia and the caption as sendMessage's option. */
  async sendMedia(to: string, media: OutboundMedia, _opts: SendOptions): Promise<{ waMessageId: string }> {
    const client = this.client;
    if (!client || !this.isReady) throw new EngineNotReadyError();
    if (!/^\d{6,20}$/.test(to) && !to.includes('@'))
      throw new PermanentSendError('recipient is not a phone number');
    const file = await (this.opts.createMedia ?? createRealWwebjsMedia)({
      mimetype: media.mimeType,
      data: media.data.toString('base64'),
      filename: media.fileName,
      filesize: media.data.length,
    });
    const sent = await client.sendMessage(
      numberToJid(to),
      file,
      media.caption ? { caption: media.caption } : {},
    );
    return { waMessageId: sent.id._serialized };
  }
}

/** whatsapp-web.js's MessageTypes -> ours; anything else is UNSUPPORTED with its name kept. */
const TYPE_OF: Record<string, MessageType> = {
  chat: 'TEXT',
  image: 'IMAGE',
  video: 'VIDEO',
  gif: 'VIDEO',
  audio: 'AUDIO',
  ptt: 'VOICE',
  document: 'DOCUMENT',
  sticker: 'STICKER',
  location: 'LOCATION',
  vcard: 'CONTACT',
  multi_vcard: 'CONTACT',
};

/** A message from someone else, in our shape; undefined for our own and for status updates. */
export function toInbound(msg: WwebjsMessage): InboundMessage | undefined {
  if (msg.fromMe || msg.from === 'status@broadcast') return undefined;
  const message: InboundMessage = {
    waMessageId: msg.id._serialized,
    from: jidToNumber(msg.from),
    to: jidToNumber(msg.to),
    body: msg.body ?? '',
    timestamp: msg.timestamp ? new Date(msg.timestamp * 1000) : new Date(),
  };
  const rawType = msg.type ?? 'chat';
  const type = TYPE_OF[rawType] ?? 'UNSUPPORTED';
  if (type === 'TEXT') return message;
  message.type = type;
  message.rawType = rawType;
  const data = msg._data ?? {};
  const meta: MessageMeta = cleanMessageMeta({
    mimeType: data.mimetype,
    fileName: data.filename,
    size: numberOf(data.size),
    width: numberOf(data.width),
    height: numberOf(data.height),
    durationS: numberOf(msg.duration),
  });
  if (msg.hasMedia && msg.body) meta.caption = msg.body.slice(0, 4096);
  if (type === 'LOCATION' && msg.location) {
    Object.assign(
      meta,
      cleanMessageMeta({
        latitude: numberOf(msg.location.latitude),
        longitude: numberOf(msg.location.longitude),
        locationName: msg.location.name ?? msg.location.description ?? msg.location.address,
      }),
    );
    // The library puts the location's thumbnail (base64) in body: not text anyone wrote.
    message.body = meta.locationName ?? '';
  }
  if (type === 'CONTACT') {
    const cards = msg.vCards?.length ? msg.vCards : msg.body ? [msg.body] : [];
    Object.assign(meta, cleanMessageMeta({ vcard: cards.join('\n\n') }));
  }
  message.meta = meta;
  return message;
}

/** An edit of someone else's message, in our shape; undefined for our own. */
export function toEdit(msg: WwebjsMessage, newBody: unknown): InboundEdit | undefined {
  if (!msg?.id?._serialized || msg.fromMe) return undefined;
  const body = typeof newBody === 'string' ? newBody : (msg.body ?? '');
  const ms = numberOf(msg.latestEditSenderTimestampMs);
  return { waMessageId: msg.id._serialized, body, editedAt: ms ? new Date(ms) : new Date() };
}

/** Someone else deleting their message for everyone, in our shape; undefined for our own. */
export function toRevoke(
  msg: WwebjsMessage,
  revoked: WwebjsMessage | null | undefined,
): InboundRevoke | undefined {
  const id = msg?.id?._serialized ?? revoked?.id?._serialized;
  if (!id || msg?.fromMe || revoked?.fromMe) return undefined;
  return { waMessageId: id, revokedAt: msg.timestamp ? new Date(msg.timestamp * 1000) : new Date() };
}

/** A reaction someone else put on a message, as a REACTION message (`body` the emoji). */
export function reactionToInbound(r: WwebjsReaction, ownNumber: string): InboundMessage | undefined {
  if (r.id.fromMe || !r.senderId || !r.msgId) return undefined;
  const emoji = r.reaction ?? '';
  return {
    waMessageId: r.id._serialized,
    from: jidToNumber(r.senderId),
    to: ownNumber,
    body: emoji,
    timestamp: r.timestamp ? new Date(r.timestamp * 1000) : new Date(),
    type: 'REACTION',
    rawType: 'reaction',
    meta: cleanMessageMeta({ emoji, targetWaMessageId: r.msgId._serialized }),
  };
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The library passes strings for these events; anything else is shown as JSON, never "[object Object]". */
function textOf(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return fallback;
  return JSON.stringify(value) ?? fallback;
}

/** Normalizes a WhatsApp JID to what we store: digits for users (`...@c.us`), the JID otherwise. */
export function jidToNumber(jid: string): string {
  return jid.endsWith('@c.us') ? jid.slice(0, -'@c.us'.length) : jid;
}

/** The chat id to send to: numbers become user JIDs, JIDs pass through. */
export function numberToJid(number: string): string {
  return number.includes('@') ? number : `${number.replace(/[^0-9]/g, '')}@c.us`;
}
