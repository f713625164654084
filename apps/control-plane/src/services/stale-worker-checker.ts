import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from './audit.ts';

export interface StaleWorker {
  tenantId: string;
  tenantSlug: string;
  pid: number | null;
  lastHeartbeatAt: Date | null;
  heartbeatAgeMs: number | null;
}

/**
 * Marks RUNNING workers whose last heartbeat (database clock) is older than `staleAfterMs` as ERROR,
 * and their tenants too, in ONE statement. Two control planes may run this at the same moment: the row
 * lock makes the second UPDATE re-check `status = 'RUNNING'` after the first committed, so each stale
 * worker is returned (and therefore logged and audited) by exactly one of them.
 */
export async function markStaleWorkers(db: DbClient, staleAfterMs: number): Promise<StaleWorker[]> {
  const rows = await db.$queryRaw<
    {
      tenant_id: string;
      slug: string;
      pid: number | null;
      last_heartbeat_at: Date | null;
      age_ms: number | null;
    }[]
  >`
    WITH stale AS (
      UPDATE worker_processes w
      SET status = 'ERROR',
          last_error = 'heartbeat stale: no heartbeat for '
            || COALESCE(floor(extract(epoch FROM now() - w.last_heartbeat_at) * 1000)::bigint::text || ' ms', 'ever')
            || ' (limit ' || ${staleAfterMs}::int || ' ms)',
          updated_at = now()
      WHERE w.status = 'RUNNING'
        AND (w.last_heartbeat_at IS NULL
             OR w.last_heartbeat_at < now() - make_interval(secs => ${staleAfterMs}::int / 1000.0))
      RETURNING w.tenant_id, w.pid, w.last_heartbeat_at
    ), marked_tenants AS (
      UPDATE tenants t SET status = 'ERROR', updated_at = now()
      FROM stale WHERE t.id = stale.tenant_id AND t.status = 'ACTIVE'
      RETURNING t.id
    )
    SELECT stale.tenant_id::text AS tenant_id, t.slug, stale.pid, stale.last_heartbeat_at,
      floor(extract(epoch FROM now() - stale.last_heartbeat_at) * 1000)::float8 AS age_ms
    FROM stale JOIN tenants t ON t.id = stale.tenant_id`;
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    tenantSlug: r.slug,
    pid: r.pid,
    lastHeartbeatAt: r.last_heartbeat_at,
    heartbeatAgeMs: r.age_ms,
  }));
}

/** One checker pass: mark, then one warning line and one audit entry per worker this pass marked. */
export async function checkStaleWorkers(
  db: DbClient,
  staleAfterMs: number,
  log: Logger,
): Promise<StaleWorker[]> {
  const marked = await markStaleWorkers(db, staleAfterMs);
  for (const worker of marked) {
    log.warn(
      { tenant: worker.tenantSlug, pid: worker.pid, heartbeatAgeMs: worker.heartbeatAgeMs, staleAfterMs },
      'worker heartbeat stale: marked ERROR',
    );
    await writeAudit(db, {
      actor: 'system:stale-checker',
      action: 'worker.stale',
      tenantId: worker.tenantId,
      tenantSlug: worker.tenantSlug,
      details: {
        pid: worker.pid,
        heartbeatAgeMs: worker.heartbeatAgeMs,
        lastHeartbeatAt: worker.lastHeartbeatAt?.toISOString() ?? null,
        staleAfterMs,
      },
    });
  }
  return marked;
}
