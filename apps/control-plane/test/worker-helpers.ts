import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbClient } from '@wa-fleet/db';
import { waitFor } from '@wa-fleet/devstack';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The worker's build, as production runs it (the control plane rebuilds it when stale before a start). */
export const REAL_WORKER = path.resolve(here, '../../worker/dist/main.mjs');
export const FIXTURE_WORKER = path.join(here, 'fixtures/heartbeat-worker.ts');

/**
 * The acceptance suites run the real worker (simulator engine). CP_TEST_FIXTURE_WORKER=1 swaps in the
 * heartbeat-only fixture, for working on PM2 wiring while the worker is broken.
 */
export function workerScript(): string {
  if (process.env.CP_TEST_FIXTURE_WORKER === '1') return FIXTURE_WORKER;
  return REAL_WORKER;
}

/** Fast worker settings for tests: quick heartbeats, simulator links at once, no random traffic. */
export function workerEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    WORKER_SCRIPT: workerScript(),
    HEARTBEAT_INTERVAL_MS: '300',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
    WORKER_KILL_TIMEOUT_MS: '4000',
    WORKER_LISTEN_TIMEOUT_MS: '20000',
    SIM_LINK_DELAY_MS: '100',
    SIM_INBOUND_PER_MIN: '0',
    ...overrides,
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process not reaped yet (a zombie: its parent died first, and whoever adopted it has not
  // collected it) still answers signal 0, but it is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat'); // no procfs: signal 0 is all there is
  }
}

export async function workerRow(db: DbClient, tenantId: string) {
  return db.workerProcess.findUniqueOrThrow({ where: { tenantId } });
}

export function waitForStatus(db: DbClient, tenantId: string, status: string, timeoutMs = 10_000) {
  return waitFor(
    `worker ${tenantId} ${status}`,
    async () => {
      const row = await workerRow(db, tenantId);
      return row.status === status ? row : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}
