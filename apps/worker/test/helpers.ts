// Shared helpers for the worker's integration tests: a migrated database and a Redis prefix per file,
// tenants, real worker processes, simulator commands, and the log-file check every file ends with.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { DEFAULT_WORKER_NODE_ARGS } from '@wa-fleet/config';
import { createDbClient, type DbClient } from '@wa-fleet/db';
import { createMigratedTestDatabase, type TestDatabase } from '@wa-fleet/db/testing';
import { waitFor } from '@wa-fleet/devstack';
import { sendQueueName, type SimulatorCommand } from '@wa-fleet/shared';
import { SimulatorNetwork, type NetworkSend } from '@wa-fleet/simulator';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The worker's build, as the control plane runs it (test/global-setup.ts rebuilds it when stale). */
const MAIN = 'apps/worker/dist/main.mjs';

function requireEnv(name: 'TEST_DATABASE_URL' | 'TEST_REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (see packages/devstack): tests use a real server`);
  return value;
}

export interface Suite {
  database: TestDatabase;
  db: DbClient;
  redis: Redis;
  redisUrl: string;
  prefix: string;
  logDir: string;
  /** INBOUND_SPOOL_DIR of the workers this suite starts. */
  spoolDir: string;
  workers: WorkerProcess[];
  close(): Promise<void>;
}

/** `database`: a database of the caller's own (e.g. on a server the test stops); default a fresh one. */
export async function createSuite(opts: { database?: TestDatabase } = {}): Promise<Suite> {
  const database = opts.database ?? (await createMigratedTestDatabase());
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const logDir = await mkdtemp(path.join(tmpdir(), 'wa-worker-logs-'));
  const spoolDir = await mkdtemp(path.join(tmpdir(), 'wa-worker-spool-'));
  const suite: Suite = {
    database,
    db: createDbClient(database.url, { poolSize: 4, applicationName: 'worker-tests' }),
    redis,
    redisUrl,
    prefix: `t${randomUUID().slice(0, 8)}`,
    logDir,
    spoolDir,
    workers: [],
    async close() {
      for (const w of suite.workers) w.kill('SIGKILL');
      await Promise.all(suite.workers.map((w) => w.exited));
      const keys = await redis.keys(`${suite.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await suite.db.$disconnect();
      await database.drop();
      await rm(logDir, { recursive: true, force: true });
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
  return suite;
}

export async function createTenant(suite: Suite, slug = `acme-${randomUUID().slice(0, 6)}`) {
  return suite.db.tenant.create({ data: { slug, name: `Tenant ${slug}` } });
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node <worker flags> apps/worker/dist/main.mjs` from the repo root, as PM2 does. */
export function spawnWorker(suite: Suite, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [...DEFAULT_WORKER_NODE_ARGS, MAIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      DATABASE_URL: suite.database.url,
      REDIS_URL: suite.redisUrl,
      REDIS_PREFIX: suite.prefix,
      LOG_DIR: suite.logDir,
      INBOUND_SPOOL_DIR: suite.spoolDir,
      LOG_LEVEL: 'debug',
      HEARTBEAT_INTERVAL_MS: '500',
      SIM_LINK_DELAY_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    exited,
    output: () => output,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  suite.workers.push(worker);
  return worker;
}

export function tenantEnv(tenantId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { TENANT_ID: tenantId, ...extra };
}

/** The simulated network of this file's Redis prefix (what the control plane's simulate route uses). */
export function network(suite: Suite): SimulatorNetwork {
  return new SimulatorNetwork(suite.redis, suite.prefix);
}

/** A session command for the running client, or (`inbound`) a message to the tenant's phone. */
export async function sendCommand(suite: Suite, tenantId: string, command: SimulatorCommand): Promise<void> {
  await network(suite).command(tenantId, command);
}

export async function workerRow(suite: Suite, tenantId: string) {
  return suite.db.workerProcess.findUnique({ where: { tenantId } });
}

export async function sessionRow(suite: Suite, tenantId: string) {
  return suite.db.whatsAppSession.findUnique({ where: { tenantId } });
}

export async function waitForWorkerStatus(
  suite: Suite,
  tenantId: string,
  status: string,
  timeoutMs = 15_000,
) {
  return waitFor(
    `worker ${status}`,
    async () => {
      const row = await workerRow(suite, tenantId);
      return row?.status === status ? row : undefined;
    },
    { timeoutMs },
  );
}

export async function waitForSessionState(suite: Suite, tenantId: string, state: string, timeoutMs = 15_000) {
  return waitFor(
    `session ${state}`,
    async () => {
      const row = await sessionRow(suite, tenantId);
      return row?.state === state ? row : undefined;
    },
    { timeoutMs },
  );
}

/** The control plane's side of an accepted send: QUEUED row first, then the job (jobId = row id). */
export async function acceptSends(
  suite: Suite,
  tenantId: string,
  count: number,
  opts: { addJobs?: boolean; to?: (i: number) => string } = {},
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = await suite.db.messageLog.create({
      data: {
        tenantId,
        direction: 'OUT',
        fromNumber: '15550000000',
        toNumber: opts.to?.(i) ?? `1444${String(i).padStart(7, '0')}`,
        body: `accepted send ${i}`,
        status: 'QUEUED',
        idempotencyKey: `test:${randomUUID()}`,
      },
    });
    ids.push(row.id);
  }
  if (opts.addJobs !== false) {
    const queue = new Queue(sendQueueName(tenantId), { connection: suite.redis, prefix: suite.prefix });
    await queue.addBulk(ids.map((id) => ({ name: 'send', data: { messageId: id }, opts: { jobId: id } })));
    await queue.close();
  }
  return ids;
}

/** What the simulated WhatsApp network actually sent, one entry per real send. */
export async function networkSends(suite: Suite, tenantId: string): Promise<NetworkSend[]> {
  return network(suite).sends(tenantId);
}

/** How often the worker asked the network to send each client ref, refused repeats included. */
export async function networkSendAttempts(suite: Suite, tenantId: string): Promise<Map<string, number>> {
  return network(suite).sendAttempts(tenantId);
}

/** Pids of the live descendants of `pid` (children, grandchildren, ...), from /proc. */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [child, parent] of parentOf) if (frontier.includes(parent)) next.push(child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat); // a zombie is dead, only not yet reaped
  } catch {
    return false;
  }
}

/**
 * The on-call contract: every line of every tenant log written by this file's runs is a JSON object
 * with its own ISO time and a tenant. Returns the parsed lines of all files.
 */
export function expectLogsAreJsonWithTime(logDir: string): Record<string, unknown>[] {
  const files = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.endsWith('.log')) : [];
  expect(files.length).toBeGreaterThan(0);
  const all: Record<string, unknown>[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(logDir, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.length, file).toBeGreaterThan(0);
    for (const line of lines) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${file}: not JSON: ${line.slice(0, 200)}`);
      }
      expect(typeof parsed.time, line).toBe('string');
      expect(Number.isNaN(Date.parse(parsed.time as string)), line).toBe(false);
      expect(parsed.time as string).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(parsed.tenant, line).toBe(file.replace(/\.log$/, ''));
      all.push(parsed);
    }
  }
  return all;
}

export function readLog(logDir: string, slug: string): Record<string, unknown>[] {
  const file = path.join(logDir, `${slug}.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
