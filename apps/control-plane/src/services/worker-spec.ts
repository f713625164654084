import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ControlPlaneConfig } from '@wa-fleet/config';
import { findRepoRoot, workerAppName } from '@wa-fleet/shared';
import type { WorkerProcessSpec } from './process-driver.ts';
import type { TenantRef } from './tenant-resolver.ts';

const require = createRequire(import.meta.url);
/** tsx's ESM loader by absolute URL, so workers start the same whatever the driver's or our cwd is. */
const TSX_LOADER_URL = pathToFileURL(require.resolve('tsx')).href;

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

/** The neutral spec of a tenant's worker; the driver turns it into its own options. */
export function buildWorkerSpec(config: ControlPlaneConfig, tenant: TenantRef): WorkerProcessSpec {
  const name = workerAppName(tenant.slug);
  const logFiles = workerStdioFiles(config, name);
  mkdirSync(path.dirname(logFiles.out), { recursive: true });
  return {
    name,
    script: config.WORKER_SCRIPT,
    interpreterArgs: ['--import', TSX_LOADER_URL],
    args: [],
    cwd: findRepoRoot(),
    env: workerEnv(config, tenant),
    maxMemoryMb: config.WORKER_MAX_MEMORY_MB,
    killTimeoutMs: config.WORKER_KILL_TIMEOUT_MS,
    restartBackoffMs: config.WORKER_RESTART_BACKOFF_MS,
    logFiles,
  };
}
