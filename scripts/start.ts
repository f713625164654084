// The quick start: the whole system on embedded defaults. Uses DATABASE_URL / REDIS_URL when they are
// set and reachable; otherwise runs an embedded PostgreSQL (data in .data/postgres) and a local
// redis-server (data in .data/redis). Applies migrations, seeds the demo, starts the control plane
// (which starts the demo tenant's worker under PM2) and the portal, prints URLs and logins.
// Ctrl-C stops everything it started, in reverse order, workers included.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deployMigrations } from '@wa-fleet/db/migrate';
import {
  canReachPostgres,
  canReachRedis,
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
  startRedis,
  waitFor,
} from '@wa-fleet/devstack';
import { maskUrl } from '@wa-fleet/shared';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, '.data');
const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? 'demo-password';
const startedAt = Date.now();
const stops: { name: string; stop: () => Promise<void> }[] = [];

function say(msg: string): void {
  console.log(`\x1b[1m[wa-fleet]\x1b[0m ${msg}`);
}

interface Keys {
  adminApiKey: string;
  portalInternalKey: string;
  sessionSecret: string;
}

/** Keys are generated once and kept in .data/keys.json (mode 600), so logins survive restarts. */
function loadOrCreateKeys(): Keys {
  const file = path.join(dataDir, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Keys;
  const keys: Keys = {
    adminApiKey: randomBytes(32).toString('base64url'),
    portalInternalKey: randomBytes(32).toString('base64url'),
    sessionSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

async function resolveDatabase(): Promise<string> {
  const given = process.env.DATABASE_URL;
  if (given) {
    if (await canReachPostgres(given)) {
      say(`using DATABASE_URL ${maskUrl(given)}`);
      return given;
    }
    say(`DATABASE_URL ${maskUrl(given)} is not reachable; starting the embedded PostgreSQL instead`);
  }
  const port = await freePort(54329);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port });
  stops.push({ name: 'PostgreSQL', stop: () => pg.stop() });
  await ensureDatabase(pg.adminUrl, 'wa_fleet');
  say(`embedded PostgreSQL on 127.0.0.1:${pg.port} (data in .data/postgres)`);
  return pg.urlFor('wa_fleet');
}

async function resolveRedis(): Promise<string> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (await canReachRedis(given)) {
      say(`using REDIS_URL ${maskUrl(given)}`);
      return given;
    }
    say(`REDIS_URL ${maskUrl(given)} is not reachable; starting a local redis-server instead`);
  }
  const port = await freePort(56379);
  // Append-only persistence: sends queued in Redis survive a restart of the quick start.
  const redis = await startRedis({ port, dir: path.join(dataDir, 'redis'), persist: true });
  stops.push({ name: 'Redis', stop: () => redis.stop() });
  say(`local Redis on 127.0.0.1:${redis.port} (data in .data/redis)`);
  return redis.url;
}

function startChild(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): ChildProcess {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `\x1b[2m[${name}]\x1b[0m `;
  const forward = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  stops.push({
    name,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  });
  return child;
}

/** True when the portal's build is missing or older than any source file of the portal. */
function needsWebBuild(): boolean {
  const buildId = path.join(root, 'apps/web/.next/BUILD_ID');
  if (!existsSync(buildId)) return true;
  const builtAt = statSync(buildId).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newer(p) : statSync(p).mtimeMs > builtAt;
    });
  return newer(path.join(root, 'apps/web/src'));
}

function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

let shuttingDown = false;
async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping...');
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
      say(`stopped ${name}`);
    } catch (err) {
      console.error(`failed to stop ${name}:`, err);
    }
  }
  process.exit(code);
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const keys = loadOrCreateKeys();
  const databaseUrl = await resolveDatabase();
  const redisUrl = await resolveRedis();

  const { applied } = await deployMigrations(databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

  const pm2Home = process.env.PM2_HOME ?? path.join(dataDir, 'pm2');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: process.env.ADMIN_API_KEY ?? keys.adminApiKey,
    PORTAL_INTERNAL_KEY: process.env.PORTAL_INTERNAL_KEY ?? keys.portalInternalKey,
    SESSION_SECRET: process.env.SESSION_SECRET ?? keys.sessionSecret,
    PM2_HOME: pm2Home,
    DEMO_PASSWORD,
    // A newcomer should see messages flow at once: the demo worker links after a few seconds and
    // receives a few simulated messages a minute.
    SIM_LINK_DELAY_MS: process.env.SIM_LINK_DELAY_MS ?? '4000',
    SIM_INBOUND_PER_MIN: process.env.SIM_INBOUND_PER_MIN ?? '4',
  };

  process.stdout.write(await runToEnd('node', ['--import', 'tsx', 'apps/control-plane/src/cli/seed-demo.ts'], env));

  const cpPort = await freePort(Number(process.env.CONTROL_PLANE_PORT ?? 4000));
  const cpUrl = `http://127.0.0.1:${cpPort}`;
  startChild('control-plane', 'node', ['--import', 'tsx', 'apps/control-plane/src/server.ts'], {
    ...env,
    CONTROL_PLANE_PORT: String(cpPort),
  });
  // Stopping the quick start stops the workers it started too: PM2's daemon lives under .data/pm2.
  stops.splice(stops.length - 1, 0, {
    name: 'tenant workers (PM2)',
    stop: () => runToEnd('pnpm', ['--filter', '@wa-fleet/control-plane', 'exec', 'pm2', 'kill'], env).then(() => undefined),
  });
  await waitFor('the control plane to be ready', async () => (await fetch(`${cpUrl}/ready`)).ok, { timeoutMs: 60_000, intervalMs: 200 });

  const started = await fetch(`${cpUrl}/admin/tenants/demo/worker/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
  });
  say(started.ok ? 'demo tenant worker starting' : `could not start the demo worker: HTTP ${started.status} ${await started.text()}`);

  if (needsWebBuild()) {
    say('building the portal (first run only; about a minute)');
    await runToEnd('pnpm', ['--filter', '@wa-fleet/web', 'run', 'build'], env);
  }
  const webPort = await freePort(Number(process.env.WEB_PORT ?? 3000));
  const webUrl = `http://127.0.0.1:${webPort}`;
  startChild('portal', 'pnpm', ['exec', 'next', 'start', '-H', '127.0.0.1', '-p', String(webPort)], {
    ...env,
    CONTROL_PLANE_URL: cpUrl,
  }, path.join(root, 'apps/web'));
  await waitFor('the portal to answer', async () => (await fetch(`${webUrl}/login`)).status < 500, { timeoutMs: 60_000, intervalMs: 200 });

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
  wa-fleet is ready (${seconds} s)

  Portal          ${webUrl}
  Control plane   ${cpUrl}   (API docs: ${cpUrl}/docs)
  Admin API key   ${env.ADMIN_API_KEY}   (kept in .data/keys.json)

  Demo logins (password: ${DEMO_PASSWORD})
    admin@wa-fleet.local   super admin: every tenant, workers, audit log
    owner@demo.local       tenant admin of "demo"
    operator@demo.local    operator of "demo" (can send)
    viewer@demo.local      viewer of "demo" (read only)

  Follow the demo worker's log:  pnpm fleet logs demo -f
  Ctrl-C stops everything.
`);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  await shutdown(1);
});
