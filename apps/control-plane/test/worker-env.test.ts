// Secrets stay out of workers: a real control plane process, started with every secret of the fleet in
// its environment, starts real workers through PM2; the environment of each worker, of every process
// below it (the Chromium of a whatsapp-web.js worker) and of the PM2 daemon above it is read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import {
  ADMIN_KEY,
  adminHeaders,
  createTenant,
  createTestStack,
  PORTAL_KEY,
  type TestStack,
} from './helpers.ts';
import { waitForStatus, workerEnv } from './worker-helpers.ts';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRETS = {
  ADMIN_API_KEY: ADMIN_KEY,
  PORTAL_INTERNAL_KEY: PORTAL_KEY,
  SESSION_SECRET: `session-${randomBytes(24).toString('hex')}`,
  DEMO_PASSWORD: `demo-${randomBytes(12).toString('hex')}`,
};

/** Worker settings of the allow-list (spool, database retry, log rotation): each must reach the worker. */
const WORKER_SETTINGS = {
  INBOUND_BUFFER_MAX: '777',
  INBOUND_SPOOL_AFTER_MS: '1234',
  DB_RETRY_MAX_MS: '4321',
  LOG_MAX_SIZE_BYTES: '2097152',
  LOG_MAX_FILES: '3',
};

let stack: TestStack;
let plane: ChildProcess | undefined;
let url: string;

function environ(pid: number): Map<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  const vars = new Map<string, string>();
  for (const entry of raw.split('\0').filter(Boolean)) {
    const eq = entry.indexOf('=');
    vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return vars;
}

/** Every live process below `pid` (from each process's parent pid in /proc/<pid>/stat). */
function descendants(pid: number): { pid: number; command: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found: { pid: number; command: string }[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    let command = '';
    try {
      command = readFileSync(`/proc/${next}/cmdline`, 'utf8').split('\0')[0] ?? '';
    } catch {
      continue;
    }
    found.push({ pid: next, command });
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Names of the secrets whose value appears anywhere in the process's environment. */
function leakedSecrets(pid: number): string[] {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.entries(SECRETS)
    .filter(([, value]) => raw.includes(value))
    .map(([name]) => name);
}

beforeAll(async () => {
  stack = await createTestStack();
  const env = {
    ...stack.env(workerEnv({ RECONCILE_INTERVAL_MS: '60000', ...WORKER_SETTINGS })),
    ...SECRETS,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: appDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  plane = child;
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  url = await waitFor(
    'control plane ready line',
    () => {
      if (child.exitCode !== null) throw new Error(`control plane exited: ${out}`);
      const line = out.split('\n').find((l) => l.includes('control plane ready'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    },
    { timeoutMs: 30_000 },
  );
  // The control plane itself holds the secrets: the positive control for what follows.
  expect(leakedSecrets(child.pid!).sort()).toEqual(Object.keys(SECRETS).sort());
});

afterAll(async () => {
  if (plane && plane.exitCode === null) plane.kill('SIGKILL');
  await stack?.driver.killDaemon();
  await stack?.cleanup();
});

async function start(slug: string): Promise<void> {
  const res = await fetch(`${url}/admin/tenants/${slug}/worker/start`, {
    method: 'POST',
    headers: adminHeaders,
  });
  expect(res.status).toBe(202);
}

describe('worker environment', () => {
  it('a simulator worker gets its tenant id and database URL, and none of the secrets', async () => {
    const tenant = await createTenant(stack.db, 'env-sim', 'simulator');
    await start('env-sim');
    const { pid } = await waitForStatus(stack.db, tenant.id, 'RUNNING', 20_000);
    const env = environ(pid!);
    expect(env.get('TENANT_ID')).toBe(tenant.id);
    expect(env.get('DATABASE_URL')).toBe(stack.databaseUrl);
    for (const [name, value] of Object.entries(WORKER_SETTINGS)) expect(env.get(name), name).toBe(value);
    expect(leakedSecrets(pid!)).toEqual([]);
    // Nothing of the control plane's beyond the allow-list, by name either (PM2 adds only its own pm_*,
    // PM2_* and app-option keys, none of which carries a value of ours).
    for (const name of [...Object.keys(SECRETS), 'CONTROL_PLANE_PORT']) {
      expect(env.has(name)).toBe(false);
    }

    // The PM2 daemon, parent of every worker, was spawned with a minimal environment too.
    const daemonPid = Number(readFileSync(path.join(stack.pm2Home, 'pm2.pid'), 'utf8'));
    expect(environ(daemonPid).get('PM2_HOME')).toBe(stack.pm2Home);
    expect(leakedSecrets(daemonPid)).toEqual([]);
  });

  it("a whatsapp-web.js worker's Chromium gets none of the secrets either", async () => {
    const tenant = await createTenant(stack.db, 'env-browser', 'wwebjs');
    await start('env-browser');
    const workerPid = await waitFor(
      'the wwebjs worker process',
      async () => (await stack.driver.find(workerAppName('env-browser')))?.pid ?? undefined,
      { timeoutMs: 20_000 },
    );
    const browsers = await waitFor(
      'Chromium launched by the worker',
      () => {
        const found = descendants(workerPid).filter((p) => /chrom/i.test(path.basename(p.command)));
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(environ(workerPid).get('TENANT_ID')).toBe(tenant.id);
    for (const browser of browsers) {
      const env = environ(browser.pid);
      expect(env.get('TENANT_ID')).toBe(tenant.id); // inherited from the worker: the positive control
      expect(leakedSecrets(browser.pid)).toEqual([]);
    }
    expect(leakedSecrets(workerPid)).toEqual([]);
  });
});
