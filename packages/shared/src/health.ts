// The one PostgreSQL and Redis check of the code base (doctor, the control plane's /ready, the quick
// start), on the real clients, so every caller tells "nothing answers" from "it answers but refuses our
// credentials": a wrong password is a configuration error to report, never a reason to start another
// server. Exported as `@wa-fleet/shared/health` so browser code importing the package root stays free of
// pg and ioredis.
import { Redis } from 'ioredis';
import pg from 'pg';
import { maskUrl } from './mask.ts';
import { withTimeout } from './timeout.ts';

export type ProbeState = 'ok' | 'unreachable' | 'auth_failed' | 'error';

export interface ProbeResult {
  state: ProbeState;
  /** What was found, without credentials (URLs are masked). */
  detail: string;
}

export interface ProbeOptions {
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3_000;

/** Network-level failures: nothing (or nothing that speaks the protocol) answered. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
/** PostgreSQL SQLSTATE 28000 invalid_authorization_specification, 28P01 invalid_password. */
const PG_AUTH_CODES = new Set(['28000', '28P01']);
const AUTH_MESSAGE =
  /password authentication failed|no pg_hba\.conf entry|WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH <password> called without any password/i;
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|timed out|Can't reach database server|Connection is closed|Connection terminated|max retries per request|Stream isn't writeable/i;

/** The error and its causes (Prisma and ioredis wrap the driver's error). */
function chain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    out.push(current as Record<string, unknown>);
    const record = current as Record<string, unknown>;
    if (Array.isArray(record.errors)) out.push(...(record.errors as Record<string, unknown>[]));
    current = record.cause;
  }
  return out;
}

/** Sorts an error of a PostgreSQL or Redis client into unreachable, auth_failed or (other) error. */
export function classifyError(err: unknown): Exclude<ProbeState, 'ok'> {
  const links = chain(err);
  const codes = links.flatMap((l) => [l.code, l.originalCode, l.kind]).filter((c) => typeof c === 'string');
  const messages = links.map((l) => (typeof l.message === 'string' ? l.message : '')).join(' | ');
  if (codes.some((c) => PG_AUTH_CODES.has(c) || c === 'AuthenticationFailed') || AUTH_MESSAGE.test(messages))
    return 'auth_failed';
  if (
    codes.some((c) => UNREACHABLE_CODES.has(c) || c === 'DatabaseNotReachable') ||
    (links[0] as { name?: unknown } | undefined)?.name === 'TimeoutError' ||
    UNREACHABLE_MESSAGE.test(messages)
  )
    return 'unreachable';
  return 'error';
}

function describe(err: unknown): string {
  const messages = chain(err)
    .map((l) => (typeof l.message === 'string' ? l.message : ''))
    .filter((m) => m.length > 0);
  // Drivers sometimes echo the URL they were given; never its password.
  return (messages[0] ?? String(err))
    .replace(/\s+/g, ' ')
    .replace(/Invalid `prisma\.\$queryRaw\(\)` invocation: /, '')
    .trim()
    .replace(/(\w+:\/\/[^:\s/@]*:)[^@\s]+@/g, '$1***@');
}

const WORDS: Record<Exclude<ProbeState, 'ok'>, string> = {
  unreachable: 'not reachable',
  auth_failed: 'authentication failed',
  error: 'error',
};

function failure(target: string, err: unknown): ProbeResult {
  const state = classifyError(err);
  return { state, detail: `${target}: ${WORDS[state]} (${describe(err)})` };
}

/** Runs one check within the time-out; `cause` may swap the thrown error for a more telling one. */
async function attempt(
  name: string,
  check: () => Promise<unknown>,
  timeoutMs: number,
  what: string,
  cause: (err: unknown) => unknown = (err) => err,
): Promise<ProbeResult> {
  try {
    await withTimeout(check(), timeoutMs, what);
    return { state: 'ok', detail: name };
  } catch (err) {
    return failure(name, cause(err));
  }
}

/** Anything that can run `SELECT 1` on an open client (a Prisma client: `() => db.$queryRaw\`SELECT 1\``). */
export type PostgresQuery = () => Promise<unknown>;

/**
 * Checks PostgreSQL: with a URL, opens one pg connection and runs SELECT 1; with a query function, runs
 * it on the caller's pool (the control plane's own Prisma client).
 */
export async function probePostgres(
  target: string | PostgresQuery,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: ProbeOptions = {},
): Promise<ProbeResult> {
  if (typeof target !== 'string') return attempt('database', target, timeoutMs, 'SELECT 1');
  const name = maskUrl(target);
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: target, connectionTimeoutMillis: timeoutMs });
  } catch (err) {
    return { state: 'error', detail: `${name}: ${describe(err)}` };
  }
  client.on('error', () => undefined);
  const check = async () => {
    await client.connect();
    await client.query('SELECT 1');
  };
  const result = await attempt(name, check, timeoutMs, 'connect and SELECT 1');
  await client.end().catch(() => undefined);
  return result;
}

/**
 * Checks Redis with PING: with a URL, on a fresh ioredis connection that does not retry (AUTH is sent on
 * connect from the URL's credentials); with a client, on the caller's connection.
 */
export async function probeRedis(
  target: string | Redis,
  { timeoutMs = DEFAULT_TIMEOUT_MS }: ProbeOptions = {},
): Promise<ProbeResult> {
  if (typeof target !== 'string') return attempt('redis', () => target.ping(), timeoutMs, 'PING');
  const name = maskUrl(target);
  let redis: Redis;
  try {
    redis = new Redis(target, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
  } catch (err) {
    return { state: 'error', detail: `${name}: ${describe(err)}` };
  }
  let lastError: unknown;
  redis.on('error', (err: unknown) => (lastError = err));
  const check = async () => {
    await redis.connect();
    await redis.ping();
  };
  // ioredis rejects connect() with "Connection is closed" and reports the server's AUTH answer as an
  // 'error' event: prefer that, it says why.
  const result = await attempt(name, check, timeoutMs, 'connect and PING', (err) =>
    lastError && classifyError(lastError) === 'auth_failed' ? lastError : err,
  );
  redis.disconnect();
  return result;
}
