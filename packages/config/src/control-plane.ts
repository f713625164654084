import path from 'node:path';
import { z } from 'zod';
import { commonSchema, dataDir, poolSize, repoRoot } from './common.ts';
import { quickStartEnvPath, readQuickStartEnv, resolveDataDir } from './quick-start.ts';
import { bool, ConfigError, parseEnv, port, positiveInt, secretKey } from './parse.ts';
import { workerSchema } from './worker.ts';

/** The worker's build: `node apps/worker/scripts/build.mjs` writes it (bootstrap does, when stale). */
export const WORKER_BUNDLE = path.join(repoRoot, 'apps/worker/dist/main.mjs');

/**
 * What an idle worker needs from V8 is little memory, not peak speed (it waits on Redis and PostgreSQL):
 * - `--liftoff-only`: Prisma's query compiler (WebAssembly) stays on V8's baseline compiler; TurboFan
 *   re-compiling it costs ~35 MB per process and a CPU burst at every start;
 * - `--no-opt`: no TurboFan for JavaScript either (Ignition and Sparkplug only): less code memory and
 *   less CPU while a hundred workers start at once; a worker's JavaScript is not its bottleneck;
 * - `--max-semi-space-size=1`: a 1 MB young generation (default up to 16 MB per semi-space) — minor GCs
 *   are more frequent and cheaper; ~13 MB less per worker;
 * - `--optimize-for-size`: V8's smaller-footprint heuristics (slower heap growth, smaller caches).
 * Measured in docs/BENCHMARKS.md (`pnpm bench worker-memory`).
 */
export const DEFAULT_WORKER_NODE_ARGS: readonly string[] = [
  '--liftoff-only',
  '--no-opt',
  '--max-semi-space-size=1',
  '--optimize-for-size',
];

export const controlPlaneSchema = z.object({
  ...commonSchema,
  CONTROL_PLANE_HOST: z.string().default('127.0.0.1'),
  CONTROL_PLANE_PORT: port(4000),
  DATABASE_POOL_SIZE: poolSize(10),
  ADMIN_API_KEY: secretKey,
  PORTAL_INTERNAL_KEY: secretKey,
  PM2_HOME: z.string().default(path.join(dataDir, 'pm2')),
  /**
   * Entry point PM2 runs for each tenant: the worker's build (apps/worker/dist/main.mjs, rebuilt by the
   * control plane when stale). A `.ts` file runs through tsx instead (test fixtures, debugging).
   */
  WORKER_SCRIPT: z.string().default(WORKER_BUNDLE),
  /** Node and V8 flags every worker runs with, space-separated (ARCHITECTURE.md, "How workers are launched"). */
  WORKER_NODE_ARGS: z
    .string()
    .default(DEFAULT_WORKER_NODE_ARGS.join(' '))
    .transform((value) => value.split(/\s+/).filter(Boolean)),
  HEARTBEAT_INTERVAL_MS: positiveInt(10_000),
  STALE_CHECK_INTERVAL_MS: positiveInt(15_000),
  STALE_AFTER_MS: positiveInt(45_000),
  RECONCILE_INTERVAL_MS: positiveInt(30_000),
  /** PM2 SIGKILLs a worker this long after SIGINT; above the worker's SHUTDOWN_GRACE_MS. */
  WORKER_KILL_TIMEOUT_MS: positiveInt(10_000),
  WORKER_SHUTDOWN_GRACE_MS: positiveInt(8_000),
  WORKER_MAX_MEMORY_MB: positiveInt(700),
  WORKER_RESTART_BACKOFF_MS: positiveInt(1_000),
  /** Failed sign-ins one client address may make per window before it gets 429. */
  LOGIN_RATE_LIMIT_MAX: positiveInt(10),
  LOGIN_RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  /** Failures on one account (from anywhere) before further tries from failing addresses are delayed. */
  LOGIN_ACCOUNT_FREE_FAILURES: positiveInt(5),
  /** First delay after the free failures; it doubles with every further failure, up to the maximum. */
  LOGIN_ACCOUNT_DELAY_BASE_MS: positiveInt(1_000),
  LOGIN_ACCOUNT_DELAY_MAX_MS: positiveInt(15 * 60_000),
  /** How long an account's failure count is remembered after its last failure. */
  LOGIN_ACCOUNT_WINDOW_MS: positiveInt(60 * 60_000),
  /** Password hashes (argon2, CPU and memory heavy) one control plane runs at once; more get 503. */
  LOGIN_MAX_CONCURRENT_HASHES: positiveInt(4),
  /** Requests one tenant API key may make on /v1 per window (counted in Redis, shared by every control plane). */
  API_KEY_RATE_LIMIT_MAX: positiveInt(120),
  API_KEY_RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  /** Lifetime of a portal session from sign-in. */
  SESSION_TTL_MS: positiveInt(12 * 60 * 60_000),
  /**
   * A resolved portal session is remembered in the control plane's memory this long (0: never). Changes
   * made through this control plane forget them at once; others (another instance, SQL) apply within it.
   */
  SESSION_CACHE_TTL_MS: z.coerce.number().int().min(0).max(1_000).default(1_000),
  /** Worker processes this control plane launches at once; further starts wait their turn (STARTING). */
  WORKER_START_CONCURRENCY: positiveInt(4),
  /** Message log rows older than this many days are deleted (hourly statistics are kept); 0 keeps all. */
  MESSAGE_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  RETENTION_INTERVAL_MS: positiveInt(3_600_000),
  /**
   * Webhooks. Deliveries to addresses that are loopback, private, link-local, unique-local, unspecified
   * (and the other reserved ranges) are refused, checked after DNS resolution on every attempt; true
   * allows them (a receiver on the same host or LAN).
   */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool(false),
  /** Attempts per delivery before it becomes a dead letter (the defaults span about a day). */
  WEBHOOK_MAX_ATTEMPTS: positiveInt(13),
  /** Delay before the second attempt; doubled per attempt, capped, with +-25 % jitter. */
  WEBHOOK_RETRY_BASE_MS: positiveInt(30_000),
  WEBHOOK_RETRY_MAX_DELAY_MS: positiveInt(6 * 3_600_000),
  /** One attempt (connect, send, read) may take this long. */
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /** The first bytes of each response kept with the attempt; the rest is read and dropped, up to a cap. */
  WEBHOOK_RESPONSE_EXCERPT_BYTES: positiveInt(1024),
  /** Deliveries in flight at once in one control plane (each endpoint has at most one in flight). */
  WEBHOOK_CONCURRENCY: positiveInt(16),
  /** The dispatcher's sweep for events and deliveries a notification or a crash left behind. */
  WEBHOOK_SWEEP_INTERVAL_MS: positiveInt(5_000),
  /** An endpoint is paused after this many dead letters in a row ... */
  WEBHOOK_PAUSE_AFTER_DEAD_LETTERS: positiveInt(5),
  /** ... or after failing without a single success for this long. */
  WEBHOOK_PAUSE_AFTER_FAILING_MS: positiveInt(72 * 3_600_000),
  /** Webhook events, deliveries and attempts older than this many days are deleted; 0 keeps all. */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  /** Rows one CSV export may hold; an export matching more answers 413 before sending anything. */
  MESSAGE_EXPORT_MAX_ROWS: positiveInt(100_000),
  /** A started worker must write its first heartbeat within this long, or the start counts as failed. */
  WORKER_LISTEN_TIMEOUT_MS: positiveInt(30_000),
  /** Followed log streams (SSE) one caller (user, or the admin key) may hold open at once. */
  LOG_STREAM_MAX_PER_CALLER: positiveInt(3),
  /** Followed log streams this control plane holds open at once, all callers together. */
  LOG_STREAM_MAX_TOTAL: positiveInt(20),
  /**
   * REGEX auto-reply rules one tenant may have. The worker runs every enabled rule's pattern on every
   * inbound message (linear-time, but still per rule): a create or an edit to REGEX past it gets 409.
   */
  AUTO_REPLY_REGEX_MAX_PER_TENANT: positiveInt(50),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>` (it names every tenant). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The workers' LocalAuth data (WWEBJS_SESSION_DIR of the workers): a deleted tenant's folder goes too. */
  WWEBJS_SESSION_DIR: z.string().default(path.join(dataDir, 'sessions')),
  /**
   * Message files the workers store (MEDIA_DIR of the workers, handed to them): served to the portal,
   * deleted with their rows by retention and with a deleted tenant.
   */
  MEDIA_DIR: z.string().default(path.join(dataDir, 'media')),
  /**
   * A file sent with a message (portal or POST /v1/messages) may have at most this many bytes; a larger
   * one is refused with 413 and nothing is stored. 16 MiB (WhatsApp's limit for images and audio).
   */
  SEND_MEDIA_MAX_BYTES: positiveInt(16 * 1024 * 1024),
  /**
   * All of a tenant's files together at most: the workers' own limit (the same variable, handed to
   * them); an upload that would pass it is refused with 413. 5 GiB.
   */
  MEDIA_MAX_TENANT_BYTES: positiveInt(5 * 1024 * 1024 * 1024),
  /**
   * Self-healing: a worker marked ERROR for a stale heartbeat is killed and started again, at once the
   * first time in an hour, then after this delay doubled per restart already done in the last hour.
   */
  WORKER_AUTO_RESTART_BACKOFF_MS: positiveInt(30_000),
  /** At most this many automatic restarts per worker in any hour; then it stays ERROR. 0 turns them off. */
  WORKER_AUTO_RESTART_MAX_PER_HOUR: z.coerce.number().int().min(0).default(5),
});

/**
 * Worker tuning the control plane hands through to every worker it starts (simulator pace, send limits,
 * Chromium), so the quick start and tests can tune workers without the control plane knowing each knob.
 * An allow-list of names the worker's own schema declares (plus the few the OS and Chromium need): a
 * variable the worker does not read, secret or not, never reaches a worker's environment.
 */
const WORKER_TUNING =
  /^(SIM_|SEND_|WWEBJS_|INBOUND_|MEDIA_|DB_RETRY_|CHROMIUM_PATH$|DELETED_MESSAGE_CONTENT$|LOG_MAX_SIZE_BYTES$|LOG_MAX_FILES$)/;
/**
 * The engines' own settings. Each engine declares its schema in its folder (apps/worker/src/engine/<name>/
 * config.ts), which this package cannot import; the worker's registry test fails when an engine declares
 * a setting missing here, so a new one cannot silently stop reaching the workers.
 */
export const ENGINE_SETTING_NAMES = [
  'SIM_LINK_DELAY_MS',
  'SIM_ACK_DELAY_MS',
  'SIM_PAIRING_CODE_TTL_MS',
  'WWEBJS_SESSION_DIR',
  'WWEBJS_INIT_TIMEOUT_MS',
  'WWEBJS_HEADLESS',
  'CHROMIUM_PATH',
] as const;
const WORKER_PASSTHROUGH_KEYS: readonly string[] = [
  ...Object.keys(workerSchema.shape).filter((key) => WORKER_TUNING.test(key)),
  ...ENGINE_SETTING_NAMES,
  'PATH',
  'HOME',
  'TZ',
  'LANG',
];

export type ControlPlaneConfig = z.infer<typeof controlPlaneSchema> & {
  /** The worker's SIM_*, SEND_*, WWEBJS_*, INBOUND_*, DB_RETRY_*, CHROMIUM_PATH and LOG_MAX_* (and PATH, HOME, TZ, LANG) from the control plane's environment. */
  WORKER_PASSTHROUGH_ENV: Record<string, string>;
};

export function loadControlPlaneConfig(
  env: Record<string, string | undefined> = process.env,
): ControlPlaneConfig {
  const config = parseEnv('control-plane', controlPlaneSchema, env);
  if (config.WORKER_SHUTDOWN_GRACE_MS >= config.WORKER_KILL_TIMEOUT_MS) {
    throw new ConfigError('control-plane', [
      'WORKER_SHUTDOWN_GRACE_MS must be below WORKER_KILL_TIMEOUT_MS, or PM2 kills workers mid-shutdown',
    ]);
  }
  const passthrough: Record<string, string> = {};
  for (const key of WORKER_PASSTHROUGH_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') passthrough[key] = value;
  }
  return { ...config, WORKER_PASSTHROUGH_ENV: passthrough };
}

/**
 * The on-call CLI (`pnpm fleet`): everything optional, because `fleet logs` and `fleet doctor` must work
 * on a half-configured host or while the control plane is down. Variables the environment leaves unset
 * come from the quick start's settings file (`<data dir>/quick-start.env`) when there is one.
 */
export const fleetCliSchema = z.object({
  LOG_DIR: commonSchema.LOG_DIR,
  CONTROL_PLANE_HOST: z.string().default('127.0.0.1'),
  CONTROL_PLANE_PORT: port(4000),
  CONTROL_PLANE_URL: z.string().url().optional(),
  ADMIN_API_KEY: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  PM2_HOME: z.string().optional(),
  WORKER_SCRIPT: z.string().default(WORKER_BUNDLE),
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  WA_ENGINE: commonSchema.WA_ENGINE,
  KEYS_FILE: z.string().optional(),
  /** The quick start's data folder; `seed-demo` only writes to the embedded PostgreSQL running from it. */
  WA_DATA_DIR: z.string().optional(),
  /** Password of every demo login written by `seed-demo`. */
  DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('demo-password'),
});

export type FleetCliConfig = Omit<
  z.infer<typeof fleetCliSchema>,
  'PM2_HOME' | 'KEYS_FILE' | 'WA_DATA_DIR'
> & {
  PM2_HOME: string;
  KEYS_FILE: string;
  WA_DATA_DIR: string;
  /** The quick start's settings file when it was read, else undefined. */
  quickStartFile: string | undefined;
  /** The environment the values came from (the process's, completed by the quick start's file). */
  effectiveEnv: Record<string, string>;
};

export function loadFleetCliConfig(env: Record<string, string | undefined> = process.env): FleetCliConfig {
  const file = quickStartEnvPath(env);
  const fromFile = readQuickStartEnv(file);
  const effectiveEnv: Record<string, string> = { ...fromFile };
  // Empty counts as unset (as everywhere): FOO= does not hide the file's value.
  for (const [key, value] of Object.entries(env)) if (value) effectiveEnv[key] = value;
  const config = parseEnv('fleet', fleetCliSchema, effectiveEnv);
  const dataDir = resolveDataDir(env);
  return {
    ...config,
    PM2_HOME: config.PM2_HOME ?? path.join(dataDir, 'pm2'),
    KEYS_FILE: config.KEYS_FILE ?? path.join(dataDir, 'keys.json'),
    WA_DATA_DIR: dataDir,
    quickStartFile: Object.keys(fromFile).length > 0 ? file : undefined,
    effectiveEnv,
  };
}
