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
