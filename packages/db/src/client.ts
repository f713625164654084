import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export interface DbClientOptions {
  /** Connections in this process's pool. Each worker process needs few; the control plane more. */
  poolSize?: number;
  /** application_name shown in pg_stat_activity, e.g. "wa-worker:acme". */
  applicationName?: string;
}

export type DbClient = PrismaClient;

/** How long a query or a transaction waits for a pool connection before failing. */
export const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * Creates a Prisma client over node-postgres. There is deliberately no global instance: each process
 * chooses its pool size and tests point their own client at their own database.
 */
export function createDbClient(databaseUrl: string, opts: DbClientOptions = {}): DbClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: opts.poolSize ?? 5,
    application_name: opts.applicationName ?? 'wa-fleet',
    // Fail fast rather than hang when the database is unreachable.
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
  });
  // Prisma gives up starting a transaction after 2 s by default, while a plain query waits up to the
  // pool's connection timeout for a free connection: under a burst of requests a send was refused (500)
  // where a read went through. Transactions now wait as long as any query does.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: CONNECTION_TIMEOUT_MS } });
}

/** True for a unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionAlreadyClosed',
]);
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

/** SQLSTATE 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutting down). */
const isUnavailableSqlState = (code: unknown) => typeof code === 'string' && /^(08|53|57P0[123])/.test(code);

/**
 * True when a query failed because the database could not serve it now (unreachable, shutting down,
 * every pooled connection busy past the wait, a transaction that could not start in time), as opposed
 * to a fault in the query or its data. Covers Prisma's errors and node-postgres's own (used directly for
 * a few hot reads). Such a failure is worth retrying, and an API answers it 503, not 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const x = e as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown; originalCode?: unknown } } };
    };
    if (x.name === 'PrismaClientInitializationError') return true;
    if (typeof x.code === 'string' && UNAVAILABLE_PRISMA_CODES.has(x.code)) return true;
    if (typeof x.code === 'string' && UNAVAILABLE_SOCKET_CODES.has(x.code)) return true;
    if (isUnavailableSqlState(x.code)) return true;
    const cause = x.meta?.driverAdapterError?.cause;
    if (cause) {
      if (typeof cause.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) return true;
      if (isUnavailableSqlState(cause.code) || isUnavailableSqlState(cause.originalCode)) return true;
    }
    if (
      typeof x.message === 'string' &&
      /timeout exceeded when trying to connect|Connection terminated|Can't reach database server/i.test(
        x.message,
      )
    ) {
      return true;
    }
    e = x.cause;
  }
  return false;
}
