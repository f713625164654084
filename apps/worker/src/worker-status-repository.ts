// The worker's writes to worker_processes, whatsapp_sessions and tenants. Each status change is one
// conditional statement on the database clock: the control plane writes the same rows, and a
// read-then-write here could undo what it just decided (e.g. turn STOPPING back into RUNNING).
import type { DbClient } from '@wa-fleet/db';
import { workerAppName } from '@wa-fleet/shared';

export interface HeartbeatResult {
  previous: string;
  current: string;
}

export class WorkerStatusRepository {
  private readonly db: DbClient;
  private readonly tenantId: string;
  private readonly slug: string;

  constructor(db: DbClient, tenant: { id: string; slug: string }) {
    this.db = db;
    this.tenantId = tenant.id;
    this.slug = tenant.slug;
  }

  /** Creates the worker and session rows when the control plane has not (quick start, tests). */
  async ensureRows(): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO worker_processes (id, tenant_id, pm2_name, status, updated_at)
      VALUES (gen_random_uuid(), ${this.tenantId}::uuid, ${workerAppName(this.slug)}, 'STOPPED', now())
      ON CONFLICT (tenant_id) DO NOTHING`;
    await this.db.$executeRaw`
      INSERT INTO whatsapp_sessions (id, tenant_id, state, updated_at)
      VALUES (gen_random_uuid(), ${this.tenantId}::uuid, 'DISCONNECTED', now())
      ON CONFLICT (tenant_id) DO NOTHING`;
  }

  /**
   * This process is starting. A row left STOPPED or ERROR (started outside the control plane, or
   * restarted by PM2 after a crash) becomes STARTING; STOPPING is left alone (a stop is under way).
   */
  async markStarting(pid: number): Promise<void> {
    await this.db.$executeRaw`
      UPDATE worker_processes
      SET status = CASE WHEN status IN ('STOPPED', 'ERROR') THEN 'STARTING'::"WorkerStatus" ELSE status END,
          pid = ${pid}, started_at = now(), updated_at = now()
      WHERE tenant_id = ${this.tenantId}::uuid`;
  }

  /**
   * One beat: heartbeat time from the database clock, our pid, and STARTING/ERROR -> RUNNING. A tenant
   * the stale checker flagged ERROR together with its worker is ACTIVE again once the worker recovers.
   * Returns the status before and after (undefined when the row is gone).
   */
  async beat(pid: number): Promise<HeartbeatResult | undefined> {
    const rows = await this.db.$queryRaw<HeartbeatResult[]>`
      WITH prev AS (
        SELECT id, status FROM worker_processes WHERE tenant_id = ${this.tenantId}::uuid FOR UPDATE
      ), beat AS (
        UPDATE worker_processes w
        SET last_heartbeat_at = now(), pid = ${pid}, updated_at = now(),
            status = CASE WHEN prev.status IN ('STARTING', 'ERROR') THEN 'RUNNING'::"WorkerStatus" ELSE prev.status END
        FROM prev WHERE w.id = prev.id
        RETURNING prev.status::text AS previous, w.status::text AS current
      ), tenant AS (
        UPDATE tenants SET status = 'ACTIVE', updated_at = now()
        WHERE id = ${this.tenantId}::uuid AND status = 'ERROR'
          AND EXISTS (SELECT 1 FROM beat WHERE previous = 'ERROR' AND current = 'RUNNING')
      )
      SELECT previous, current FROM beat`;
    return rows[0];
  }

  /** Graceful exit: STOPPED from any live status; the session is no longer connected either. */
  async markStopped(): Promise<void> {
    await this.db.$executeRaw`
      UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now()
      WHERE tenant_id = ${this.tenantId}::uuid AND status IN ('STARTING', 'RUNNING', 'STOPPING', 'ERROR')`;
    await this.db.$executeRaw`
      UPDATE whatsapp_sessions SET state = 'DISCONNECTED', last_qr = NULL, updated_at = now()
      WHERE tenant_id = ${this.tenantId}::uuid AND state IN ('QR', 'CONNECTED')`;
  }

  /** Fatal error: ERROR with the reason (kept even when a stop was under way: it explains the exit). */
  async markError(message: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE worker_processes
      SET last_error = ${message.slice(0, 2000)}, updated_at = now(),
          status = CASE WHEN status IN ('STARTING', 'RUNNING') THEN 'ERROR'::"WorkerStatus" ELSE status END
      WHERE tenant_id = ${this.tenantId}::uuid`;
    await this.db.$executeRaw`
      UPDATE whatsapp_sessions SET state = 'DISCONNECTED', last_qr = NULL, updated_at = now()
      WHERE tenant_id = ${this.tenantId}::uuid AND state IN ('QR', 'CONNECTED')`;
  }
}
