// How the control plane launches a worker: the built JavaScript (apps/worker/dist/main.mjs) under plain
// node with the worker's V8 flags, no TypeScript loader, and a build made stale by a source change is
// rebuilt before the start. What runs is read from PM2's description of the process and from the worker's
// own account of itself (its first log line), not from the config that asked for it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_WORKER_NODE_ARGS } from '@wa-fleet/config';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import { WORKER_BUILD_SCRIPT } from '../src/services/worker-spec.ts';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { FIXTURE_WORKER, REAL_WORKER, waitForStatus, workerEnv } from './worker-helpers.ts';

/** A source file of the worker's build. */
const WORKER_SOURCE = path.resolve(path.dirname(REAL_WORKER), '../src/pairing.ts');
const BUILD_INFO = path.join(path.dirname(REAL_WORKER), 'build-info.json');

let stack: TestStack;
let app: FastifyInstance;

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, workerEnv());
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

const PM2_BIN = path.resolve(path.dirname(REAL_WORKER), '../../control-plane/node_modules/.bin/pm2');

/** PM2's own description of a process (`pm2 jlist`): the script it runs and the node flags it passes. */
function pm2Description(name: string): { script: string; nodeArgs: string[]; pid: number } {
  const res = spawnSync(PM2_BIN, ['jlist'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PM2_HOME: stack.pm2Home },
  });
  const list = JSON.parse(res.stdout.slice(res.stdout.indexOf('['))) as {
    name: string;
    pid: number;
    pm2_env: { pm_exec_path: string; node_args: string[] };
  }[];
  const proc = list.find((p) => p.name === name);
  if (!proc) throw new Error(`${name} is not in PM2's list: ${res.stdout.slice(0, 500)} ${res.stderr}`);
  return { script: proc.pm2_env.pm_exec_path, nodeArgs: proc.pm2_env.node_args, pid: proc.pid };
}

/** The worker's own account of what it runs (its `worker starting` line in the tenant log). */
function runtimeLogged(slug: string): { entry: string; execArgv: string[] } | undefined {
  const file = path.join(stack.logDir, `${slug}.log`);
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg?: string; runtime?: { entry: string; execArgv: string[] } })
    .find((l) => l.msg === 'worker starting');
  return line?.runtime;
}

function buildCheck(): { status: number | null; said: string } {
  const res = spawnSync(process.execPath, [WORKER_BUILD_SCRIPT, '--check'], { encoding: 'utf8' });
  return { status: res.status, said: res.stderr.trim() };
}

async function start(target: FastifyInstance, slug: string): Promise<number> {
  const tenant = await createTenant(stack.db, slug);
  const res = await target.inject({
    method: 'POST',
    url: `/admin/tenants/${slug}/worker/start`,
    headers: adminHeaders,
  });
  expect(res.statusCode).toBe(202);
  // Generous: the first start below includes a rebuild on a machine shared with other work.
  const row = await waitForStatus(stack.db, tenant.id, 'RUNNING', 60_000);
  return row.pid!;
}

describe('worker launch', () => {
  it('rebuilds a stale build before the start, then runs the built JS with the worker flags and no tsx', async () => {
    // Stale: what the build recorded of one of its sources is not what is on disk now (as after an edit:
    // the source itself is left alone, so the checkout stays as it is).
    const info0 = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as { inputs: Record<string, unknown[]> };
    const [size, mtime] = info0.inputs[WORKER_SOURCE] as [number, number, string];
    info0.inputs[WORKER_SOURCE] = [size, mtime - 1_000, 'content-of-an-older-version'];
    writeFileSync(BUILD_INFO, JSON.stringify(info0));
    const stale = buildCheck();
    expect(stale.status).toBe(3);
    expect(stale.said).toContain('src/pairing.ts changed');

    const pid = await start(app, 'launch-built');

    // Rebuilt: the build is current again and recorded that source as it is on disk.
    expect(buildCheck()).toEqual({ status: 0, said: '' });
    const info = JSON.parse(readFileSync(BUILD_INFO, 'utf8')) as { inputs: Record<string, unknown[]> };
    expect(info.inputs[WORKER_SOURCE]).toEqual([
      statSync(WORKER_SOURCE).size,
      Math.round(statSync(WORKER_SOURCE).mtimeMs),
      createHash('sha256').update(readFileSync(WORKER_SOURCE)).digest('hex').slice(0, 16),
    ]);

    const described = pm2Description(workerAppName('launch-built'));
    expect(described.pid).toBe(pid);
    expect(described.script).toBe(REAL_WORKER);
    expect(described.nodeArgs).toEqual([...DEFAULT_WORKER_NODE_ARGS]);
    // Inside the process: the bundle is the module running, with exactly those flags and no loader.
    const runtime = await waitFor('the worker starting line', () => runtimeLogged('launch-built'));
    expect(runtime.entry).toBe(REAL_WORKER);
    expect(runtime.execArgv).toEqual([...DEFAULT_WORKER_NODE_ARGS]);
  });

  it('a TypeScript entry point (a test fixture) still runs, through tsx and with the same flags', async () => {
    // The positive control of "no tsx" above: the same reading finds the loader when it is there.
    const tsApp = await buildTestApp(stack, {}, workerEnv({ WORKER_SCRIPT: FIXTURE_WORKER }));
    try {
      const pid = await start(tsApp, 'launch-ts');
      const described = pm2Description(workerAppName('launch-ts'));
      expect(described.pid).toBe(pid);
      expect(described.script).toBe(FIXTURE_WORKER);
      expect(described.nodeArgs.slice(0, DEFAULT_WORKER_NODE_ARGS.length)).toEqual([
        ...DEFAULT_WORKER_NODE_ARGS,
      ]);
      expect(described.nodeArgs.slice(-2)).toEqual(['--import', expect.stringMatching(/^file:\/\/.*tsx/)]);
    } finally {
      await tsApp.close();
    }
  });
});
