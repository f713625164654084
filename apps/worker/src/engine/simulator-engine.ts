import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@wa-fleet/logger';
import { SIMULATOR_COMMANDS, maskPhone, simulatorChannel, type SimulatorCommand } from '@wa-fleet/shared';
import { EngineError, EngineNotReadyError, PermanentSendError } from './errors.ts';
import type { EngineEvents, SendOptions, WaEngine } from './types.ts';

export interface SimulatorOptions {
  tenantId: string;
  redisPrefix: string;
  /** Commands and the simulated network's memory; a subscriber is duplicated from it. */
  redis: Redis;
  logger: Logger;
  /** Negative: link only on the `link` command. */
  linkDelayMs: number;
  inboundPerMin: number;
  ackDelayMs: number;
}

/** WhatsApp rotates an unscanned QR about every 20 s; the simulator does too, so portals must follow. */
const QR_ROTATE_MS = 20_000;
const QR_AFTER_LOGOUT_MS = 1_000;
const SAMPLE_TEXTS = [
  'hello',
  'what is the price?',
  'are you open today?',
  'thanks!',
  'HELP',
  'order status',
];

/** Keys of the simulated WhatsApp network, so tests can see what it received (and how often). */
export function simulatorKeys(prefix: string, tenantId: string) {
  const base = `${prefix}:sim:${tenantId}`;
  return {
    /** clientRef -> waMessageId of everything the network accepted (its memory of sends). */
    delivered: `${base}:delivered`,
    /** One JSON entry `{ clientRef, waMessageId, to, at }` per real send, in order. */
    sent: `${base}:sent`,
    /** Our linked number: its presence means "auth data valid", so a restart skips the QR. */
    auth: `${base}:auth`,
  };
}

// One atomic step, so a crash can never record a send without remembering it (or the reverse):
// the first send of a clientRef is accepted and logged, a repeat gets the first one's id back.
const SEND_ONCE_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  return ARGV[2]
end
return redis.call('HGET', KEYS[1], ARGV[1])`;

/**
 * A WhatsApp network in a box: same events as the real engine, no network. Driven by timers (link delay,
 * inbound rate) and by JSON commands on the tenant's Redis channel.
 */
export class SimulatorEngine extends EventEmitter<EngineEvents> implements WaEngine {
  readonly name = 'simulator';
  private readonly opts: SimulatorOptions;
  private readonly keys: ReturnType<typeof simulatorKeys>;
  private subscriber: Redis | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private isConnected = false;
  private isStopped = false;
  /** `fail_sends`: the next `count` sends fail with a retryable error (a flaky network). */
  private failingSends = { count: 0, message: '' };
  private readonly phone: string;

  constructor(opts: SimulatorOptions) {
    super();
    this.opts = opts;
    this.keys = simulatorKeys(opts.redisPrefix, opts.tenantId);
    // A stable number per tenant, so restarts show the same linked phone.
    const digits =
      BigInt(`0x${createHash('sha256').update(opts.tenantId).digest('hex').slice(0, 12)}`) % 10_000_000n;
    this.phone = `1555${digits.toString().padStart(7, '0')}`;
  }

  async start(): Promise<void> {
    const channel = simulatorChannel(this.opts.redisPrefix, this.opts.tenantId);
    this.subscriber = this.opts.redis.duplicate();
    this.subscriber.on('message', (_channel: string, raw: string) => this.handleCommand(raw));
    await this.subscriber.subscribe(channel);
    const savedPhone = await this.opts.redis.get(this.keys.auth);
    // Like LocalAuth: valid saved auth data restores the session without a new QR.
    if (savedPhone) this.later(0, () => this.link());
    else this.later(0, () => this.showQr());
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    this.isConnected = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  async sendText(to: string, _text: string, opts: SendOptions): Promise<{ waMessageId: string }> {
    if (!this.isConnected) throw new EngineNotReadyError();
    // Like WhatsApp: a recipient that is not a number can never receive anything, retrying is pointless.
    if (!/^\d{6,20}$/.test(to)) throw new PermanentSendError('recipient is not a phone number');
    if (this.failingSends.count > 0) {
      this.failingSends.count -= 1;
      throw new EngineError(this.failingSends.message, true);
    }
    const candidate = `true_${to}@c.us_${randomBytes(10).toString('hex').toUpperCase()}`;
    const entry = JSON.stringify({ clientRef: opts.clientRef, waMessageId: candidate, to, at: Date.now() });
    const waMessageId = (await this.opts.redis.eval(
      SEND_ONCE_LUA,
      2,
      this.keys.delivered,
      this.keys.sent,
      opts.clientRef,
      candidate,
      entry,
    )) as string;
    this.later(this.opts.ackDelayMs, () => {
      this.emit('message_ack', waMessageId, 'DELIVERED');
      this.later(this.opts.ackDelayMs, () => {
        this.emit('message_ack', waMessageId, 'READ');
      });
    });
    return { waMessageId };
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

  private linkTimer: NodeJS.Timeout | undefined;
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
    await this.opts.redis.set(this.keys.auth, this.phone);
    this.emit('authenticated');
    this.isConnected = true;
    this.emit('change_state', 'CONNECTED');
    this.emit('ready', this.phone);
    this.scheduleRandomInbound();
  }

  private scheduleRandomInbound(): void {
    if (this.opts.inboundPerMin <= 0) return;
    this.later(60_000 / this.opts.inboundPerMin, () => {
      if (!this.isConnected) return;
      const from = `1999${Math.floor(Math.random() * 10_000_000)
        .toString()
        .padStart(7, '0')}`;
      const text = SAMPLE_TEXTS[Math.floor(Math.random() * SAMPLE_TEXTS.length)] ?? 'hello';
      this.deliverInbound(from, text);
      this.scheduleRandomInbound();
    });
  }

  private deliverInbound(from: string, text: string, id?: string): void {
    const waMessageId = id ?? `false_${from}@c.us_${randomBytes(10).toString('hex').toUpperCase()}`;
    this.emit('message', { waMessageId, from, to: this.phone, body: text, timestamp: new Date() });
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
        if (!this.isConnected || !cmd.from) {
          this.opts.logger.warn(
            { from: maskPhone(cmd.from) },
            'simulated inbound dropped: not linked or no sender',
          );
          return;
        }
        this.deliverInbound(cmd.from.replace(/[^0-9]/g, ''), cmd.text ?? '', cmd.id);
        return;
      case 'disconnect':
        this.dropConnection('CONNECTION_LOST');
        // The phone is still linked: come back like a real session does after a network blip.
        if (this.opts.linkDelayMs >= 0) this.scheduleLink(this.opts.linkDelayMs);
        return;
      case 'logout':
        void this.forgetAuth().then(() => {
          this.dropConnection('LOGOUT');
          // WhatsApp Web takes a moment to reload before it offers a new QR.
          this.later(QR_AFTER_LOGOUT_MS, () => this.showQr());
        });
        return;
      case 'auth_failure':
        void this.forgetAuth().then(() => {
          this.dropConnection(undefined);
          this.emit('auth_failure', 'simulated: restoring the session failed');
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
    }
  }

  private dropConnection(reason: string | undefined): void {
    this.isConnected = false;
    if (reason) {
      this.emit('change_state', reason === 'LOGOUT' ? 'UNPAIRED' : 'TIMEOUT');
      this.emit('disconnected', reason);
    }
  }

  private async forgetAuth(): Promise<void> {
    await this.opts.redis.del(this.keys.auth);
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
