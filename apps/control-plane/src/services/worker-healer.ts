import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from './audit.ts';
import type { WorkerLifecycle } from './worker-lifecycle.ts';

// Self-healing for hung workers. The stale checker marks a silent worker ERROR with a last_error that
// starts with STALE_PREFIX; this pass kills it and starts a new one, with a back-off and a cap counted
// from the audit log (so a control plane restart does not reset them). Each restart is claimed by one
// conditional UPDATE (ERROR -> STARTING), so two control planes never restart the same worker twice.

export const STALE_PREFIX = 'heartbeat stale';
const RESTART_ACTION = 'worker.auto_restart';
const CAPPED_ACTION = 'worker.auto_restart_capped';
const HOUR_MS = 3_600_000;

export interface HealResult {
  restarted: string[];
  capped: string[];
  waiting: string[];
}

/** The wait before the next automatic restart, given how many were done in the last hour. */
export function restartDelayMs(restartsInLastHour: number, backoffMs: number): number {
  if (restartsInLastHour <= 0) return 0;
  return backoffMs * 2 ** Math.min(restartsInLastHour - 1, 20);
}

export async function healStaleWorkers(deps: {
  db: DbClient;
  workers: WorkerLifecycle;
  config: ControlPlaneConfig;
  log: Logger;
}): Promise<HealResult> {
  const { db, workers, config, log } = deps;
  const result: HealResult = { restarted: [], capped: [], waiting: [] };
  const cap = config.WORKER_AUTO_RESTART_MAX_PER_HOUR;
  if (cap === 0) return result;
  const candidates = await db.workerProcess.findMany({
    // A DISABLED tenant stays down: its hung worker is the reconciler's to stop, never restarted here.
    where: {
      status: 'ERROR',
      lastError: { startsWith: STALE_PREFIX },
      tenant: { status: { not: 'DISABLED' } },
    },
    select: {
      tenantId: true,
      pid: true,
      lastError: true,
      tenant: { select: { slug: true, name: true, engine: true } },
    },
  });
  for (const candidate of candidates) {
    const tenant = { id: candidate.tenantId, ...candidate.tenant };
    const [{ now }] = await db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
    const recent = await db.auditLog.findMany({
      where: {
        tenantId: tenant.id,
        action: RESTART_ACTION,
        createdAt: { gt: new Date(now.getTime() - HOUR_MS) },
      },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    const reason = candidate.lastError ?? STALE_PREFIX;
    if (recent.length >= cap) {
      const message = `not restarted: ${recent.length} automatic restarts in the last hour (cap ${cap}); start it by hand. Last: ${reason}`;
      const marked = await db.workerProcess.updateMany({
        where: { tenantId: tenant.id, status: 'ERROR', lastError: reason },
        data: { lastError: message.slice(0, 2000) },
      });
      if (marked.count === 0) continue;
      result.capped.push(tenant.slug);
      log.error(
        { tenant: tenant.slug, restarts: recent.length, cap },
        'worker hung again: restart cap reached',
      );
      await writeAudit(db, {
        actor: 'system:self-healing',
        action: CAPPED_ACTION,
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        details: { restartsInLastHour: recent.length, cap, reason },
      });
      continue;
    }
    const delayMs = restartDelayMs(recent.length, config.WORKER_AUTO_RESTART_BACKOFF_MS);
    const last = recent[0]?.createdAt;
    if (last && now.getTime() - last.getTime() < delayMs) {
      result.waiting.push(tenant.slug);
      continue;
    }
    const attempt = recent.length + 1;
    const startReason = `automatic restart ${attempt} of ${cap} per hour after: ${reason}`.slice(0, 2000);
    const claimed = await db.$executeRaw`
      UPDATE worker_processes SET status = 'STARTING', last_error = ${startReason}, pid = NULL,
        started_at = now(), updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status = 'ERROR' AND last_error = ${reason}`;
    if (claimed === 0) continue;
    await db.tenant.updateMany({ where: { id: tenant.id, status: 'ERROR' }, data: { status: 'ACTIVE' } });
    result.restarted.push(tenant.slug);
    log.warn(
      { tenant: tenant.slug, pid: candidate.pid, attempt, cap },
      'hung worker: killing and restarting',
    );
    await writeAudit(db, {
      actor: 'system:self-healing',
      action: RESTART_ACTION,
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      details: { attempt, cap, killedPid: candidate.pid, reason, delayMs },
    });
    workers.recover(tenant);
  }
  return result;
}
