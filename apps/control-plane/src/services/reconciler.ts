import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from './audit.ts';
import { slugOfWorkerAppName, workerAppName } from '@wa-fleet/shared';
import type { ProcessDriver } from './process-driver.ts';

export interface ReconcileResult {
  missing: string[];
  orphansStopped: string[];
  stopped: string[];
  startFailed: string[];
  /** Workers of DISABLED tenants found running, and stopped. */
  disabledStopped: string[];
}

/**
 * Brings the database and the process driver to agree. The driver is the truth about processes, the database about intent:
 * - RUNNING in the database, no live process: ERROR "process missing" (tenant ERROR too);
 * - STOPPING with no process left (a control plane died mid-stop): STOPPED;
 * - STARTING for longer than the listen timeout with no process: ERROR "start failed";
 * - a worker process whose tenant no longer exists: deleted;
 * - a worker process of a DISABLED tenant (its stop failed, or the control plane died before it ran):
 *   stopped, its row STOPPED;
 * - tenant ERROR while its worker is RUNNING again (recovered): ACTIVE.
 * Every change is a conditional UPDATE, so a worker's own concurrent write is never overwritten.
 */
export async function reconcileWorkers(deps: {
  db: DbClient;
  driver: ProcessDriver;
  config: ControlPlaneConfig;
  log: Logger;
}): Promise<ReconcileResult> {
  const { db, driver, config, log } = deps;
  const result: ReconcileResult = {
    missing: [],
    orphansStopped: [],
    stopped: [],
    startFailed: [],
    disabledStopped: [],
  };
  // A worker started after this instant may be RUNNING before the driver's list shows it: leave it alone.
  const [{ now: listedAt }] = await db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
  const apps = (await driver.list()).filter((p) => slugOfWorkerAppName(p.name) !== undefined);
  const liveNames = apps.filter((p) => p.state === 'running' || p.state === 'starting').map((p) => p.name);
  const presentNames = apps.filter((p) => p.state !== 'stopped').map((p) => p.name);

  const missing = await db.$queryRaw<{ tenant_id: string; slug: string }[]>`
    WITH gone AS (
      UPDATE worker_processes w SET status = 'ERROR', last_error = 'process missing', pid = NULL, updated_at = now()
      FROM tenants t
      WHERE t.id = w.tenant_id AND w.status = 'RUNNING' AND NOT (w.pm2_name = ANY(${liveNames}::text[]))
        AND (w.started_at IS NULL OR w.started_at < ${listedAt})
      RETURNING w.tenant_id
    ), marked AS (
      UPDATE tenants t SET status = 'ERROR', updated_at = now() FROM gone
      WHERE t.id = gone.tenant_id AND t.status = 'ACTIVE' RETURNING t.id
    )
    SELECT gone.tenant_id::text AS tenant_id, t.slug FROM gone JOIN tenants t ON t.id = gone.tenant_id`;
  for (const row of missing) {
    result.missing.push(row.slug);
    log.warn({ tenant: row.slug }, 'worker process missing: marked ERROR');
    await writeAudit(db, {
      actor: 'system:reconciler',
      action: 'worker.process_missing',
      tenantId: row.tenant_id,
      tenantSlug: row.slug,
    });
  }

  const stopped = await db.$queryRaw<{ pm2_name: string }[]>`
    UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now()
    WHERE status = 'STOPPING' AND NOT (pm2_name = ANY(${presentNames}::text[]))
      AND updated_at < now() - make_interval(secs => ${config.WORKER_KILL_TIMEOUT_MS}::int / 1000.0)
    RETURNING pm2_name`;
  result.stopped = stopped.map((r) => r.pm2_name);

  const failed = await db.$queryRaw<{ tenant_id: string; pm2_name: string }[]>`
    UPDATE worker_processes SET status = 'ERROR', last_error = 'start failed: no process after listen timeout',
      updated_at = now()
    WHERE status = 'STARTING' AND NOT (pm2_name = ANY(${presentNames}::text[]))
      AND updated_at < now() - make_interval(secs => ${config.WORKER_LISTEN_TIMEOUT_MS}::int / 1000.0)
    RETURNING tenant_id::text AS tenant_id, pm2_name`;
  result.startFailed = failed.map((r) => r.pm2_name);

  const known = new Set(
    (await db.tenant.findMany({ select: { slug: true } })).map((t) => workerAppName(t.slug)),
  );
  for (const app of apps) {
    if (known.has(app.name)) continue;
    await driver.delete(app.name);
    result.orphansStopped.push(app.name);
    log.warn({ app: app.name }, 'worker of a deleted tenant stopped');
    await writeAudit(db, {
      actor: 'system:reconciler',
      action: 'worker.orphan_stopped',
      details: { app: app.name },
    });
  }

  // Disabled means down. A worker started after the list was taken is left for the next pass (the
  // tenant may have been enabled and started meanwhile).
  const disabled = await db.$queryRaw<{ tenant_id: string; slug: string; pm2_name: string }[]>`
    SELECT w.tenant_id::text AS tenant_id, t.slug, w.pm2_name
    FROM worker_processes w JOIN tenants t ON t.id = w.tenant_id
    WHERE t.status = 'DISABLED' AND w.pm2_name = ANY(${presentNames}::text[])
      AND (w.started_at IS NULL OR w.started_at < ${listedAt})`;
  for (const row of disabled) {
    await driver.delete(row.pm2_name);
    await db.$executeRaw`
      UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now()
      WHERE tenant_id = ${row.tenant_id}::uuid AND status IN ('STARTING', 'RUNNING', 'STOPPING', 'ERROR')`;
    result.disabledStopped.push(row.slug);
    log.warn({ tenant: row.slug, app: row.pm2_name }, 'worker of a disabled tenant was running: stopped');
    await writeAudit(db, {
      actor: 'system:reconciler',
      action: 'worker.disabled_stopped',
      tenantId: row.tenant_id,
      tenantSlug: row.slug,
      details: { app: row.pm2_name },
    });
  }

  await db.$executeRaw`
    UPDATE tenants t SET status = 'ACTIVE', updated_at = now()
    FROM worker_processes w
    WHERE w.tenant_id = t.id AND t.status = 'ERROR' AND w.status = 'RUNNING'`;
  return result;
}
