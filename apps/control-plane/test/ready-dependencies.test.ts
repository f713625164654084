// GET /ready while PostgreSQL or Redis is really down. The shared test servers cannot be stopped under
// the other suites, so this file starts its own embedded PostgreSQL and redis-server (@wa-fleet/devstack),
// stops each for real (the server process ends, its port refuses connections) and starts it again on the
// same port and data dir, as an operator's restart would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadControlPlaneConfig } from '@wa-fleet/config';
import { deployMigrations } from '@wa-fleet/db/migrate';
import {
  ensureDatabase,
  isPortOpen,
  startEmbeddedPostgres,
  startRedis,
  waitFor,
  type RunningPostgres,
  type RunningRedis,
} from '@wa-fleet/devstack';
import { buildApp } from '../src/app.ts';
import { Pm2Driver } from '../src/services/pm2-driver.ts';
import { ADMIN_KEY, PORTAL_KEY, adminHeaders } from './helpers.ts';

const tenantList = () => app.inject({ method: 'GET', url: '/admin/tenants', headers: adminHeaders });

const DATABASE = 'wa_ready';

let tmp: string;
let pgDir: string;
let pgPort: number;
let pg: RunningPostgres | undefined;
let redis: RunningRedis | undefined;
let redisPort: number;
let app: FastifyInstance;

async function ready(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url: '/ready' });
  return { status: res.statusCode, body: res.json() };
}

/** Polls /ready until it answers `status` (connections come back on their own, not at once). */
async function readyBecomes(status: number) {
  return waitFor(
    `/ready answering ${status}`,
    async () => {
      const r = await ready();
      return r.status === status ? r : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'wacp-ready-'));
  pgDir = path.join(tmp, 'pg');
  pg = await startEmbeddedPostgres({ dataDir: pgDir, isThrowaway: true });
  pgPort = pg.port;
  await ensureDatabase(pg.adminUrl, DATABASE);
  await deployMigrations(pg.urlFor(DATABASE));
  redis = await startRedis({ dir: path.join(tmp, 'redis') });
  redisPort = redis.port;
  const config = loadControlPlaneConfig({
    NODE_ENV: 'test',
    DATABASE_URL: pg.urlFor(DATABASE),
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'ready',
    ADMIN_API_KEY: ADMIN_KEY,
    PORTAL_INTERNAL_KEY: PORTAL_KEY,
    LOG_DIR: path.join(tmp, 'logs'),
    LOG_LEVEL: 'fatal',
    PM2_HOME: path.join(tmp, 'pm2'),
    CONTROL_PLANE_PORT: '0',
    WA_ENGINE: 'simulator',
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
  });
  // The app opens its own database client on the dedicated server; no PM2 daemon is ever spawned.
  const driver = new Pm2Driver({ home: path.join(tmp, 'pm2'), daemonEnv: { PATH: process.env.PATH } });
  app = await buildApp(config, { driver, runBackgroundJobs: false });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await redis?.stop();
  await pg?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('GET /ready with a dependency down', () => {
  it('answers 503 naming the database while PostgreSQL is stopped, and 200 again once it is back', async () => {
    // Positive control: both up.
    const before = await ready();
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', workers: 'ok' } });
    expect((await tenantList()).statusCode).toBe(200);

    await pg!.stop();
    pg = undefined;
    expect(await isPortOpen(pgPort)).toBe(false);

    const down = await readyBecomes(503);
    expect(down.body).toMatchObject({
      error: { code: 'DEPENDENCY_DOWN', message: 'not ready: database unreachable' },
      checks: { database: 'unreachable', redis: 'ok', workers: 'ok' },
    });
    // A route that needs the database answers 503 with Retry-After, not an opaque 500.
    const list = await tenantList();
    expect(list.statusCode).toBe(503);
    expect(list.headers['retry-after']).toBe('2');
    expect(list.json()).toEqual({
      error: {
        code: 'DEPENDENCY_DOWN',
        message:
          'the database is unavailable or busy; retry shortly (with the same idempotencyKey for a send)',
      },
    });

    pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, isThrowaway: true });
    const after = await readyBecomes(200);
    expect(after.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', workers: 'ok' } });
    expect((await tenantList()).statusCode).toBe(200);
  }, 120_000);

  it('answers 503 naming Redis while redis-server is stopped, and 200 again once it is back', async () => {
    // Positive control: both up (PostgreSQL is back from the previous case).
    expect((await readyBecomes(200)).status).toBe(200);

    await redis!.stop();
    redis = undefined;
    expect(await isPortOpen(redisPort)).toBe(false);

    const down = await readyBecomes(503);
    expect(down.body).toMatchObject({
      error: { code: 'DEPENDENCY_DOWN', message: 'not ready: redis unreachable' },
      checks: { database: 'ok', redis: 'unreachable', workers: 'ok' },
    });

    redis = await startRedis({ dir: path.join(tmp, 'redis'), port: redisPort });
    const after = await readyBecomes(200);
    expect(after.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'ok', workers: 'ok' } });
  }, 120_000);
});
