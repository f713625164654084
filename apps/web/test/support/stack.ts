import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import { createMigratedTestDatabase } from '@wa-fleet/db/testing';
import { freePort, waitFor } from '@wa-fleet/devstack';
import { TEST_ADMIN_KEY, TEST_PORTAL_KEY } from './keys.ts';
import { CONTROL_PLANE_SERVER, REPO_ROOT, WORKER_MAIN } from './paths.ts';
import { startPortal } from './portal.ts';
import { isAlive, startProcess, waitForHttp } from './processes.ts';

export interface E2eStack {
  db: DbClient;
  portalUrl: string;
  controlPlaneUrl: string;
  logDir: string;
  /** Environment the control plane runs with (the seed CLI gets the same). */
  controlPlaneEnv: Record<string, string>;
  /** Calls the admin API with the machine key (test set-up and simulator commands, never the UI's path). */
  admin(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

function requireEnv(name: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (an admin Postgres URL / a Redis URL)`);
  return value;
}

/**
 * Everything the portal needs, for real: database, Redis, control plane, PM2 (temp home), portal.
 * `controlPlaneEnv` adds to (or replaces) the control plane's settings, e.g. a small export cap.
 */
export async function startStack(opts: { controlPlaneEnv?: Record<string, string> } = {}): Promise<E2eStack> {
  requireEnv('TEST_DATABASE_URL');
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const cleanups: (() => Promise<void>)[] = [];
  const runCleanups = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err: unknown) => console.error('[web e2e] cleanup failed', err));
    cleanups.length = 0;
  };
  try {
    const database = await createMigratedTestDatabase();
    cleanups.push(() => database.drop());
    const tmp = mkdtempSync(path.join(tmpdir(), 'wa-web-e2e-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const logDir = path.join(tmp, 'logs');
    const pm2Home = path.join(tmp, 'pm2');
    mkdirSync(logDir, { recursive: true });
    const db = createDbClient(database.url, { poolSize: 2, applicationName: 'web-e2e' });
    cleanups.push(() => db.$disconnect());

    const cpPort = await freePort();
    const controlPlaneUrl = `http://127.0.0.1:${cpPort}`;
    const controlPlaneEnv: Record<string, string> = {
      NODE_ENV: 'test',
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmp,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`,
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      PORTAL_INTERNAL_KEY: TEST_PORTAL_KEY,
      LOG_DIR: logDir,
      LOG_LEVEL: 'info',
      PM2_HOME: pm2Home,
      // Handed to the workers too (MEDIA_*): message files stay in this run's temp folder.
      MEDIA_DIR: path.join(tmp, 'media'),
      CONTROL_PLANE_HOST: '127.0.0.1',
      CONTROL_PLANE_PORT: String(cpPort),
      WA_ENGINE: 'simulator',
      WORKER_SCRIPT: WORKER_MAIN,
      HEARTBEAT_INTERVAL_MS: '1000',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      WORKER_KILL_TIMEOUT_MS: '4000',
      // Workers link only when a test says so (POST /admin/tenants/:t/simulate {type: link}).
      SIM_LINK_DELAY_MS: '-1',
      SIM_INBOUND_PER_MIN: '0',
      SIM_ACK_DELAY_MS: '100',
      // Webhook receivers of the tests listen on 127.0.0.1; retries come quickly.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_RETRY_MAX_DELAY_MS: '1000',
      WEBHOOK_SWEEP_INTERVAL_MS: '1000',
      ...opts.controlPlaneEnv,
    };
    const controlPlane = startProcess(process.execPath, ['--import', 'tsx', CONTROL_PLANE_SERVER], {
      cwd: REPO_ROOT,
      env: controlPlaneEnv,
    });
    // Reverse order: the control plane stops first, then its PM2 daemon (taking the workers with it).
    cleanups.push(() => stopPm2Daemon(pm2Home));
    cleanups.push(() => controlPlane.stop());
    await waitForHttp('control plane', `${controlPlaneUrl}/health`, controlPlane);

    const portal = await startPortal(controlPlaneUrl);
    cleanups.push(() => portal.process.stop());
    const portalUrl = portal.url;

    const admin = async (method: string, pathname: string, body?: unknown) => {
      const res = await fetch(`${controlPlaneUrl}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    };
    return { db, portalUrl, controlPlaneUrl, logDir, controlPlaneEnv, admin, stop: runCleanups };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

/**
 * The PM2 daemon deletes every app it runs (the workers) and exits on SIGTERM; this is its own graceful
 * path, the same one `pm2 kill` takes. Its pid file is in the temp PM2_HOME this stack created.
 */
async function stopPm2Daemon(pm2Home: string): Promise<void> {
  const pidFile = path.join(pm2Home, 'pm2.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(`PM2 daemon ${pid} to exit`, () => !isAlive(pid), { timeoutMs: 20_000, intervalMs: 100 });
}
