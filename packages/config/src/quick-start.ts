// Configuration of the tools around the apps: the quick start (scripts/start.ts), the file through which
// it tells the on-call CLI what it runs, and the offline migrate CLI (`pnpm db`).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';
import { z } from 'zod';
import { commonSchema, dataDir as defaultDataDir } from './common.ts';
import { parseEnv, port } from './parse.ts';

type Env = Record<string, string | undefined>;

/** Where the quick start keeps its data: WA_DATA_DIR, else `<repo>/.data`. */
export function resolveDataDir(env: Env = process.env): string {
  return path.resolve(env.WA_DATA_DIR || defaultDataDir);
}

/**
 * The quick start's settings file, `<data dir>/quick-start.env` (mode 600): the database and Redis URLs,
 * keys, PM2 home and control plane URL of the system it runs. The on-call CLI (`pnpm fleet`) reads it
 * for every variable its own environment leaves unset, so `pnpm fleet doctor` on a quick-start host
 * checks what actually runs. Rewritten at every start; kept after a stop, so doctor then names what is
 * down instead of what is unset.
 */
export const QUICK_START_ENV_FILE = 'quick-start.env';

export function quickStartEnvPath(env: Env = process.env): string {
  return path.join(resolveDataDir(env), QUICK_START_ENV_FILE);
}

/** Writes the settings file atomically (values must not contain line breaks). */
export function writeQuickStartEnv(file: string, values: Record<string, string>): void {
  const lines = Object.entries(values).map(([key, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key) || /[\r\n]/.test(value)) throw new Error(`cannot write ${key}`);
    return `${key}=${value}`;
  });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `# Written by the quick start (npm start); read by pnpm fleet.\n${lines.join('\n')}\n`, {
    mode: 0o600,
  });
  renameSync(tmp, file);
}

/** The settings file's variables, or {} when there is none. */
export function readQuickStartEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseDotenv(readFileSync(file, 'utf8'))))
    if (value !== undefined) out[key] = value;
  return out;
}

/** The quick start: everything optional; a given DATABASE_URL / REDIS_URL is used when it answers. */
export const quickStartSchema = z.object({
  NODE_ENV: commonSchema.NODE_ENV,
  DATABASE_URL: commonSchema.DATABASE_URL.optional(),
  REDIS_URL: commonSchema.REDIS_URL.optional(),
  PM2_HOME: z.string().optional(),
  LOG_DIR: z.string().optional(),
  ADMIN_API_KEY: z.string().optional(),
  PORTAL_INTERNAL_KEY: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('demo-password'),
  /** First choices; a free port is taken when they are busy. */
  CONTROL_PLANE_PORT: port(4000),
  WEB_PORT: port(3000),
  /** The demo worker links this long after its QR; demo customers write this many messages a minute. */
  SIM_LINK_DELAY_MS: z.coerce.number().int().default(4_000),
  SIM_INBOUND_PER_MIN: z.coerce.number().min(0).default(4),
});

export type QuickStartConfig = z.infer<typeof quickStartSchema> & {
  /** Resolved WA_DATA_DIR. */
  dataDir: string;
  /** The environment the quick start was given, handed on to the processes it starts. */
  inheritedEnv: Record<string, string>;
};

export function loadQuickStartConfig(env: Env = process.env): QuickStartConfig {
  const config = parseEnv('quick start', quickStartSchema, env);
  const inheritedEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) inheritedEnv[key] = value;
  return { ...config, dataDir: resolveDataDir(env), inheritedEnv };
}

/** `pnpm db`: the URL is checked by the commands that need one, so `pnpm db help` works without it. */
export const migrateCliSchema = z.object({
  DATABASE_URL: z
    .string()
    .refine((v) => URL.canParse(v), 'is not a valid URL')
    .optional(),
  MIGRATIONS_DIR: z.string().optional(),
  SCHEMA_PATH: z.string().optional(),
});

export type MigrateCliConfig = z.infer<typeof migrateCliSchema>;

export function loadMigrateCliConfig(env: Env = process.env): MigrateCliConfig {
  return parseEnv('pnpm db', migrateCliSchema, env);
}
