// A throwaway wa-fleet of real processes for one drill: embedded PostgreSQL (which a drill may stop and
// start), redis-server, the control plane (a child process), its PM2 daemon and the simulator workers it
// starts. Everything lives under one temp dir, removed afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import { deployMigrations } from '@wa-fleet/db/migrate';
import {
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
  startRedis,
  waitFor,
  type RunningPostgres,
  type RunningRedis,
} from '@wa-fleet/devstack';

const root = path.resolve(import.meta.dirname, '../..');
export const DRILL_PASSWORD = 'drill-password';

export interface Stack {
  tmp: string;
  /** The drill's own database (reads only: counting what survived). */
  db: DbClient;
  redis: Redis;
  redisPrefix: string;
  /** INBOUND_SPOOL_DIR of the workers. */
  spoolDir: string;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** redis-server killed with SIGKILL (nothing saved) and, after `downMs`, a new empty one on the same port. */
  killAndRestartRedis(downMs: number): Promise<void>;
  /** The control plane process killed with SIGKILL (its PM2 daemon and workers left alone); its pid. */
  killControlPlane(): Promise<number>;
  /** The control plane started again with the same environment, and ready. */
  startControlPlane(): Promise<void>;
  /** The control plane's address (http://127.0.0.1:port), its pid and the keys it was started with. */
  baseUrl: string;
  controlPlanePid: number;
  adminKey: string;
  portalKey: string;
  /** Signs `email` in through the portal API (password `drill-password`); returns the session token. */
  signIn(email: string): Promise<string>;
  /** Admin API call (Bearer key). */
  admin(method: string, route: string, body?: unknown): Promise<Response>;
  /** Portal API call as `email` on a real session (what the portal's server side sends). */
  portal(method: string, route: string, email: string, tenant: string, body?: unknown): Promise<Response>;
  /** Whether the control plane process the stack started (controlPlanePid) is still running. */
  isControlPlaneAlive(): boolean;
  /** A tenant on the simulator with an OPERATOR user (password `drill-password`); no worker started. */
  createTenant(): Promise<{ slug: string; operator: string }>;
  /** A tenant on the simulator with an OPERATOR user, its worker started and its session CONNECTED. */
  createRunningTenant(): Promise<{ id: string; slug: string; operator: string }>;
  close(): Promise<void>;
}

/** Quick fleet timings for drills: heartbeats every second, stale after 5 s. */
const BASE_ENV: Record<string, string> = {
  HEARTBEAT_INTERVAL_MS: '1000',
  STALE_AFTER_MS: '5000',
  STALE_CHECK_INTERVAL_MS: '1000',
  RECONCILE_INTERVAL_MS: '2000',
  WORKER_RESTART_BACKOFF_MS: '500',
  SIM_LINK_DELAY_MS: '0',
  SIM_ACK_DELAY_MS: '200',
  SIM_INBOUND_PER_MIN: '0',
  DB_RETRY_BASE_MS: '200',
  DB_RETRY_MAX_MS: '2000',
  SEND_SWEEP_INTERVAL_MS: '5000',
};

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-drill-'));
  const cleanups: (() => Promise<void>)[] = [
    () => Promise.resolve(rmSync(tmp, { recursive: true, force: true })),
  ];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => console.error('drill cleanup failed:', err));
    }
  };
  try {
    const pgDir = path.join(tmp, 'pg');
    let pg: RunningPostgres | undefined = await startEmbeddedPostgres({ dataDir: pgDir });
    const pgPort = pg.port;
    cleanups.push(async () => pg?.stop());
    await ensureDatabase(pg.adminUrl, 'wa');
    const databaseUrl = pg.urlFor('wa');
    await deployMigrations(databaseUrl);
    const redisDir = path.join(tmp, 'redis');
    let redisServer: RunningRedis = await startRedis({ dir: redisDir });
    cleanups.push(() => redisServer.stop());

    const db = createDbClient(databaseUrl, { poolSize: 2, applicationName: 'wa-drill' });
    cleanups.push(() => db.$disconnect());
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    cleanups.push(async () => void (await redis.quit()));

    const adminKey = randomBytes(32).toString('base64url');
    const portalKey = randomBytes(32).toString('base64url');
    const redisPrefix = `drill${randomUUID().slice(0, 6)}`;
    const spoolDir = path.join(tmp, 'spool');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisServer.url,
      REDIS_PREFIX: redisPrefix,
      ADMIN_API_KEY: adminKey,
      PORTAL_INTERNAL_KEY: portalKey,
      PM2_HOME: path.join(tmp, 'pm2'),
      LOG_DIR: path.join(tmp, 'logs'),
      INBOUND_SPOOL_DIR: spoolDir,
      CONTROL_PLANE_PORT: String(port),
      ...BASE_ENV,
      ...extraEnv,
    };
    let controlPlane = startControlPlane(env);
    cleanups.push(async () => {
      // Workers first (PM2's daemon lives in our temp dir), then the control plane.
      await run('pnpm', ['--filter', '@wa-fleet/control-plane', 'exec', 'pm2', 'kill'], env);
      await controlPlane.stop();
    });
    const base = `http://127.0.0.1:${port}`;
    const controlPlaneReady = () =>
      waitFor(
        'the control plane to be ready',
        async () => (await fetch(`${base}/ready`).catch(() => undefined))?.ok,
        {
          timeoutMs: 90_000,
          intervalMs: 250,
        },
      );
    await controlPlaneReady();

    const request = (method: string, route: string, headers: Record<string, string>, body?: unknown) =>
      fetch(`${base}${route}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    // One sign-in per user, shared by concurrent first calls (a burst must not trip the sign-in limiter).
    const sessions = new Map<string, Promise<string>>();
    const stack: Stack = {
      tmp,
      db,
      redis,
      redisPrefix,
      spoolDir,
      async stopPostgres() {
        const server = pg;
        pg = undefined;
        await server?.stop();
      },
      async startPostgres() {
        if (!pg) pg = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort });
      },
      async killAndRestartRedis(downMs) {
        // The server's own pid, as any Redis client can read it.
        const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
        if (!pid) throw new Error('redis-server did not report its pid');
        // The drill's own client reconnects by itself; its connection errors meanwhile are expected.
        redis.on('error', () => {});
        process.kill(pid, 'SIGKILL');
        await redisServer.stop(); // returns once the killed process has exited
        await new Promise((resolve) => setTimeout(resolve, downMs));
        redisServer = await startRedis({ dir: redisDir, port: redisServer.port });
      },
      async killControlPlane() {
        const pid = controlPlane.child.pid;
        if (!pid) throw new Error('the control plane has no pid');
        const exited = new Promise((resolve) => controlPlane.child.once('exit', resolve));
        controlPlane.child.kill('SIGKILL');
        await exited;
        return pid;
      },
      async startControlPlane() {
        controlPlane = startControlPlane(env);
        await controlPlaneReady();
      },
      baseUrl: base,
      get controlPlanePid() {
        return controlPlane.child.pid ?? 0;
      },
      adminKey,
      portalKey,
      async signIn(email) {
        const res = await request(
          'POST',
          '/portal/auth/login',
          { 'x-portal-key': portalKey },
          { email, password: DRILL_PASSWORD },
        );
        if (res.status !== 200)
          throw new Error(`sign-in of ${email}: HTTP ${res.status} ${await res.text()}`);
        return ((await res.json()) as { session: { token: string } }).session.token;
      },
      admin: (method, route, body) => request(method, route, { authorization: `Bearer ${adminKey}` }, body),
      async portal(method, route, email, tenant, body) {
        let signingIn = sessions.get(email);
        if (!signingIn) {
          signingIn = stack.signIn(email);
          sessions.set(email, signingIn);
          signingIn.catch(() => sessions.delete(email));
        }
        const token = await signingIn;
        return request(
          method,
          route,
          { 'x-portal-key': portalKey, 'x-session-token': token, 'x-tenant': tenant },
          body,
        );
      },
      isControlPlaneAlive: () =>
        controlPlane.child.exitCode === null && controlPlane.child.signalCode === null,
      async createTenant() {
        const slug = `drill-${randomUUID().slice(0, 6)}`;
        await expectStatus(
          stack.admin('POST', '/admin/tenants', { slug, name: slug, engine: 'simulator' }),
          201,
        );
        const operator = `operator@${slug}.local`;
        await expectStatus(
          stack.admin('POST', '/admin/users', {
            email: operator,
            name: 'Drill operator',
            password: DRILL_PASSWORD,
            memberships: [{ tenant: slug, role: 'OPERATOR' }],
          }),
          201,
        );
        return { slug, operator };
      },
      async createRunningTenant() {
        const { slug, operator } = await stack.createTenant();
        await expectStatus(stack.admin('POST', `/admin/tenants/${slug}/worker/start`), 202);
        const tenant = await db.tenant.findUniqueOrThrow({ where: { slug } });
        await waitFor(
          'the worker RUNNING and its session CONNECTED',
          async () => {
            const [worker, session] = await Promise.all([
              db.workerProcess.findUnique({ where: { tenantId: tenant.id } }),
              db.whatsAppSession.findUnique({ where: { tenantId: tenant.id } }),
            ]);
            return worker?.status === 'RUNNING' && session?.state === 'CONNECTED' ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250 },
        );
        return { id: tenant.id, slug, operator };
      },
      close,
    };
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}

async function expectStatus(response: Promise<Response>, status: number): Promise<void> {
  const res = await response;
  if (res.status !== status)
    throw new Error(`${res.url}: HTTP ${res.status} (wanted ${status}): ${await res.text()}`);
}

function startControlPlane(env: NodeJS.ProcessEnv): { child: ChildProcess; stop(): Promise<void> } {
  const child = spawn('node', ['--import', 'tsx', 'apps/control-plane/src/server.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGINT' && signal !== 'SIGKILL')
      console.error(`control plane exited (${signal ?? code}): ${stderr}`);
  });
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'ignore' });
    child.once('exit', () => resolve());
  });
}
