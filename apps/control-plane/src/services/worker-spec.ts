import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKER_BUNDLE, type ControlPlaneConfig } from '@wa-fleet/config';
import { findRepoRoot, workerAppName } from '@wa-fleet/shared';
import type { WorkerProcessSpec } from './process-driver.ts';
import type { TenantRef } from './tenant-resolver.ts';

const require = createRequire(import.meta.url);
/** tsx's ESM loader by absolute URL, so workers start the same whatever the driver's or our cwd is. */
const TSX_LOADER_URL = pathToFileURL(require.resolve('tsx')).href;
/** Builds WORKER_BUNDLE (`--if-stale`: only when it is missing or older than one of its inputs). */
export const WORKER_BUILD_SCRIPT = path.join(path.dirname(WORKER_BUNDLE), '..', 'scripts', 'build.mjs');
/** A build found fresh is taken as fresh for this long: a burst of starts checks once. */
const BUILD_CHECK_REUSE_MS = 2_000;

/**
 * A worker's whole environment, built from an allow-list: what the worker's config reads, and nothing
 * of the control plane's own (ADMIN_API_KEY, PORTAL_INTERNAL_KEY, SESSION_SECRET, ...). The driver adds
 * nothing to it, so this is also what the Chromium a worker launches inherits.
 */
export function workerEnv(config: ControlPlaneConfig, tenant: TenantRef): Record<string, string> {
  return {
    ...config.WORKER_PASSTHROUGH_ENV,
    NODE_ENV: config.NODE_ENV,
    TENANT_ID: tenant.id,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    LOG_DIR: config.LOG_DIR,
    LOG_LEVEL: config.LOG_LEVEL,
    WA_ENGINE: tenant.engine ?? config.WA_ENGINE,
    HEARTBEAT_INTERVAL_MS: String(config.HEARTBEAT_INTERVAL_MS),
    SHUTDOWN_GRACE_MS: String(config.WORKER_SHUTDOWN_GRACE_MS),
  };
}

/** Where a worker's stdout and stderr go (LOG_DIR/pm2 kept as the folder name: operators know it). */
export function workerStdioFiles(config: ControlPlaneConfig, name: string): { out: string; err: string } {
  const dir = path.join(config.LOG_DIR, 'pm2');
  return { out: path.join(dir, `${name}-out.log`), err: path.join(dir, `${name}-error.log`) };
}

/** A TypeScript entry point (a test fixture, a debugging session) runs through tsx; built JS does not. */
function isTypeScript(script: string): boolean {
  return /\.[cm]?tsx?$/.test(script);
}

/**
 * The neutral spec of a tenant's worker; the driver turns it into its own options. The worker runs as
 * `node <WORKER_NODE_ARGS> apps/worker/dist/main.mjs`: built JavaScript, no TypeScript loader in the
 * process (ARCHITECTURE.md, "How workers are launched").
 */
export function buildWorkerSpec(config: ControlPlaneConfig, tenant: TenantRef): WorkerProcessSpec {
  const name = workerAppName(tenant.slug);
  const logFiles = workerStdioFiles(config, name);
  mkdirSync(path.dirname(logFiles.out), { recursive: true });
  const script = config.WORKER_SCRIPT;
  return {
    name,
    script,
    interpreterArgs: [
      ...config.WORKER_NODE_ARGS,
      ...(isTypeScript(script) ? ['--import', TSX_LOADER_URL] : []),
    ],
    args: [],
    cwd: findRepoRoot(),
    env: workerEnv(config, tenant),
    maxMemoryMb: config.WORKER_MAX_MEMORY_MB,
    killTimeoutMs: config.WORKER_KILL_TIMEOUT_MS,
    restartBackoffMs: config.WORKER_RESTART_BACKOFF_MS,
    logFiles,
  };
}

let buildCheck: { done: Promise<void>; at: number } | undefined;

/**
 * Makes sure the script a spec runs is there and current before the driver starts it: the worker's build
 * is rebuilt when one of its sources (or dependencies) changed since, so a worker never runs code older
 * than the checkout. Concurrent starts share one check. Rejects with the build's own words when the build
 * fails; other scripts are left to the driver (a missing one fails the start like before).
 */
export async function prepareWorkerScript(spec: WorkerProcessSpec): Promise<void> {
  if (path.resolve(spec.script) !== WORKER_BUNDLE) return;
  const now = Date.now();
  if (!buildCheck || now - buildCheck.at > BUILD_CHECK_REUSE_MS) {
    const done = runBuildIfStale();
    buildCheck = { done, at: Number.POSITIVE_INFINITY };
    done.then(
      () => {
        if (buildCheck?.done === done) buildCheck.at = Date.now();
      },
      () => {
        if (buildCheck?.done === done) buildCheck = undefined;
      },
    );
  }
  await buildCheck.done;
}

function runBuildIfStale(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER_BUILD_SCRIPT, '--if-stale'], {
      cwd: path.dirname(WORKER_BUILD_SCRIPT),
      // The build needs nothing of ours: PATH and HOME only (no secret in the build's environment).
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const said = stderr.trim().split('\n').filter(Boolean).pop();
        reject(new Error(said ?? `worker build exited with ${signal ?? code}`));
      }
    });
  });
}
