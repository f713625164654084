import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const SIGNATURE_HEADER = 'Wa-Fleet-Signature';

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** A refused target: the URL's address is not a public unicast one (and the operator did not allow it). */
export class BlockedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/** Only public unicast addresses; IPv4-mapped IPv6 is judged as the IPv4 address it carries. */
export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/**
 * The address to connect to for `hostname`: resolved now (every attempt, so a changed DNS answer is
 * seen), every answer checked, and the connection then made to that checked address, so a second,
 * different DNS answer (rebinding) never reaches the socket.
 */
export async function resolveTarget(
  hostname: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const answers = ipaddr.isValid(bare)
    ? [{ address: bare, family: ipaddr.parse(bare).kind() === 'ipv6' ? 6 : 4 }]
    : await dnsLookup(bare, { all: true, verbatim: true });
  if (answers.length === 0) throw new Error(`${bare} does not resolve`);
  if (!allowPrivate) {
    for (const answer of answers) {
      if (!isPublicAddress(answer.address)) {
        const which = answer.address === bare ? bare : `${bare} (${answer.address})`;
        throw new BlockedAddressError(
          `${which} is not a public address (loopback, private, link-local and other reserved ranges are refused)`,
        );
      }
    }
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface PostResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** The first bytes of the response body (utf-8, invalid sequences replaced). */
  excerpt: string | null;
  /** Retry-After of the answer, in milliseconds, when it had one. */
  retryAfterMs: number | null;
  /** The target was refused before any connection (SSRF guard). */
  blocked: boolean;
}

export interface PostOptions {
  timeoutMs: number;
  excerptBytes: number;
  allowPrivate: boolean;
  headers: Record<string, string>;
}

/** Response bytes read at most; the connection is cut past it (the excerpt is all we keep anyway). */
const MAX_READ_BYTES = 64 * 1024;

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * One POST of `body` to `url`: no redirects followed, the whole exchange bounded by timeoutMs, at most
 * MAX_READ_BYTES of the answer read and excerptBytes kept. Never throws: every outcome is a PostResult.
 */
export async function postWebhook(url: string, body: string, opts: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (error: string, blocked = false): PostResult => ({
    statusCode: null,
    latencyMs: elapsed(),
    error,
    excerpt: null,
    retryAfterMs: null,
    blocked,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return fail('invalid URL');
  }
  let resolved: { address: string; family: 4 | 6 };
  try {
    resolved = await resolveTarget(target.hostname, opts.allowPrivate);
  } catch (err) {
    if (err instanceof BlockedAddressError) return fail(err.message, true);
    return fail(`DNS: ${(err as Error).message}`);
  }
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: resolved.address, family: resolved.family }]);
    else callback(null, resolved.address, resolved.family);
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        lookup,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body).toString(),
          'user-agent': 'wa-fleet-webhooks/1',
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let read = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).toString('utf8');
          const retryAfter: string | undefined = res.headers['retry-after'];
          finish({
            statusCode: res.statusCode ?? null,
            latencyMs: elapsed(),
            error: null,
            excerpt,
            retryAfterMs: parseRetryAfter(retryAfter),
            blocked: false,
          });
        };
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (kept < opts.excerptBytes) {
            const part = chunk.subarray(0, opts.excerptBytes - kept);
            chunks.push(part);
            kept += part.length;
          }
          if (read >= MAX_READ_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (err) => finish(fail(`response: ${err.message}`)));
      },
    );
    const timer = setTimeout(() => {
      finish(fail(`timed out after ${opts.timeoutMs} ms`));
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(fail(err.code ? `${err.code}: ${err.message}` : err.message)),
    );
    req.end(body);
  });
}
