import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  cleanMessageMeta,
  simulatorChannel,
  type MessageMeta,
  type MessageType,
  type SimulatorCommand,
} from '@wa-fleet/shared';
import { sampleMediaFor, sampleVcard } from './samples.ts';

/** The phone keeps this many messages (and pending acks); older ones are trimmed, as a phone would. */
const STREAM_MAX_LEN = 100_000;

/** Keys of one simulated number (one per simulator tenant). */
export function simulatorNetworkKeys(prefix: string, tenantId: string) {
  const base = `${prefix}:sim:${tenantId}`;
  return {
    /** Pub/sub: session commands for a running client (link, disconnect, logout, ...). */
    commands: simulatorChannel(prefix, tenantId),
    /** Stream: every message the phone received, in arrival order; the entry id is the arrival time. */
    inbox: `${base}:inbox`,
    /** Hash clientRef -> waMessageId: the network's memory of sends, so a repeated ref sends nothing. */
    delivered: `${base}:delivered`,
    /** List: one JSON `NetworkSend` per real send, in order (what recipients actually got). */
    sent: `${base}:sent`,
    /**
     * Hash clientRef -> how many times a client asked to send it, refused repeats included: what a
     * network without this memory (real WhatsApp) would have sent.
     */
    attempts: `${base}:attempts`,
    /** Stream: delivery receipts for our sends, each due at a time (the recipient's phone pace). */
    acks: `${base}:acks`,
    /** Last ack entry the client has passed on, so acks are not lost or repeated across restarts. */
    acksRead: `${base}:acks-read`,
    /** Our linked number: its presence means "auth data valid", so a restart skips the QR. */
    auth: `${base}:auth`,
    /** Hash waMessageId -> the bytes of the message's file (what a phone downloads from WhatsApp). */
    media: `${base}:media`,
    /** `fail_media`: how many of the next media downloads fail (a flaky media server). */
    mediaFailures: `${base}:media-failures`,
  };
}

/** A stable number per tenant, so restarts show the same linked phone. */
export function simulatedPhoneNumber(tenantId: string): string {
  const digits =
    BigInt(`0x${createHash('sha256').update(tenantId).digest('hex').slice(0, 12)}`) % 10_000_000n;
  return `1555${digits.toString().padStart(7, '0')}`;
}

export interface NetworkInbound {
  /** Stream entry id (arrival order and time). */
  entryId: string;
  waMessageId: string;
  from: string;
  to: string;
  body: string;
  timestamp: Date;
  /** Absent for plain text. */
  type?: MessageType;
  rawType?: string;
  meta?: MessageMeta;
}

/** A customer edited (new `body`) or deleted for everyone a message it sent (see deliverEdit). */
export interface NetworkChange {
  entryId: string;
  kind: 'edit' | 'revoke';
  /** The id of the message changed. */
  waMessageId: string;
  /** edit: the new text. */
  body: string;
  /** When the change was made (the entry's arrival time). */
  at: Date;
}

/** What the phone's inbox stream holds, in arrival order: messages, and changes to earlier ones. */
export type NetworkInboxEntry = ({ kind: 'message' } & NetworkInbound) | NetworkChange;

/** What a customer sends besides text (see deliverInbound). */
export interface InboundContent {
  type?: MessageType | undefined;
  rawType?: string | undefined;
  meta?: MessageMeta | undefined;
  /** The file; for a type with a file and none given, the simulator makes a sample one. */
  media?: Buffer | undefined;
}

export interface NetworkAck {
  entryId: string;
  waMessageId: string;
  status: 'DELIVERED' | 'READ';
  dueAt: number;
}

/** The file of a sent message, as the network received it (tests check what went out). */
export interface NetworkSendMedia {
  sha256: string;
  size: number;
  mimeType: string;
  fileName?: string | undefined;
  caption?: string | undefined;
}

export interface NetworkSend {
  clientRef: string;
  waMessageId: string;
  to: string;
  at: number;
  /** Absent for plain text. */
  media?: NetworkSendMedia;
}

// One atomic step, so a crash can never record a send without remembering it (or the reverse): the
// first send of a clientRef is accepted, logged and given its receipts; a repeat gets the first id back.
// Every attempt, first or repeat, is counted, so a client that asks twice is seen even though only one
// message goes out.
const SEND_ONCE_LUA = `
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'id', ARGV[2], 'status', 'DELIVERED', 'due', ARGV[4])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'id', ARGV[2], 'status', 'READ', 'due', ARGV[5])
  return ARGV[2]
end
return redis.call('HGET', KEYS[1], ARGV[1])`;

type StreamEntries = [id: string, fields: string[]][];

function fieldsOf(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!] = raw[i + 1]!;
  return out;
}

function entryTime(entryId: string): Date {
  return new Date(Number(entryId.split('-')[0]));
}

/**
 * Both sides of the simulated network. The network side (deliverInbound, command, sends) needs no
 * running worker; the client side (read*, sendOnce, auth) is what the simulator engine calls.
 * Blocking reads take a connection of their own (`conn`), as Redis blocks the whole connection.
 */
export class SimulatorNetwork {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  keys(tenantId: string) {
    return simulatorNetworkKeys(this.prefix, tenantId);
  }

  /** A customer writes to the tenant's number: the phone stores it whether or not a worker runs. */
  async deliverInbound(
    tenantId: string,
    msg: { from: string; text: string; id?: string | undefined } & InboundContent,
  ): Promise<{ waMessageId: string; entryId: string }> {
    const from = msg.from.replace(/[^0-9]/g, '');
    const waMessageId = msg.id ?? `false_${from}@c.us_${randomBytes(10).toString('hex').toUpperCase()}`;
    const keys = this.keys(tenantId);
    const type = msg.type ?? 'TEXT';
    const sample = msg.media ? undefined : sampleMediaFor(type);
    const media = msg.media ?? sample?.data;
    const meta: MessageMeta = { ...sample?.meta, ...msg.meta };
    if (media) {
      meta.size = media.length;
      // The file is on the network before the message that points at it, as on WhatsApp's servers.
      await this.redis.hset(keys.media, waMessageId, media);
    }
    const fields = ['id', waMessageId, 'from', from, 'body', msg.text];
    if (type !== 'TEXT') fields.push('type', type);
    if (msg.rawType) fields.push('rawType', msg.rawType);
    if (Object.keys(meta).length > 0) fields.push('meta', JSON.stringify(meta));
    const entryId = (await this.redis.xadd(
      keys.inbox,
      'MAXLEN',
      '~',
      String(STREAM_MAX_LEN),
      '*',
      ...fields,
    )) as string;
    return { waMessageId, entryId };
  }

  /**
   * The customer edits a message it sent earlier (`waMessageId`, known to the phone or not): the edit
   * goes to the phone's inbox after it, like any later message.
   */
  async deliverEdit(
    tenantId: string,
    change: { waMessageId: string; text: string },
  ): Promise<{ entryId: string }> {
    return this.addChange(tenantId, ['kind', 'edit', 'id', change.waMessageId, 'body', change.text]);
  }

  /** The customer deletes a message it sent earlier for everyone. */
  async deliverRevoke(tenantId: string, change: { waMessageId: string }): Promise<{ entryId: string }> {
    return this.addChange(tenantId, ['kind', 'revoke', 'id', change.waMessageId]);
  }

  private async addChange(tenantId: string, fields: string[]): Promise<{ entryId: string }> {
    const entryId = (await this.redis.xadd(
      this.keys(tenantId).inbox,
      'MAXLEN',
      '~',
      String(STREAM_MAX_LEN),
      '*',
      ...fields,
    )) as string;
    return { entryId };
  }

  /**
   * The file of a message, as a phone downloads it; undefined when the network has none. Fails while
   * `fail_media` has failures left (each download attempt uses one).
   */
  async downloadMedia(tenantId: string, waMessageId: string): Promise<Buffer | undefined> {
    const keys = this.keys(tenantId);
    const left = await this.redis.decr(keys.mediaFailures);
    if (left >= 0) throw new Error('simulated media download failure');
    await this.redis.set(keys.mediaFailures, '0');
    return (await this.redis.hgetBuffer(keys.media, waMessageId)) ?? undefined;
  }

  /**
   * `inbound` goes to the phone's store (delivered = 1: stored); every other command is for the
   * running client (delivered = how many clients heard it, 0 when no worker runs).
   */
  async command(
    tenantId: string,
    cmd: SimulatorCommand,
  ): Promise<{ delivered: number; waMessageId?: string }> {
    if (cmd.type === 'inbound') {
      if (!cmd.from) throw new Error('an inbound message needs a sender (from)');
      const { waMessageId } = await this.deliverInbound(tenantId, {
        from: cmd.from,
        text: cmd.text ?? '',
        id: cmd.id,
        ...contentOf(cmd),
      });
      return { delivered: 1, waMessageId };
    }
    if (cmd.type === 'edit' || cmd.type === 'revoke') {
      if (!cmd.targetId) throw new Error(`${cmd.type} needs the id of the message it changes (targetId)`);
      if (cmd.type === 'edit')
        await this.deliverEdit(tenantId, { waMessageId: cmd.targetId, text: cmd.text ?? '' });
      else await this.deliverRevoke(tenantId, { waMessageId: cmd.targetId });
      return { delivered: 1, waMessageId: cmd.targetId };
    }
    if (cmd.type === 'fail_media') {
      // A network-side fault: it holds whether or not a worker runs, and across worker restarts.
      await this.redis.set(
        this.keys(tenantId).mediaFailures,
        String(Math.max(0, Math.floor(cmd.count ?? 0))),
      );
      return { delivered: 1 };
    }
    return { delivered: await this.redis.publish(this.keys(tenantId).commands, JSON.stringify(cmd)) };
  }

  /**
   * Messages the phone received at or after `since` (oldest first, at most `limit`). Edits and
   * deletions in that time are not part of it (see changesSince).
   */
  async inboxSince(tenantId: string, since: Date, limit: number): Promise<NetworkInbound[]> {
    const entries = await this.entriesSince(tenantId, since, limit, 'message');
    return entries.map(({ kind: _kind, ...message }) => message as NetworkInbound);
  }

  /** Edits and deletions the phone received at or after `since` (oldest first, at most `limit`). */
  async changesSince(tenantId: string, since: Date, limit: number): Promise<NetworkChange[]> {
    return (await this.entriesSince(tenantId, since, limit, 'change')) as NetworkChange[];
  }

  private async entriesSince(
    tenantId: string,
    since: Date,
    limit: number,
    want: 'message' | 'change',
  ): Promise<NetworkInboxEntry[]> {
    const out: NetworkInboxEntry[] = [];
    let start = `${Math.max(0, since.getTime())}-0`;
    const to = simulatedPhoneNumber(tenantId);
    while (out.length < limit) {
      const batch = (await this.redis.xrange(
        this.keys(tenantId).inbox,
        start,
        '+',
        'COUNT',
        Math.min(1_000, limit - out.length),
      )) as StreamEntries;
      for (const [entryId, raw] of batch) {
        const entry = toEntry(entryId, raw, to);
        if ((entry.kind === 'message') === (want === 'message') && out.length < limit) out.push(entry);
      }
      if (batch.length === 0) break;
      start = `(${batch[batch.length - 1]![0]}`;
    }
    return out;
  }

  /** Id of the newest message on the phone ('0-0' when none): where a client starts listening. */
  async lastInboxId(tenantId: string): Promise<string> {
    const [last] = (await this.redis.xrevrange(
      this.keys(tenantId).inbox,
      '+',
      '-',
      'COUNT',
      1,
    )) as StreamEntries;
    return last?.[0] ?? '0-0';
  }

  /**
   * Waits up to `blockMs` for messages, edits and deletions after `cursor` (on `conn`, which it blocks
   * meanwhile).
   */
  async readInbox(
    conn: Redis,
    tenantId: string,
    cursor: string,
    blockMs: number,
  ): Promise<NetworkInboxEntry[]> {
    const reply = await conn.xread(
      'COUNT',
      500,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.keys(tenantId).inbox,
      cursor,
    );
    const to = simulatedPhoneNumber(tenantId);
    return (reply?.[0]?.[1] ?? []).map(([entryId, raw]) => toEntry(entryId, raw, to));
  }

  /** Receipts after the client's saved position (or after `cursor`), waiting up to `blockMs`. */
  async readAcks(conn: Redis, tenantId: string, cursor: string, blockMs: number): Promise<NetworkAck[]> {
    const reply = await conn.xread(
      'COUNT',
      500,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.keys(tenantId).acks,
      cursor,
    );
    return (reply?.[0]?.[1] ?? []).map(([entryId, raw]) => {
      const f = fieldsOf(raw);
      return {
        entryId,
        waMessageId: f.id ?? '',
        status: f.status === 'READ' ? 'READ' : 'DELIVERED',
        dueAt: Number(f.due ?? 0),
      };
    });
  }

  async ackPosition(tenantId: string): Promise<string> {
    return (await this.redis.get(this.keys(tenantId).acksRead)) ?? '0-0';
  }

  async saveAckPosition(tenantId: string, entryId: string): Promise<void> {
    await this.redis.set(this.keys(tenantId).acksRead, entryId);
  }

  /** Sends once per clientRef; the receipts come back `ackDelayMs` (delivered) and 2x (read) later. */
  async sendOnce(
    tenantId: string,
    send: {
      clientRef: string;
      to: string;
      ackDelayMs: number;
      media?: { data: Buffer; mimeType: string; fileName?: string | undefined; caption?: string | undefined };
    },
  ): Promise<{ waMessageId: string }> {
    const keys = this.keys(tenantId);
    const candidate = `true_${send.to}@c.us_${randomBytes(10).toString('hex').toUpperCase()}`;
    const now = Date.now();
    const entry: NetworkSend = { clientRef: send.clientRef, waMessageId: candidate, to: send.to, at: now };
    if (send.media) {
      // The network keeps what identifies the file (its hash, size and type), not the bytes.
      entry.media = {
        sha256: createHash('sha256').update(send.media.data).digest('hex'),
        size: send.media.data.length,
        mimeType: send.media.mimeType,
        fileName: send.media.fileName,
        caption: send.media.caption,
      };
    }
    const waMessageId = (await this.redis.eval(
      SEND_ONCE_LUA,
      4,
      keys.delivered,
      keys.sent,
      keys.acks,
      keys.attempts,
      send.clientRef,
      candidate,
      JSON.stringify(entry),
      String(now + send.ackDelayMs),
      String(now + 2 * send.ackDelayMs),
      String(STREAM_MAX_LEN),
    )) as string;
    return { waMessageId };
  }

  /** Everything the network really sent for a tenant, in order (tests count duplicates with it). */
  async sends(tenantId: string): Promise<NetworkSend[]> {
    const raw = await this.redis.lrange(this.keys(tenantId).sent, 0, -1);
    return raw.map((line) => JSON.parse(line) as NetworkSend);
  }

  /**
   * How many times clients asked the network to send each clientRef, refused repeats included (1 each
   * when every message was asked for once; more means a client tried to send it again).
   */
  async sendAttempts(tenantId: string): Promise<Map<string, number>> {
    const raw = await this.redis.hgetall(this.keys(tenantId).attempts);
    return new Map(Object.entries(raw).map(([ref, n]) => [ref, Number(n)]));
  }

  async linkedPhone(tenantId: string): Promise<string | null> {
    return this.redis.get(this.keys(tenantId).auth);
  }

  async link(tenantId: string, phone: string): Promise<void> {
    await this.redis.set(this.keys(tenantId).auth, phone);
  }

  async unlink(tenantId: string): Promise<void> {
    await this.redis.del(this.keys(tenantId).auth);
  }
}

function toEntry(entryId: string, raw: string[], to: string): NetworkInboxEntry {
  const f = fieldsOf(raw);
  if (f.kind === 'edit' || f.kind === 'revoke') {
    return { entryId, kind: f.kind, waMessageId: f.id ?? '', body: f.body ?? '', at: entryTime(entryId) };
  }
  const message: NetworkInboxEntry = {
    kind: 'message',
    entryId,
    waMessageId: f.id ?? entryId,
    from: f.from ?? '',
    to,
    body: f.body ?? '',
    timestamp: entryTime(entryId),
  };
  if (f.type) message.type = f.type as MessageType;
  if (f.rawType) message.rawType = f.rawType;
  if (f.meta) message.meta = cleanMessageMeta(JSON.parse(f.meta));
  return message;
}

/** The content of a simulate `inbound` command beyond its text. */
function contentOf(cmd: SimulatorCommand): InboundContent {
  const type = cmd.messageType ?? 'TEXT';
  const meta: MessageMeta = {};
  const text = cmd.text ?? '';
  if (cmd.fileName) meta.fileName = cmd.fileName;
  switch (type) {
    case 'LOCATION':
      meta.latitude = cmd.latitude ?? 52.52;
      meta.longitude = cmd.longitude ?? 13.405;
      if (cmd.locationName) meta.locationName = cmd.locationName;
      break;
    case 'CONTACT':
      meta.vcard = sampleVcard();
      break;
    case 'REACTION':
      meta.emoji = cmd.emoji ?? '👍';
      if (cmd.targetId) meta.targetWaMessageId = cmd.targetId;
      break;
    default:
      if (text && type !== 'TEXT') meta.caption = text;
  }
  return { type, rawType: type === 'UNSUPPORTED' ? (cmd.rawType ?? 'unknown') : cmd.rawType, meta };
}
