import { EventEmitter } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SimulatorNetwork, simulatedPhoneNumber, type NetworkChange } from '@wa-fleet/simulator';
import { SIMULATOR_COMMANDS, type SimulatorCommand } from '@wa-fleet/shared';
import { EngineError, EngineNotReadyError, PermanentSendError } from '../errors.ts';
import type {
  DownloadedMedia,
  EngineContext,
  EngineEvents,
  InboundMessage,
  OutboundMedia,
  SendOptions,
  WaEngine,
} from '../types.ts';

export interface SimulatorOptions extends EngineContext {
  /** Negative: link only on the `link` command. */
  linkDelayMs: number;
  ackDelayMs: number;
  /** How long a pairing code stays valid before the next one replaces it. */
  pairingCodeTtlMs: number;
}

/** WhatsApp rotates an unscanned QR about every 20 s; the simulator does too, so portals must follow. */
const QR_ROTATE_MS = 20_000;
const QR_AFTER_LOGOUT_MS = 1_000;
/** How long one blocking read waits; bounds how late a stop or a disconnect is noticed by a reader. */
const READ_BLOCK_MS = 1_000;
const READ_RETRY_MS = 500;
/** WhatsApp's pairing codes: 8 characters, letters and digits without look-alikes (no 0/O, 1/I). */
const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTVWXYZ23456789';
const PAIRING_CODE_LENGTH = 8;

/**
 * The client side of the simulated network (@wa-fleet/simulator): like WhatsApp Web, it only sees
 * traffic while linked and connected. Inbound messages and receipts are Redis streams that keep
 * filling while this process is stopped; what it missed comes back through fetchMessagesSince.
 * Session commands (link, disconnect, logout, fail, hang, auth_failure, fail_sends,
 * enter_pairing_code) arrive on the tenant's channel. The simulated phone has one number
 * (simulatedPhoneNumber): a pairing code links only when it was asked for that number and is typed
 * while valid, as on a real phone.
 */
export class SimulatorEngine extends EventEmitter<EngineEvents> implements WaEngine {
  readonly name = 'simulator';
  readonly capabilities = { idempotentClientRef: true, backfill: true, pairingCode: true, media: true };
  private readonly opts: SimulatorOptions;
  private readonly network: SimulatorNetwork;
  private phone: string;
  private subscriber: Redis | undefined;
  private readers: Redis[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private linkTimer: NodeJS.Timeout | undefined;
  private isConnected = false;
  private isStopped = false;
  /** `fail_sends`: the next `count` sends fail with a retryable error (a flaky network). */
  private failingSends = { count: 0, message: '' };
  /** Bumped on every connect and drop, so readers of an earlier connection stop. */
  private connection = 0;
  private wakeSleepers: (() => void)[] = [];
  /** The pairing code on show (one at a time) and the number it was asked for. */
  private pairing: { phone: string; code: string; expiresAt: number } | undefined;
  private pairingTimer: NodeJS.Timeout | undefined;

  constructor(opts: SimulatorOptions) {
    super();
    this.opts = opts;
    this.network = new SimulatorNetwork(opts.redis, opts.redisPrefix);
    this.phone = simulatedPhoneNumber(opts.tenantId);
  }

  async start(): Promise<void> {
    this.subscriber = this.opts.redis.duplicate();
    this.subscriber.on('message', (_channel: string, raw: string) => this.handleCommand(raw));
    await this.subscriber.subscribe(this.network.keys(this.opts.tenantId).commands);
    // Like a saved session: valid auth data restores the link without a new QR.
    const linked = await this.network.linkedPhone(this.opts.tenantId);
    if (linked) {
      this.phone = linked;
      this.later(0, () => this.link());
    } else this.later(0, () => this.showQr());
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    this.dropConnection();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const connections = [...this.readers, ...(this.subscriber ? [this.subscriber] : [])];
    this.readers = [];
    this.subscriber = undefined;
    // disconnect(), not quit(): a blocked XREAD would hold quit() until its block ends.
    for (const c of connections) c.disconnect();
  }

  async sendText(to: string, _text: string, opts: SendOptions): Promise<{ waMessageId: string }> {
    return this.send(to, opts, undefined);
  }

  async sendMedia(to: string, media: OutboundMedia, opts: SendOptions): Promise<{ waMessageId: string }> {
    return this.send(to, opts, media);
  }

  private async send(
    to: string,
    opts: SendOptions,
    media: OutboundMedia | undefined,
  ): Promise<{ waMessageId: string }> {
    if (!this.isConnected) throw new EngineNotReadyError();
    // Like WhatsApp: a recipient that is not a number can never receive anything, retrying is pointless.
    if (!/^\d{6,20}$/.test(to)) throw new PermanentSendError('recipient is not a phone number');
    if (this.failingSends.count > 0) {
      // Fails before the network sees it: nothing is sent, so a retry must send it exactly once.
      this.failingSends.count -= 1;
      throw new EngineError(this.failingSends.message, true);
    }
    return this.network.sendOnce(this.opts.tenantId, {
      clientRef: opts.clientRef,
      to,
      ackDelayMs: this.opts.ackDelayMs,
      ...(media ? { media } : {}),
    });
  }

  async requestPairingCode(phone: string): Promise<void> {
    if (this.isStopped) throw new EngineNotReadyError();
    if (this.isConnected) throw new EngineError('the number is already linked', false);
    this.issuePairingCode(phone.replace(/[^0-9]/g, ''));
  }

  /** Shows a new code for `phone` now and again each time the last one expires, until linked. */
  private issuePairingCode(phone: string): void {
    this.clearPairing();
    if (this.isConnected || this.isStopped) return;
    let code = '';
    for (let i = 0; i < PAIRING_CODE_LENGTH; i++)
      code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
    const expiresAt = Date.now() + this.opts.pairingCodeTtlMs;
    this.pairing = { phone, code, expiresAt };
    this.emit('pairing_code', { code, expiresAt: new Date(expiresAt) });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pairingTimer = undefined;
      this.issuePairingCode(phone);
    }, this.opts.pairingCodeTtlMs);
    this.pairingTimer = timer;
    this.timers.add(timer);
  }

  private clearPairing(): void {
    if (this.pairingTimer) {
      clearTimeout(this.pairingTimer);
      this.timers.delete(this.pairingTimer);
      this.pairingTimer = undefined;
    }
    this.pairing = undefined;
  }

  /** The phone's owner typed `typed` on the simulated phone (its number is simulatedPhoneNumber). */
  private enterPairingCode(typed: string): void {
    const pairing = this.pairing;
    const code = typed.replace(/[^0-9a-z]/gi, '').toUpperCase();
    const phone = simulatedPhoneNumber(this.opts.tenantId);
    if (!pairing || pairing.code !== code || Date.now() >= pairing.expiresAt) {
      this.opts.logger.warn('simulator: the code typed on the phone is not a valid pairing code');
      return;
    }
    if (pairing.phone !== phone) {
      this.opts.logger.warn('simulator: the pairing code was asked for another number than this phone');
      return;
    }
    this.clearPairing();
    this.phone = phone;
    this.scheduleLink(0);
  }

  /**
   * The messages since `since`; the edits and deletions of that time are passed on as events right
   * after (a change whose message the worker has not stored yet waits for it there, so the order
   * between the two does not matter, and one seen twice changes nothing).
   */
  async fetchMessagesSince(since: Date, limit: number): Promise<InboundMessage[]> {
    const [found, changes] = await Promise.all([
      this.network.inboxSince(this.opts.tenantId, since, limit),
      this.network.changesSince(this.opts.tenantId, since, limit),
    ]);
    this.later(0, () => {
      for (const change of changes) this.emitChange(change);
    });
    return found.map(({ entryId: _entryId, ...message }) => message);
  }

  private emitChange(change: NetworkChange): void {
    if (change.kind === 'edit') {
      this.emit('message_edit', { waMessageId: change.waMessageId, body: change.body, editedAt: change.at });
    } else {
      this.emit('message_revoke', { waMessageId: change.waMessageId, revokedAt: change.at });
    }
  }

  async downloadMedia(waMessageId: string): Promise<DownloadedMedia | undefined> {
    const data = await this.network.downloadMedia(this.opts.tenantId, waMessageId);
    return data ? { data } : undefined;
  }

  private later(ms: number, fn: () => void | Promise<void>): void {
    if (this.isStopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.isStopped) return;
      Promise.resolve(fn()).catch((err: unknown) => this.emit('fatal', toError(err)));
    }, ms);
    this.timers.add(timer);
  }

  private showQr(): void {
    if (this.isConnected) return;
    const b64 = (n: number) => randomBytes(n).toString('base64');
    this.emit('qr', `2@${b64(48)},${b64(32)},${b64(32)},${b64(32)}`);
    this.later(QR_ROTATE_MS, () => this.showQr());
    if (this.opts.linkDelayMs >= 0) this.scheduleLink(this.opts.linkDelayMs);
  }

  private scheduleLink(ms: number): void {
    if (this.linkTimer) return;
    this.linkTimer = setTimeout(() => {
      this.timers.delete(this.linkTimer!);
      this.linkTimer = undefined;
      if (!this.isStopped) this.link().catch((err: unknown) => this.emit('fatal', toError(err)));
    }, ms);
    this.timers.add(this.linkTimer);
  }

  private async link(): Promise<void> {
    if (this.isConnected || this.isStopped) return;
    const { tenantId } = this.opts;
    await this.network.link(tenantId, this.phone);
    // Live messages are those after the newest one now on the phone; older ones are the worker's
    // backfill (fetchMessagesSince), which it runs on `connected`. Overlap is harmless, a gap is not.
    const inboxCursor = await this.network.lastInboxId(tenantId);
    const ackCursor = await this.network.ackPosition(tenantId);
    if (this.isConnected || this.isStopped) return;
    this.clearPairing();
    this.isConnected = true;
    this.connection += 1;
    this.emit('connected', { phone: this.phone });
    void this.readInbox(this.connection, inboxCursor);
    void this.readAcks(this.connection, ackCursor);
  }

  private isCurrent(connection: number): boolean {
    return !this.isStopped && this.isConnected && connection === this.connection;
  }

  private reader(): Redis {
    const conn = this.opts.redis.duplicate();
    conn.on('error', (err) => this.opts.logger.debug({ err }, 'simulator reader connection error'));
    this.readers.push(conn);
    return conn;
  }

  private closeReader(conn: Redis): void {
    this.readers = this.readers.filter((c) => c !== conn);
    conn.disconnect();
  }

  private async readInbox(connection: number, from: string): Promise<void> {
    const conn = this.reader();
    let cursor = from;
    try {
      while (this.isCurrent(connection)) {
        try {
          const batch = await this.network.readInbox(conn, this.opts.tenantId, cursor, READ_BLOCK_MS);
          for (const entry of batch) {
            if (!this.isCurrent(connection)) return;
            cursor = entry.entryId;
            if (entry.kind === 'message') {
              const { entryId: _entryId, kind: _kind, ...message } = entry;
              this.emit('message', message);
            } else if (entry.kind === 'edit') {
              this.emit('message_edit', {
                waMessageId: entry.waMessageId,
                body: entry.body,
                editedAt: entry.at,
              });
            } else {
              this.emit('message_revoke', { waMessageId: entry.waMessageId, revokedAt: entry.at });
            }
          }
        } catch (err) {
          if (!this.isCurrent(connection)) return;
          this.opts.logger.warn({ err }, 'simulator: reading the inbox failed, retrying');
          await this.sleep(READ_RETRY_MS);
        }
      }
    } finally {
      this.closeReader(conn);
    }
  }

  /** Receipts are passed on when due, in order; the position is saved after each, so none is lost. */
  private async readAcks(connection: number, from: string): Promise<void> {
    const conn = this.reader();
    let cursor = from;
    try {
      while (this.isCurrent(connection)) {
        try {
          const batch = await this.network.readAcks(conn, this.opts.tenantId, cursor, READ_BLOCK_MS);
          for (const ack of batch) {
            while (this.isCurrent(connection) && Date.now() < ack.dueAt) {
              await this.sleep(ack.dueAt - Date.now());
            }
            if (!this.isCurrent(connection)) return;
            this.emit('message_ack', ack.waMessageId, ack.status);
            cursor = ack.entryId;
            await this.network.saveAckPosition(this.opts.tenantId, cursor);
          }
        } catch (err) {
          if (!this.isCurrent(connection)) return;
          this.opts.logger.warn({ err }, 'simulator: reading receipts failed, retrying');
          await this.sleep(READ_RETRY_MS);
        }
      }
    } finally {
      this.closeReader(conn);
    }
  }

  /** A sleep that a drop or stop cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleepers = this.wakeSleepers.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakeSleepers.push(done);
    });
  }

  private handleCommand(raw: string): void {
    let cmd: SimulatorCommand;
    try {
      cmd = JSON.parse(raw) as SimulatorCommand;
      if (!SIMULATOR_COMMANDS.includes(cmd.type)) throw new Error(`unknown type ${String(cmd.type)}`);
    } catch (err) {
      this.opts.logger.warn({ err }, 'simulator command ignored: not a valid command');
      return;
    }
    this.opts.logger.debug({ command: cmd.type }, 'simulator command');
    switch (cmd.type) {
      case 'link':
        this.scheduleLink(0);
        return;
      case 'inbound':
      case 'edit':
      case 'revoke':
        // Customers write to the phone (SimulatorNetwork.deliverInbound), not to a running client.
        this.opts.logger.warn(
          'simulator command ignored: inbound messages go to the network, not the client',
        );
        return;
      case 'disconnect':
        if (this.dropConnection()) this.emit('disconnected', { reason: 'connection lost (simulated)' });
        // The phone is still linked: come back like a real session does after a network blip.
        if (this.opts.linkDelayMs >= 0) this.scheduleLink(this.opts.linkDelayMs);
        return;
      case 'logout':
        void this.network.unlink(this.opts.tenantId).then(() => {
          this.dropConnection();
          this.emit('logged_out', { reason: 'unlinked from the phone (simulated)' });
          // WhatsApp Web takes a moment to reload before it offers a new QR.
          this.later(QR_AFTER_LOGOUT_MS, () => this.showQr());
        });
        return;
      case 'auth_failure':
        void this.network.unlink(this.opts.tenantId).then(() => {
          this.dropConnection();
          this.emit('auth_failed', { message: 'simulated: restoring the session failed' });
        });
        return;
      case 'fail':
        this.emit('fatal', new Error(cmd.message || 'simulated engine failure'));
        return;
      case 'hang':
        this.hangForever();
        return;
      case 'fail_sends':
        this.failingSends = {
          count: Math.max(0, Math.floor(Number(cmd.count) || 0)),
          message: cmd.message || 'simulated network error',
        };
        return;
      case 'enter_pairing_code':
        this.enterPairingCode(String(cmd.code ?? ''));
        return;
    }
  }

  /** Ends the current connection (its readers stop); true when there was one. */
  private dropConnection(): boolean {
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.connection += 1;
    for (const wake of [...this.wakeSleepers]) wake();
    return wasConnected;
  }

  /**
   * A hung session as the heartbeat sees it: the event loop stops (no heartbeats, no signal handlers),
   * without burning a CPU core. Only SIGKILL (PM2 after kill_timeout) ends the process.
   */
  private hangForever(): void {
    this.opts.logger.warn('simulator: hanging on command (event loop blocked until killed)');
    // Flush first: once the loop is blocked, buffered log lines could never be written.
    this.opts.logger.flush(() => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    });
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
