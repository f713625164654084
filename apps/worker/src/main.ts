// The tenant worker process (one per tenant, run by the control plane's process driver, PM2 today). This file owns the process:
// config, connections, signals, readiness, exit codes. The work itself is TenantWorker.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { ConfigError, loadWorkerConfig, redactConfig, type WorkerConfig } from '@wa-fleet/config';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import { createTenantLogger, flushLogger, type TenantLogger } from '@wa-fleet/logger';
import { createEngine, type WaEngine } from './engine/index.ts';
import { TenantWorker } from './tenant-worker.ts';
import { WorkerStatusRepository } from './worker-status-repository.ts';

/** Bounds the cleanup after a fatal error, so a stuck database cannot keep a broken worker alive. */
const CRASH_CLEANUP_MS = 5_000;

function failStartup(message: string, log?: TenantLogger): Promise<never> {
  console.error(`wa-worker: ${message}`);
  const done = log ? (log.fatal(message), flushLogger(log)) : Promise.resolve();
  return done.then(() => process.exit(1));
}

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    if (err instanceof ConfigError) return failStartup(err.message);
    throw err;
  }

  const db: DbClient = createDbClient(config.DATABASE_URL, {
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `wa-worker:${config.TENANT_ID}`,
  });
  let tenant: { id: string; slug: string; engine: string | null } | null;
  try {
    tenant = await db.tenant.findUnique({
      where: { id: config.TENANT_ID },
      select: { id: true, slug: true, engine: true },
    });
  } catch (err) {
    return failStartup(`cannot read tenant ${config.TENANT_ID} from the database: ${(err as Error).message}`);
  }
  if (!tenant) return failStartup(`unknown tenant: no tenant with id ${config.TENANT_ID} (TENANT_ID)`);

  const log = await createTenantLogger(tenant.slug, {
    service: 'worker',
    logDir: config.LOG_DIR,
    level: config.LOG_LEVEL,
    maxSizeBytes: config.LOG_MAX_SIZE_BYTES,
    maxFiles: config.LOG_MAX_FILES,
  });
  // What this process runs: the built bundle (or a .ts entry under tsx) and the Node/V8 flags it got.
  const runtime = {
    node: process.version,
    entry: fileURLToPath(import.meta.url),
    execArgv: process.execArgv,
  };
  log.info({ config: redactConfig(config), runtime }, 'worker starting');

  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (err) => log.error({ err }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    await db.$disconnect().catch(() => undefined);
    return failStartup(`cannot connect to Redis: ${(err as Error).message}`, log);
  }

  // The tenant's engine, else the fleet's; a name the registry lacks (or bad engine settings) is this
  // worker's lastError, never a silent fallback to another engine.
  let engine: WaEngine;
  try {
    engine = createEngine({
      engineName: tenant.engine ?? config.WA_ENGINE,
      tenantId: tenant.id,
      redis,
      redisPrefix: config.REDIS_PREFIX,
      logger: log,
    });
  } catch (err) {
    const message = (err as Error).message;
    const status = new WorkerStatusRepository(db, tenant);
    await status
      .ensureRows()
      .then(() => status.markStarting(process.pid))
      .then(() => status.markError(message))
      .catch((e: unknown) => log.error({ err: e }, 'could not record ERROR'));
    await redis.quit().catch(() => redis.disconnect());
    await db.$disconnect().catch(() => undefined);
    return failStartup(message, log);
  }

  const worker = new TenantWorker({
    config,
    tenant: { id: tenant.id, slug: tenant.slug },
    db,
    redis,
    log,
    engine,
  });

  let isExiting = false;

  const closeConnections = async () => {
    await redis.quit().catch(() => redis.disconnect());
    await db.$disconnect().catch(() => undefined);
  };

  const crash = async (err: Error, origin: string) => {
    if (isExiting) return;
    isExiting = true;
    log.fatal({ err, origin }, 'worker crashed');
    const forceExit = setTimeout(() => process.exit(1), CRASH_CLEANUP_MS);
    await worker.crash(err);
    await closeConnections();
    await flushLogger(log);
    clearTimeout(forceExit);
    process.exit(1);
  };

  const shutdown = async (signal: NodeJS.Signals) => {
    if (isExiting) return;
    isExiting = true;
    log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'worker stopping');
    // PM2 SIGKILLs after kill_timeout (set above this grace): better our own exit, with a log line.
    const grace = setTimeout(() => {
      log.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown did not finish within the grace period');
      void flushLogger(log).finally(() => process.exit(1));
    }, config.SHUTDOWN_GRACE_MS);
    try {
      await worker.stop();
      await closeConnections();
      log.info('worker stopped');
      await flushLogger(log);
      clearTimeout(grace);
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      await flushLogger(log);
      process.exit(1);
    }
  };

  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
  // Started with an IPC channel (PM2 does that), the channel closes when the supervisor dies (the PM2
  // daemon killed). Nothing can stop or restart this process any more and its output pipes are gone:
  // end at once as ERROR with that reason (what is held is spooled), rather than as whatever breaks first.
  if (process.connected) {
    process.once('disconnect', () => {
      void crash(new Error('the process supervisor (PM2 daemon) that ran this worker is gone'), 'supervisor');
    });
  }
  process.on('uncaughtException', (err) => void crash(err, 'uncaughtException'));
  process.on('unhandledRejection', (reason) => {
    void crash(reason instanceof Error ? reason : new Error(String(reason)), 'unhandledRejection');
  });

  try {
    await worker.start({
      // No readiness signal to the process driver: the control plane learns we are up from the first
      // heartbeat in PostgreSQL, whatever runs this process.
      onFatal: (err) => void crash(err, 'engine'),
    });
  } catch (err) {
    await crash(err instanceof Error ? err : new Error(String(err)), 'startup');
  }
}

await main();
