// The control plane process: config, dependency checks, listen, graceful shutdown.
// Shutdown order (reverse of start): stop accepting requests, stop the stale checker and reconciler,
// let in-flight lifecycle actions finish, close Redis and Postgres, disconnect from PM2 (the daemon and
// every worker keep running: the next control plane reconciles with them), flush the log.
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadControlPlaneConfig, redactConfig, type ControlPlaneConfig } from '@wa-fleet/config';
import { createServiceLogger, flushLogger, type Logger } from '@wa-fleet/logger';
import { probePostgres, probeRedis } from '@wa-fleet/shared/health';
import { buildApp } from './app.ts';

const SHUTDOWN_GRACE_MS = 10_000;
const DEPENDENCY_TIMEOUT_MS = 5_000;

// The shared probes: a refused password is reported as such, not as "cannot reach".
async function checkPostgres(config: ControlPlaneConfig): Promise<string | undefined> {
  const { state, detail } = await probePostgres(config.DATABASE_URL, { timeoutMs: DEPENDENCY_TIMEOUT_MS });
  return state === 'ok' ? undefined : `PostgreSQL ${detail}`;
}

async function checkRedis(config: ControlPlaneConfig): Promise<string | undefined> {
  const { state, detail } = await probeRedis(config.REDIS_URL, { timeoutMs: DEPENDENCY_TIMEOUT_MS });
  return state === 'ok' ? undefined : `Redis ${detail}`;
}

async function main(): Promise<void> {
  let config: ControlPlaneConfig;
  try {
    config = loadControlPlaneConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger: Logger = await createServiceLogger({
    service: 'control-plane',
    logDir: config.LOG_DIR,
    fileName: 'control-plane.log',
    level: config.LOG_LEVEL,
    maxSizeBytes: config.LOG_MAX_SIZE_BYTES,
    maxFiles: config.LOG_MAX_FILES,
  });
  logger.info({ config: redactConfig(config) }, 'control plane starting');

  const problems = (await Promise.all([checkPostgres(config), checkRedis(config)])).filter(Boolean);
  if (problems.length > 0) {
    for (const problem of problems) logger.fatal(problem);
    await flushLogger(logger);
    console.error(`control plane cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }

  const app = await buildApp(config, { logger });
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: false }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'control plane closing after an error');
    else logger.info({ signal }, 'control plane closing; workers keep running');
    await app.close();
    await flushLogger(logger);
    // PM2's client leaves a timer behind after disconnect: exit explicitly.
    process.exit(err ? 1 : 0);
  });

  await app.listen({ host: config.CONTROL_PLANE_HOST, port: config.CONTROL_PLANE_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.CONTROL_PLANE_PORT;
  const url = `http://${config.CONTROL_PLANE_HOST}:${port}`;
  logger.info({ url, pm2Home: config.PM2_HOME }, `control plane ready at ${url}`);
}

main().catch((err: unknown) => {
  console.error('control plane failed to start', err);
  process.exit(1);
});
