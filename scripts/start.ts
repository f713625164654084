// The quick start: the whole system on embedded defaults. Uses DATABASE_URL / REDIS_URL when they are
// set and reachable; otherwise runs an embedded PostgreSQL (data in .data/postgres) and a local
// redis-server (data in .data/redis). Applies migrations, seeds the demo, starts the control plane
// (which starts the demo tenant's worker under PM2) and the portal, prints URLs and logins.
// Ctrl-C stops everything it started, in reverse order, workers included.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  QUICK_START_ENV_FILE,
  loadQuickStartConfig,
  writeQuickStartEnv,
  type QuickStartConfig,
} from '@wa-fleet/config';
import { deployMigrations } from '@wa-fleet/db/migrate';
import {
  freePort,
  hasRedisServer,
  probePostgres,
  probeRedis,
  RedisNotInstalledError,
  waitFor,
  type ProbeResult,
} from '@wa-fleet/devstack';
import { maskUrl } from '@wa-fleet/shared';

const root = path.resolve(import.meta.dirname, '..');
// Read through @wa-fleet/config like every app's settings. WA_DATA_DIR moves everything the quick start
// keeps (databases, keys, PM2, its settings file) elsewhere; tests use it. Empty variables count as unset.
let config: QuickStartConfig;
let dataDir: string;
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

/**
 * A configured URL when it answers; undefined when nothing answers there (the local service is started
 * instead). A server that answers but refuses the credentials is a configuration error: starting a second
 * server beside it would hide the mistake, so the quick start stops and names it.
 */
async function usable(name: string, url: string | undefined, probe: (url: string) => Promise<ProbeResult>) {
  if (!url) return undefined;
  const { state, detail } = await probe(url);
  if (state === 'ok') {
    say(`using ${name} ${maskUrl(url)}`);
    return url;
  }
  if (state === 'unreachable') {
    say(`${name} ${maskUrl(url)} is not reachable; starting a local one instead`);
    return undefined;
  }
  throw new Error(`${name} ${detail}: fix ${name} or unset it to use a local one`);
}

/** Starts the embedded PostgreSQL and/or redis-server in scripts/local-services.ts (own process group). */
async function startLocalServices(want: { postgres: boolean; redis: boolean }) {
  if (!want.postgres && !want.redis) return {};
  if (want.redis && !hasRedisServer()) throw new RedisNotInstalledError();
  const child = spawn('node', ['--import', 'tsx', 'scripts/local-services.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stops.push({
    name: 'PostgreSQL and Redis',
    stop: async () => {
      if (child.connected) child.send('stop');
      await exited;
    },
  });
  const reply = await new Promise<{ ready?: { databaseUrl?: string; redisUrl?: string }; error?: string }>(
    (resolve) => {
      child.once('message', (m) => resolve(m as { error?: string }));
      child.once('exit', (code) => resolve({ error: `local services exited (${code})` }));
      child.send({ dataDir, ...want });
    },
  );
  if (!reply.ready) throw new Error(`could not start the local services: ${reply.error}`);
  if (reply.ready.databaseUrl)
    say(`embedded PostgreSQL at ${maskUrl(reply.ready.databaseUrl)} (data in .data/postgres)`);
  if (reply.ready.redisUrl) say(`local Redis at ${reply.ready.redisUrl} (data in .data/redis)`);
  return reply.ready;
}

function startChild(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = root,
): ChildProcess {
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

const DEMO_TEXTS = ['hello', 'what is the price?', 'are you open today?', 'thanks!', 'HELP', 'order status'];

/**
 * Demo customers writing to the demo tenant's simulated phone through the control plane's simulate
 * route. They live here, not in the worker: they keep writing while the worker is stopped or
 * restarting, and the worker backfills what it missed when it connects again.
 */
function startDemoTraffic(cpUrl: string, adminApiKey: string, perMinute: number): void {
  if (!(perMinute > 0)) return;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const from = `1999${Math.floor(Math.random() * 10_000_000)
      .toString()
      .padStart(7, '0')}`;
    const text = DEMO_TEXTS[Math.floor(Math.random() * DEMO_TEXTS.length)] ?? 'hello';
    try {
      await fetch(`${cpUrl}/admin/tenants/demo/simulate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'inbound', from, text }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      // The control plane is restarting or stopping: this customer tries again next time.
    }
    if (!shuttingDown) timer = setTimeout(() => void tick(), 60_000 / perMinute);
  };
  timer = setTimeout(() => void tick(), 60_000 / perMinute);
  stops.push({ name: 'demo traffic', stop: async () => clearTimeout(timer) });
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
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** What the portal process may see: its own settings plus what node/pnpm need to run. */
const PORTAL_BUILD_ENV =
  /^(PATH|HOME|LANG|LC_[A-Z]+|TZ|TMPDIR|NEXT_TELEMETRY_DISABLED|npm_config_[a-z_]+|PNPM_HOME|COREPACK_[A-Z_]+|XDG_[A-Z_]+)$/;
const PORTAL_ENV = new RegExp(
  `${PORTAL_BUILD_ENV.source}|^(CONTROL_PLANE_URL|PORTAL_INTERNAL_KEY|SESSION_SECRET|COOKIE_SECURE|TRUST_PROXY_HOPS|SEND_MEDIA_MAX_BYTES|LOG_LEVEL)$`,
);

function pickEnv(env: NodeJS.ProcessEnv, allowed: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => allowed.test(key)));
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
  try {
    config = loadQuickStartConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  dataDir = config.dataDir;
  mkdirSync(dataDir, { recursive: true });
  // A terminal's Ctrl-C reaches this process and the apps alike (npm may forward it once more); every
  // signal after the first is ignored so the shutdown below runs to its end.
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const keys = loadOrCreateKeys();
  const givenDb = await usable('DATABASE_URL', config.DATABASE_URL, probePostgres);
  const givenRedis = await usable('REDIS_URL', config.REDIS_URL, probeRedis);
  const local = await startLocalServices({ postgres: !givenDb, redis: !givenRedis });
  const databaseUrl = givenDb ?? local.databaseUrl!;
  const redisUrl = givenRedis ?? local.redisUrl!;

  const { applied } = await deployMigrations(databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

  const pm2Home = config.PM2_HOME ?? path.join(dataDir, 'pm2');
  const env: NodeJS.ProcessEnv = {
    ...config.inheritedEnv,
    NODE_ENV: config.NODE_ENV,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: config.ADMIN_API_KEY ?? keys.adminApiKey,
    PORTAL_INTERNAL_KEY: config.PORTAL_INTERNAL_KEY ?? keys.portalInternalKey,
    SESSION_SECRET: config.SESSION_SECRET ?? keys.sessionSecret,
    PM2_HOME: pm2Home,
    DEMO_PASSWORD: config.DEMO_PASSWORD,
    // A newcomer should see messages flow at once: the demo worker links after a few seconds.
    SIM_LINK_DELAY_MS: String(config.SIM_LINK_DELAY_MS),
  };
  // ... and demo customers write a few messages a minute (see startDemoTraffic).
  const demoPerMinute = config.SIM_INBOUND_PER_MIN;

  if (givenDb) {
    // The demo logins have a published password: they never go into a database the quick start did not
    // create (seed-demo refuses such a database too).
    say('DATABASE_URL given: not seeding the demo tenant and logins (create users with POST /admin/users)');
  } else {
    process.stdout.write(
      await runToEnd('node', ['--import', 'tsx', 'apps/control-plane/src/cli/seed-demo.ts'], {
        ...env,
        WA_DATA_DIR: dataDir,
      }),
    );
  }

  const cpPort = await freePort(config.CONTROL_PLANE_PORT);
  const cpUrl = `http://127.0.0.1:${cpPort}`;
  // What `pnpm fleet` (doctor, status, logs) reads for every variable its own environment leaves unset.
  writeQuickStartEnv(path.join(dataDir, QUICK_START_ENV_FILE), {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ADMIN_API_KEY: env.ADMIN_API_KEY!,
    PORTAL_INTERNAL_KEY: env.PORTAL_INTERNAL_KEY!,
    SESSION_SECRET: env.SESSION_SECRET!,
    PM2_HOME: pm2Home,
    CONTROL_PLANE_URL: cpUrl,
    ...(config.LOG_DIR ? { LOG_DIR: config.LOG_DIR } : {}),
  });
  startChild('control-plane', 'node', ['--import', 'tsx', 'apps/control-plane/src/server.ts'], {
    ...env,
    CONTROL_PLANE_PORT: String(cpPort),
  });
  // Stopping the quick start stops the workers it started too: PM2's daemon lives under .data/pm2.
  stops.splice(stops.length - 1, 0, {
    name: 'tenant workers (PM2)',
    stop: () =>
      runToEnd('pnpm', ['--filter', '@wa-fleet/control-plane', 'exec', 'pm2', 'kill'], env).then(
        () => undefined,
      ),
  });
  await waitFor('the control plane to be ready', async () => (await fetch(`${cpUrl}/ready`)).ok, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });

  const started = await fetch(`${cpUrl}/admin/tenants/demo/worker/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
  });
  say(
    started.ok
      ? 'demo tenant worker starting'
      : `could not start the demo worker: HTTP ${started.status} ${await started.text()}`,
  );
  startDemoTraffic(cpUrl, env.ADMIN_API_KEY!, demoPerMinute);

  // The portal gets only what it uses: never the admin key, the database or Redis, or the demo password.
  const portalEnv = pickEnv(env, PORTAL_ENV);
  if (needsWebBuild()) {
    say('building the portal (first run only; about a minute)');
    // next build fails on prerendering with a NODE_ENV other than production.
    await runToEnd('pnpm', ['--filter', '@wa-fleet/web', 'run', 'build'], {
      ...pickEnv(env, PORTAL_BUILD_ENV),
      NODE_ENV: 'production',
    });
  }
  const webPort = await freePort(config.WEB_PORT);
  const webUrl = `http://127.0.0.1:${webPort}`;
  startChild(
    'portal',
    'pnpm',
    ['exec', 'next', 'start', '-H', '127.0.0.1', '-p', String(webPort)],
    { ...portalEnv, NODE_ENV: 'production', CONTROL_PLANE_URL: cpUrl },
    path.join(root, 'apps/web'),
  );
  await waitFor('the portal to answer', async () => (await fetch(`${webUrl}/login`)).status < 500, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
  wa-fleet is ready (${seconds} s)

  Portal          ${webUrl}
  Control plane   ${cpUrl}   (API docs: ${cpUrl}/docs)
  Admin API key   ${env.ADMIN_API_KEY}   (kept in .data/keys.json)

  Demo logins (password: ${config.DEMO_PASSWORD})
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
