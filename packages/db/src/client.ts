import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';

export interface DbClientOptions {
  /** Connections in this process's pool. Each worker process needs few; the control plane more. */
  poolSize?: number;
  /** application_name shown in pg_stat_activity, e.g. "wa-worker:acme". */
  applicationName?: string;
}

export type DbClient = PrismaClient;

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
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}

/** True for a unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}
