import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadControlPlaneConfig, type ControlPlaneConfig } from '@wa-fleet/config';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import type { WaEngineName } from '@wa-fleet/shared';
import { createMigratedTestDatabase } from '@wa-fleet/db/testing';
import { waitFor } from '@wa-fleet/devstack';
import { createServiceLogger } from '@wa-fleet/logger';
import { workerAppName } from '@wa-fleet/shared';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../src/app.ts';
import { hashPassword } from '../src/services/passwords.ts';
import { createSession } from '../src/services/sessions.ts';
import { Pm2Driver } from '../src/services/pm2-driver.ts';

export const ADMIN_KEY = `admin-${randomBytes(24).toString('hex')}`;
export const PORTAL_KEY = `portal-${randomBytes(24).toString('hex')}`;
export const PASSWORD = 'correct horse battery';

export function requireEnv(name: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (see vitest.config.ts)`);
  return value;
}

export interface TestStack {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  tmpDir: string;
  logDir: string;
  pm2Home: string;
  db: DbClient;
  /** PM2 driver on this stack's temporary PM2_HOME; its daemon (if any was spawned) dies in cleanup(). */
  driver: Pm2Driver;
  config(overrides?: Record<string, string>): ControlPlaneConfig;
  env(overrides?: Record<string, string>): Record<string, string>;
  cleanup(): Promise<void>;
}

/** A fresh migrated database, a unique Redis prefix, and temp dirs for logs and PM2 for one test file. */
export async function createTestStack(): Promise<TestStack> {
  const database = await createMigratedTestDatabase();
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'wacp-'));
  const logDir = path.join(tmpDir, 'logs');
  const pm2Home = path.join(tmpDir, 'pm2');
  const redisPrefix = `t${randomUUID().slice(0, 8)}`;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const db = createDbClient(database.url, { poolSize: 4, applicationName: 'control-plane-test' });
  const driver = new Pm2Driver({
    home: pm2Home,
    daemonEnv: { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpDir },
  });
  const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    ADMIN_API_KEY: ADMIN_KEY,
    PORTAL_INTERNAL_KEY: PORTAL_KEY,
    LOG_DIR: logDir,
    LOG_LEVEL: 'info',
    PM2_HOME: pm2Home,
    MEDIA_DIR: path.join(tmpDir, 'media'),
    CONTROL_PLANE_PORT: '0',
    WA_ENGINE: 'simulator',
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpDir,
    ...overrides,
  });
  return {
    databaseUrl: database.url,
    redisUrl,
    redisPrefix,
    tmpDir,
    logDir,
    pm2Home,
    db,
    driver,
    env,
    config: (overrides) => loadControlPlaneConfig(env(overrides)),
    async cleanup() {
      await driver.killDaemon();
      await db.$disconnect();
      await database.drop();
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

export async function buildTestApp(
  stack: TestStack,
  deps: AppDeps = {},
  overrides?: Record<string, string>,
): Promise<FastifyInstance> {
  const app = await buildApp(stack.config(overrides), {
    db: stack.db,
    driver: stack.driver,
    runBackgroundJobs: false,
    ...deps,
  });
  await app.ready();
  return app;
}

export async function createTenant(db: DbClient, slug: string, engine: WaEngineName | null = 'simulator') {
  return db.tenant.create({
    data: {
      slug,
      name: `Tenant ${slug}`,
      engine,
      worker: { create: { pm2Name: workerAppName(slug) } },
      session: { create: {} },
    },
  });
}

let cachedHash: Promise<string> | undefined;
export async function createUser(
  db: DbClient,
  email: string,
  memberships: { tenantId: string | null; role: 'SUPER_ADMIN' | 'TENANT_ADMIN' | 'OPERATOR' | 'VIEWER' }[],
) {
  cachedHash ??= hashPassword(PASSWORD);
  const user = await db.user.create({
    data: {
      email,
      name: email.split('@')[0] ?? email,
      passwordHash: await cachedHash,
      memberships: { create: memberships },
    },
  });
  await openSession(db, email);
  return user;
}

/** Session tokens by email, so portalHeaders(email) can act as a signed-in user of that email. */
const sessionTokens = new Map<string, string>();

/** Opens a portal session for an existing user (as sign-in would) and remembers its token. */
export async function openSession(db: DbClient, email: string): Promise<string> {
  const user = await db.user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  const { token } = await createSession(db, { userId: user.id, ttlMs: 60 * 60_000 });
  sessionTokens.set(email, token);
  return token;
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
/** The headers the portal sends for a signed-in user: its key and the user's session token. */
export function portalHeaders(email: string, tenant?: string): Record<string, string> {
  const token = sessionTokens.get(email);
  if (!token) throw new Error(`no session for ${email}: create the user with createUser or call openSession`);
  return { 'x-portal-key': PORTAL_KEY, 'x-session-token': token, ...(tenant ? { 'x-tenant': tenant } : {}) };
}

/** Creates a tenant API key the way the portal does (as a TENANT_ADMIN of the tenant); returns the key. */
export async function createApiKey(
  app: FastifyInstance,
  adminEmail: string,
  body: { name: string; scopes: string[]; expiresAt?: string },
): Promise<{ id: string; keyId: string; secret: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/portal/tenant/current/api-keys',
    headers: portalHeaders(adminEmail),
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`create API key: ${res.statusCode} ${res.body}`);
  const { key, secret } = res.json<{ key: { id: string; keyId: string }; secret: string }>();
  return { id: key.id, keyId: key.keyId, secret };
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

export interface RunningControlPlane {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output: () => string;
}

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `src/server.ts` as its own process with `env`, as PM2 or an operator would, and waits for its
 * ready line. The child joins `started` at once, so the caller's cleanup stops it (by its pid) even
 * when it never gets ready.
 */
export async function spawnControlPlane(
  env: Record<string, string>,
  readyTimeoutMs: number,
  started: ChildProcess[],
): Promise<RunningControlPlane> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: APP_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    'control plane ready line',
    () => {
      if (child.exitCode !== null) throw new Error(`control plane exited: ${out}`);
      const line = out.split('\n').find((l) => l.includes('control plane ready'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    },
    { timeoutMs: readyTimeoutMs },
  );
  return { child, url, output: () => out };
}

/**
 * An app logging at debug to `control-plane.log` in the stack's log dir (what on-call reads), without
 * background jobs; not yet ready, so a test can add routes of its own first.
 */
export async function buildAppLoggingToFile(
  stack: TestStack,
): Promise<{ app: FastifyInstance; logFile: string }> {
  const logger = await createServiceLogger({
    service: 'control-plane',
    logDir: stack.logDir,
    fileName: 'control-plane.log',
    level: 'debug',
    stdout: false,
  });
  const app = await buildApp(stack.config({ LOG_LEVEL: 'debug' }), {
    db: stack.db,
    driver: stack.driver,
    logger,
    runBackgroundJobs: false,
  });
  return { app, logFile: path.join(stack.logDir, 'control-plane.log') };
}
