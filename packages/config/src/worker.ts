import path from 'node:path';
import { z } from 'zod';
import { UUID_PATTERN } from '@wa-fleet/shared';
import { commonSchema, dataDir, poolSize } from './common.ts';
import { intMs, parseEnv, positiveInt } from './parse.ts';

export const workerSchema = z.object({
  ...commonSchema,
  TENANT_ID: z.string().regex(UUID_PATTERN, 'must be a tenant id (uuid)'),
  DATABASE_POOL_SIZE: poolSize(3),
  HEARTBEAT_INTERVAL_MS: positiveInt(10_000),
  /** Must stay below the kill_timeout PM2 is given (WORKER_KILL_TIMEOUT_MS of the control plane). */
  SHUTDOWN_GRACE_MS: positiveInt(8_000),
  SEND_RATE_PER_MIN: positiveInt(60),
  SEND_MAX_ATTEMPTS: positiveInt(5),
  SEND_BACKOFF_MS: positiveInt(1_000),
  /** How often QUEUED rows are re-enqueued (their job lost, failed or never added). */
  SEND_SWEEP_INTERVAL_MS: positiveInt(30_000),
  /** A database write that failed is retried after this, doubling up to DB_RETRY_MAX_MS, forever. */
  DB_RETRY_BASE_MS: positiveInt(250),
  DB_RETRY_MAX_MS: positiveInt(5_000),
  /** Inbound events (messages, acks) held in memory while the database cannot take them. */
  INBOUND_BUFFER_MAX: intMs(1_000),
  /** While the database fails, an event waiting in memory longer than this is moved to the spool. */
  INBOUND_SPOOL_AFTER_MS: intMs(1_000),
  /** Durable per-tenant spool of inbound events the database could not take (mode 700). */
  INBOUND_SPOOL_DIR: z.string().default(path.join(dataDir, 'spool')),
  /** Message files (photos, voice notes, documents), per tenant, content-addressed (folders 0700). */
  MEDIA_DIR: z.string().default(path.join(dataDir, 'media')),
  /** A file larger than this is not stored (the message keeps its metadata, media FAILED). 32 MiB. */
  MEDIA_MAX_FILE_BYTES: positiveInt(32 * 1024 * 1024),
  /** All of a tenant's files together at most (further files are FAILED with the reason). 5 GiB. */
  MEDIA_MAX_TENANT_BYTES: positiveInt(5 * 1024 * 1024 * 1024),
  /** A failed download is retried after this, doubling up to MEDIA_RETRY_MAX_MS. */
  MEDIA_RETRY_BASE_MS: positiveInt(1_000),
  MEDIA_RETRY_MAX_MS: positiveInt(60_000),
  /** Downloads tried per file before it is marked FAILED. */
  MEDIA_MAX_ATTEMPTS: positiveInt(8),
  /**
   * A message its sender deleted for everyone is marked deleted either way; `keep` keeps its text (and
   * the texts before its edits) for the tenant to read, `remove` empties them.
   */
  DELETED_MESSAGE_CONTENT: z.enum(['keep', 'remove']).default('keep'),
  /**
   * The fleet's engine when the tenant row names none. Any text here: the worker checks it against the
   * engine registry after reading its tenant, so a wrong name ends as the worker's readable lastError.
   * Each engine's own settings (SIM_*, WWEBJS_*, CHROMIUM_PATH) are its registry entry's configSchema,
   * read with loadEngineConfig.
   */
  WA_ENGINE: z.string().default('simulator'),
});

export type WorkerConfig = z.infer<typeof workerSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  return parseEnv('worker', workerSchema, env);
}

/**
 * An engine's own settings: `schema` comes from the engine (apps/worker/src/engine/<name>/), the
 * environment from here, so engines never read process.env themselves.
 */
export function loadEngineConfig<S extends z.ZodType>(
  engine: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  return parseEnv(`${engine} engine`, schema, env);
}
