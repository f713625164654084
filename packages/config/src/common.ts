import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS, WA_ENGINES, findRepoRoot } from '@wa-fleet/shared';
import { postgresUrl, positiveInt, redisUrl } from './parse.ts';

const repoRoot = findRepoRoot();

/** Variables every long-running process shares. */
export const commonSchema = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_DIR: z.string().default(path.join(repoRoot, 'logs')),
  /** A log file is rotated to `<name>.1` before it passes this size (0 = never rotate). 50 MiB. */
  LOG_MAX_SIZE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(50 * 1024 * 1024),
  /** Rotated files kept per log (`<name>.1` newest … `<name>.<n>` oldest). */
  LOG_MAX_FILES: z.coerce.number().int().min(0).max(100).default(5),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  /** Prefix of every Redis key and queue, so several fleets or test runs can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, - and _ only')
    .default('wa'),
  WA_ENGINE: z.enum(WA_ENGINES).default('simulator'),
};

export const dataDir = path.join(repoRoot, '.data');
export { repoRoot };
export const poolSize = positiveInt;
