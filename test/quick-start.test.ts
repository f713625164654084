// The README's first command, as a newcomer runs it: no configuration, an embedded PostgreSQL, a local
// Redis, the demo tenant and logins, a portal that answers, messages that flow; Ctrl-C stops everything;
// a second run reuses the data. Runs scripts/start.ts (what `npm start` runs after installing).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDbClient } from '@wa-fleet/db';
import { ensureDatabase, startEmbeddedPostgres, startRedis, waitFor } from '@wa-fleet/devstack';

const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-quick-start-'));
const dataDir = path.join(tmp, 'data');
const logDir = path.join(tmp, 'logs');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startQuickStart(extraEnv: NodeJS.ProcessEnv = {}): Run {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WA_DATA_DIR: dataDir,
    LOG_DIR: logDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    PM2_HOME: '',
    SIM_LINK_DELAY_MS: '300',
    SIM_INBOUND_PER_MIN: '120',
    ...extraEnv,
  };
  // Its own process group, so the test can send SIGINT to the whole group as a terminal's Ctrl-C does.
  const child = spawn('node', ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, detached: true });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * `pnpm fleet doctor` as an operator runs it on the quick start's host: no variables of its own (empty
 * ones count as unset), only the data dir the quick start used.
 */
function runDoctor(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['fleet', 'doctor'], {
      cwd: root,
      env: {
        ...process.env,
        WA_DATA_DIR: dataDir,
        DATABASE_URL: '',
        REDIS_URL: '',
        ADMIN_API_KEY: '',
        PORTAL_INTERNAL_KEY: '',
        PM2_HOME: '',
        LOG_DIR: '',
        CONTROL_PLANE_URL: '',
      },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function field(output: string, label: string): string {
  const match = new RegExp(`${label}\\s+(\\S+)`).exec(output);
  if (!match?.[1]) throw new Error(`no "${label}" in the quick start's output:\n${output}`);
  return match[1];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidFrom(file: string): number {
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null || !run.child.pid) return;
  process.kill(-run.child.pid, 'SIGINT');
  await run.exited;
}

function readEnviron(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

/** The process started as `next start ... -p <port>` and every process below it. */
function processTree(port: string): number[] {
  const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  const parentOf = new Map<number, number>();
  const roots: number[] = [];
  for (const name of all) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes('next') && args.includes('start') && args.includes(port)) roots.push(Number(name));
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

let current: Run | undefined;
afterAll(async () => {
  if (current) await stop(current);
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm start (quick start)', () => {
  it('runs the whole system on embedded defaults, stops it all on Ctrl-C, and reuses its data', async () => {
    const first = (current = startQuickStart());
    await waitFor('the "wa-fleet is ready" line', () => first.output().includes('wa-fleet is ready'), {
      timeoutMs: 300_000,
      intervalMs: 250,
    });
    const out = first.output();
    for (const login of [
      'admin@wa-fleet.local',
      'owner@demo.local',
      'operator@demo.local',
      'viewer@demo.local',
    ]) {
      expect(out).toContain(login);
    }
    const portal = field(out, 'Portal');
    const controlPlane = field(out, 'Control plane');
    const adminKey = field(out, 'Admin API key');

    // The portal answers and the demo tenant admin can sign in with the printed password.
    expect((await fetch(`${portal}/login`)).status).toBe(200);
    const login = await fetch(`${portal}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: portal },
      body: JSON.stringify({ email: 'owner@demo.local', password: 'demo-password' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    // The portal's processes (pnpm and next) hold the portal's settings, never the admin key, the
    // database or Redis, or the demo password.
    const portalPids = processTree(new URL(portal).port);
    expect(portalPids.length).toBeGreaterThan(0);
    for (const pid of portalPids) {
      const environ = readEnviron(pid);
      expect(environ.PORTAL_INTERNAL_KEY, `pid ${pid}`).toBeTruthy();
      for (const name of ['ADMIN_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'DEMO_PASSWORD']) {
        expect(environ[name], `${name} in the environment of portal pid ${pid}`).toBeUndefined();
      }
    }

    // The control plane started the demo worker, which links and receives simulated messages.
    const admin = { authorization: `Bearer ${adminKey}` };
    await waitFor(
      'the demo worker to run',
      async () => {
        const workers = (await (await fetch(`${controlPlane}/admin/workers`, { headers: admin })).json()) as {
          items: { status: string }[];
        };
        return workers.items.some((w) => w.status === 'RUNNING');
      },
      { timeoutMs: 30_000 },
    );
    await waitFor(
      'simulated messages in the portal',
      async () => {
        const page = (await (
          await fetch(`${portal}/api/tenant/messages`, { headers: { cookie } })
        ).json()) as {
          items?: unknown[];
        };
        return (page.items?.length ?? 0) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(existsSync(path.join(logDir, 'demo.log'))).toBe(true);

    // On-call's first command reads the quick start's settings (.data/quick-start.env) and passes.
    const healthy = await runDoctor();
    expect(healthy.output).toMatch(/ok +config .*quick-start\.env/);
    expect(healthy.output).toMatch(/ok +postgres/);
    expect(healthy.output).toMatch(/ok +redis/);
    expect(healthy.output).toMatch(/ok +control plane/);
    expect(healthy.output).not.toContain('FAIL');
    expect(healthy.code, healthy.output).toBe(0);

    // Ctrl-C: everything it started stops, the tenant workers (PM2) and the databases included.
    const pm2Pid = pidFrom(path.join(dataDir, 'pm2', 'pm2.pid'));
    const postgresPid = pidFrom(path.join(dataDir, 'postgres', 'postmaster.pid'));
    expect(isAlive(pm2Pid) && isAlive(postgresPid)).toBe(true);
    await stop(first);
    expect(first.output()).toContain('stopped PostgreSQL and Redis');
    await waitFor('PM2 and PostgreSQL to be gone', () => !isAlive(pm2Pid) && !isAlive(postgresPid), {
      timeoutMs: 15_000,
    });
    await expect(fetch(`${portal}/login`)).rejects.toThrow();
    // With everything stopped, doctor fails and names what is down (not what is unset).
    const down = await runDoctor();
    expect(down.code, down.output).toBe(1);
    expect(down.output).toMatch(/FAIL +postgres .*not reachable/);
    expect(down.output).toMatch(/FAIL +redis .*not reachable/);
    expect(down.output).not.toMatch(/not set/);
    const stoppedWorker = readFileSync(path.join(logDir, 'demo.log'), 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(stoppedWorker)).toMatchObject({ tenant: 'demo', msg: 'worker stopped' });

    // A second run reuses .data: same keys, no migrations to apply, no second portal build.
    const second = (current = startQuickStart());
    await waitFor(
      'the second "wa-fleet is ready" line',
      () => second.output().includes('wa-fleet is ready'),
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    expect(second.output()).toContain('database schema up to date');
    expect(second.output()).not.toContain('building the portal');
    expect(field(second.output(), 'Admin API key')).toBe(adminKey);
    await stop(second);
  });

  it('refuses a configured Redis that rejects its password, naming authentication, and starts no Redis of its own', async () => {
    const redis = await startRedis({ password: 'the-right-password' });
    try {
      const run = (current = startQuickStart({
        WA_DATA_DIR: path.join(tmp, 'wrong-redis'),
        REDIS_URL: redis.url.replace('the-right-password', 'a-wrong-password'),
      }));
      const code = await run.exited;
      expect(code).not.toBe(0);
      expect(run.output()).toMatch(/REDIS_URL redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
      expect(run.output()).not.toContain('a-wrong-password');
      expect(run.output()).not.toContain('local Redis at');
      expect(run.output()).not.toContain('starting a local one');

      // Positive control: the right password is used as given, no local Redis either.
      const good = (current = startQuickStart({
        WA_DATA_DIR: path.join(tmp, 'wrong-redis'),
        REDIS_URL: redis.url,
      }));
      // Waits for the whole start (not just the Redis line) so the stop below is an ordinary Ctrl-C.
      await waitFor(
        'the quick start on the configured Redis',
        () => good.output().includes('wa-fleet is ready'),
        {
          timeoutMs: 180_000,
          intervalMs: 250,
        },
      );
      expect(good.output()).toContain('using REDIS_URL');
      expect(good.output()).not.toContain('local Redis at');
      await stop(good);
    } finally {
      await redis.stop();
    }
  });

  it('with a DATABASE_URL of its own, seeds no demo logins into it', async () => {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'real-db') });
    await ensureDatabase(pg.adminUrl, 'wa_real');
    const databaseUrl = pg.urlFor('wa_real');
    const db = createDbClient(databaseUrl, { poolSize: 1 });
    try {
      const run = (current = startQuickStart({ DATABASE_URL: databaseUrl }));
      await waitFor('the "wa-fleet is ready" line', () => run.output().includes('wa-fleet is ready'), {
        timeoutMs: 300_000,
        intervalMs: 250,
      });
      expect(run.output()).toContain('DATABASE_URL given: not seeding the demo tenant and logins');
      // Positive control: the quick start did use this database (the tables below exist: it migrated it).
      expect(await db.tenant.count()).toBe(0);
      expect(await db.user.count({ where: { email: 'admin@wa-fleet.local' } })).toBe(0);
      expect(await db.user.count()).toBe(0);
      expect(await db.portalSession.count()).toBe(0);
      await stop(run);
    } finally {
      await db.$disconnect();
      await pg.stop();
    }
  });
});
