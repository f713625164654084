import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';

/**
 * Sign-in throttling, kept in Redis so every control plane sees the same counts.
 *
 * - Per client address: failures in a fixed window; past the limit the address gets 429 until the window
 *   ends. This is what slows one address spraying a password over many accounts.
 * - Per account: failures from anywhere are counted. Past the free failures, an address that has itself
 *   failed on this account must wait a delay that doubles with every further failure (capped). An address
 *   that has never failed on the account is not delayed, so an attacker's wrong guesses from elsewhere do
 *   not lock the owner out; each new address that fails joins the delayed set, so spreading guesses over
 *   many addresses buys one guess per address, and each address is still bound by its own limit.
 * - Concurrent hashes: argon2 takes real CPU and memory, so one control plane runs only a few at a time and
 *   answers 503 with Retry-After past that, instead of queueing work without bound.
 */
export interface LimiterOptions {
  prefix: string;
  addressMax: number;
  addressWindowMs: number;
  accountFreeFailures: number;
  accountDelayBaseMs: number;
  accountDelayMaxMs: number;
  accountWindowMs: number;
  maxConcurrentHashes: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

function rateLimited(waitMs: number, message: string): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('RATE_LIMITED', `${message}; retry in ${seconds} s`, { retryAfterSeconds: seconds });
}

export class SignInLimiter {
  private running = 0;

  constructor(
    private readonly redis: Redis,
    private readonly opts: LimiterOptions,
  ) {}

  private keys(email: string, address: string) {
    const account = digest(email);
    return {
      address: `${this.opts.prefix}:login:addr:${digest(address)}`,
      account: `${this.opts.prefix}:login:acct:${account}`,
      accountAddresses: `${this.opts.prefix}:login:acct-addr:${account}`,
      addressTag: digest(address),
    };
  }

  /** The delay an account imposes after `failures` failures (0 while within the free failures). */
  delayFor(failures: number): number {
    const over = failures - this.opts.accountFreeFailures;
    if (over < 0) return 0;
    return Math.min(this.opts.accountDelayMaxMs, this.opts.accountDelayBaseMs * 2 ** Math.min(over, 30));
  }

  /** Throws 429 when this address, or this account for this address, must wait. */
  async check(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    const results = await this.redis
      .multi()
      .get(k.address)
      .pttl(k.address)
      .hmget(k.account, 'failures', 'last')
      .sismember(k.accountAddresses, k.addressTag)
      .exec();
    if (!results) throw new Error('sign-in limiter: Redis transaction aborted');
    const [addressFailures, addressTtl, account, hasFailedHere] = results.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    if (Number(addressFailures ?? 0) >= this.opts.addressMax) {
      const ttl = Number(addressTtl);
      throw rateLimited(
        ttl > 0 ? ttl : this.opts.addressWindowMs,
        'too many failed sign-ins from this address',
      );
    }
    if (Number(hasFailedHere) !== 1) return;
    const [failures, last] = (account as (string | null)[]).map((v) => Number(v ?? 0));
    const wait = (last ?? 0) + this.delayFor(failures ?? 0) - Date.now();
    if (wait > 0) throw rateLimited(wait, 'too many failed sign-ins for this account');
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    await this.redis
      .multi()
      // The window starts with the first failure and is not extended by later ones (INCR keeps the TTL).
      .set(k.address, 0, 'PX', this.opts.addressWindowMs, 'NX')
      .incr(k.address)
      .hincrby(k.account, 'failures', 1)
      .hset(k.account, 'last', Date.now())
      .pexpire(k.account, this.opts.accountWindowMs)
      .sadd(k.accountAddresses, k.addressTag)
      .pexpire(k.accountAddresses, this.opts.accountWindowMs)
      .exec();
  }

  /** A correct password: this address is no longer delayed on this account. */
  async recordSuccess(email: string, address: string): Promise<void> {
    const k = this.keys(email, address);
    await this.redis.srem(k.accountAddresses, k.addressTag);
  }

  /** Runs one password hash, or throws 503 when this process already runs as many as allowed. */
  async withHashSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.opts.maxConcurrentHashes) {
      throw new AppError('BUSY', 'too many sign-ins at once; retry in 1 s', { retryAfterSeconds: 1 });
    }
    this.running += 1;
    try {
      return await fn();
    } finally {
      this.running -= 1;
    }
  }
}
