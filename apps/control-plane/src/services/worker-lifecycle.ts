import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { workerAppName, type WorkerStatus } from '@wa-fleet/shared';
import { AppError, notFound } from '../errors.ts';
import { writeAudit } from './audit.ts';
import type { ProcessDriver } from './process-driver.ts';
import { assertTenantEnabled, tenantDisabled, type TenantRef } from './tenant-resolver.ts';
import { buildWorkerSpec, prepareWorkerScript } from './worker-spec.ts';

// Lifecycle actions answer 202 at once and finish in the background, because a start waits for the
// worker's first heartbeat and a stop for its graceful shutdown. Every status change is a conditional
// UPDATE, so two control planes (or a worker writing its own status) never overwrite a newer state with
// an older one. Actions on one tenant run one after another inside this process.
//
// Readiness is the worker's first heartbeat in PostgreSQL (RUNNING, heartbeat newer than the launch),
// polled here, not a driver's signal: any process driver starts workers the same way.
//
// The answer to a start is only the recorded intent (STARTING, one statement, plus the audit entry): the
// launch itself waits for one of WORKER_START_CONCURRENCY launch slots, so a burst of starts neither
// starves this process of CPU (every booting worker competes for it) nor makes the requests wait. A
// start in progress (waiting for a slot, or launching) renews its row's updated_at, so the reconciler's
// "STARTING with no process after the listen timeout" rule only catches starts whose control plane is gone.

const READY_POLL_MS = 200;

export type LifecycleAction = 'start' | 'stop' | 'restart';

export interface WorkerLifecycleDeps {
  config: ControlPlaneConfig;
  db: DbClient;
  driver: ProcessDriver;
  log: Logger;
  /** Called after a process was started or removed (the process view refreshes). */
  onProcessChange?: () => void;
}

export class WorkerLifecycle {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  /** Launch slots in use, and the launches waiting for one (first come, first served). */
  private launching = 0;
  private readonly slotQueue: (() => void)[] = [];
  /** Tenants whose start this process is working on (waiting for a slot, or launching): renewed. */
  private readonly ownStarts = new Set<string>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: WorkerLifecycleDeps) {}

  /** Accepts the action, writes the first transition and the audit entry; the rest runs in background. */
  async request(tenant: TenantRef, action: LifecycleAction, actor: string): Promise<WorkerStatus> {
    let status: WorkerStatus;
    if (action === 'start') {
      status = await this.acceptStart(tenant);
    } else {
      // A DISABLED tenant's worker may be stopped, never started: it stays down until enabled again.
      if (action !== 'stop') await assertTenantEnabled(this.deps.db, tenant, `cannot ${action} its worker`);
      await this.ensureRow(tenant);
      status = await this.claimStop(tenant);
    }
    await writeAudit(this.deps.db, {
      actor,
      action: `worker.${action}`,
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      details: { status },
    });
    if (action === 'start' && status === 'STARTING') this.enqueue(tenant, () => this.launch(tenant));
    if (action === 'stop') this.enqueue(tenant, () => this.terminate(tenant));
    if (action === 'restart') {
      this.enqueue(tenant, async () => {
        await this.terminate(tenant);
        if ((await this.claimStart(tenant)) === 'STARTING') await this.launch(tenant);
      });
    }
    return status;
  }

  /** Stops a tenant's process before its rows go away (tenant deletion). Waits for the process to exit. */
  async removeProcess(tenant: TenantRef): Promise<void> {
    await this.runExclusive(tenant.id, () => this.deps.driver.delete(workerAppName(tenant.slug)));
  }

  /** Waits for every background action (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private enqueue(tenant: TenantRef, job: () => Promise<void>): void {
    const done = this.runExclusive(tenant.id, job).catch((err: unknown) =>
      this.deps.log.error({ err, tenant: tenant.slug }, 'worker lifecycle action failed'),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private runExclusive(tenantId: string, job: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(tenantId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(job);
    this.chains.set(tenantId, next);
    void next
      .finally(() => {
        if (this.chains.get(tenantId) === next) this.chains.delete(tenantId);
      })
      .catch(() => undefined);
    return next;
  }

  /**
   * start: the enabled check, STOPPED/ERROR -> STARTING and the tenant's ERROR -> ACTIVE in one statement
   * (the row is created first only when the tenant has none yet).
   */
  private async acceptStart(tenant: TenantRef): Promise<WorkerStatus> {
    for (let attempt = 0; ; attempt++) {
      const [row] = await this.deps.db.$queryRaw<
        { tenant_status: string; worker_status: WorkerStatus | null; claimed: boolean }[]
      >`
        WITH t AS (SELECT id, status FROM tenants WHERE id = ${tenant.id}::uuid),
        claimed AS (
          UPDATE worker_processes w SET status = 'STARTING', last_error = NULL, pid = NULL,
            started_at = now(), updated_at = now()
          FROM t
          WHERE w.tenant_id = t.id AND t.status <> 'DISABLED' AND w.status IN ('STOPPED', 'ERROR')
          RETURNING w.tenant_id
        ), reactivated AS (
          UPDATE tenants SET status = 'ACTIVE', updated_at = now()
          WHERE id IN (SELECT tenant_id FROM claimed) AND status = 'ERROR'
          RETURNING id
        )
        SELECT t.status::text AS tenant_status,
          (SELECT w.status::text FROM worker_processes w WHERE w.tenant_id = t.id) AS worker_status,
          EXISTS (SELECT 1 FROM claimed) AS claimed
        FROM t`;
      if (!row) throw notFound(`tenant ${tenant.slug}`);
      if (row.tenant_status === 'DISABLED') throw tenantDisabled(tenant.slug, 'cannot start its worker');
      if (row.claimed) return 'STARTING';
      if (row.worker_status === null && attempt === 0) {
        await this.ensureRow(tenant);
        continue;
      }
      if (row.worker_status === 'STOPPING')
        throw new AppError('CONFLICT', 'worker is stopping; start it again once it stopped');
      return row.worker_status ?? 'STOPPED';
    }
  }

  /** Waits for a launch slot (WORKER_START_CONCURRENCY at once); the returned function frees it. */
  private async launchSlot(): Promise<() => void> {
    if (this.launching >= this.deps.config.WORKER_START_CONCURRENCY) {
      await new Promise<void>((resolve) => this.slotQueue.push(resolve));
    } else {
      this.launching++;
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const next = this.slotQueue.shift();
      if (next) next();
      else this.launching--;
    };
  }

  /** Keeps the STARTING rows of starts in progress fresh, so no reconciler takes them for abandoned. */
  private renewOwnStarts(): void {
    if (this.renewTimer) return;
    const every = Math.max(250, Math.floor(this.deps.config.WORKER_LISTEN_TIMEOUT_MS / 3));
    this.renewTimer = setInterval(() => {
      if (this.ownStarts.size === 0) {
        clearInterval(this.renewTimer);
        this.renewTimer = undefined;
        return;
      }
      const ids = [...this.ownStarts];
      void this.deps.db.$executeRaw`
        UPDATE worker_processes SET updated_at = now()
        WHERE tenant_id = ANY(${ids}::uuid[]) AND status = 'STARTING'`.catch((err: unknown) =>
        this.deps.log.warn({ err }, 'renewing waiting starts failed'),
      );
    }, every);
    this.renewTimer.unref();
  }

  private async ensureRow(tenant: TenantRef): Promise<void> {
    await this.deps.db.workerProcess.upsert({
      where: { tenantId: tenant.id },
      create: { tenantId: tenant.id, pm2Name: workerAppName(tenant.slug) },
      update: {},
    });
  }

  /** STOPPED/ERROR -> STARTING. A worker already up stays as it is (start is idempotent). */
  private async claimStart(tenant: TenantRef): Promise<WorkerStatus> {
    const rows = await this.deps.db.$queryRaw<{ status: WorkerStatus }[]>`
      UPDATE worker_processes SET status = 'STARTING', last_error = NULL, pid = NULL,
        started_at = now(), updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status IN ('STOPPED', 'ERROR')
      RETURNING status`;
    if (rows.length > 0) {
      await this.deps.db.tenant.updateMany({
        where: { id: tenant.id, status: 'ERROR' },
        data: { status: 'ACTIVE' },
      });
      return 'STARTING';
    }
    const current = await this.currentStatus(tenant.id);
    if (current === 'STOPPING')
      throw new AppError('CONFLICT', 'worker is stopping; start it again once it stopped');
    return current;
  }

  /** Anything but STOPPED -> STOPPING. */
  private async claimStop(tenant: TenantRef): Promise<WorkerStatus> {
    const rows = await this.deps.db.$queryRaw<{ status: WorkerStatus }[]>`
      UPDATE worker_processes SET status = 'STOPPING', updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status IN ('STARTING', 'RUNNING', 'ERROR')
      RETURNING status`;
    return rows.length > 0 ? 'STOPPING' : this.currentStatus(tenant.id);
  }

  private async currentStatus(tenantId: string): Promise<WorkerStatus> {
    const row = await this.deps.db.workerProcess.findUnique({
      where: { tenantId },
      select: { status: true },
    });
    return row?.status ?? 'STOPPED';
  }

  /**
   * Self-healing: kills the hung process of a worker the caller already moved ERROR -> STARTING (one
   * conditional UPDATE, so only one control plane does it), then starts a new one.
   */
  recover(tenant: TenantRef): void {
    this.enqueue(tenant, async () => {
      await this.deps.driver.kill(workerAppName(tenant.slug));
      await this.launch(tenant);
    });
  }

  private async launch(tenant: TenantRef): Promise<void> {
    // From here until the launch is decided the row is renewed: this control plane is working on it.
    this.ownStarts.add(tenant.id);
    this.renewOwnStarts();
    try {
      const release = await this.launchSlot();
      try {
        await this.launchInSlot(tenant);
      } finally {
        release();
        this.deps.onProcessChange?.();
      }
    } finally {
      this.ownStarts.delete(tenant.id);
    }
  }

  private async launchInSlot(tenant: TenantRef): Promise<void> {
    const { config, driver, db, log } = this.deps;
    // While it waited for a slot a stop may have come in (or another control plane decided): only a
    // start still wanted is launched, with its clock reset.
    const stillWanted = await db.$executeRaw`
      UPDATE worker_processes SET started_at = now(), updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status = 'STARTING'`;
    if (stillWanted === 0) return;
    const spec = buildWorkerSpec(config, tenant);
    // A leftover process (crashed, or from before a control plane restart) would make the start fail.
    await driver.delete(spec.name);
    const [{ now: launchedAt }] = await db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
    let failure: string | undefined;
    try {
      await prepareWorkerScript(spec);
      await driver.start(spec);
      failure = await this.waitForFirstHeartbeat(tenant, spec.name, launchedAt);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    if (failure === undefined) {
      log.info({ tenant: tenant.slug }, 'worker started');
      return;
    }
    log.error({ tenant: tenant.slug, reason: failure }, 'worker start failed');
    const marked = await db.$executeRaw`
      UPDATE worker_processes SET status = 'ERROR', last_error = ${`start failed: ${failure}`.slice(0, 500)},
        pid = NULL, updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status = 'STARTING'`;
    // A process that never reported in is not left to crash-loop or to come up unwatched.
    if (marked > 0) await driver.delete(spec.name);
  }

  /** undefined once RUNNING with a fresh heartbeat (or someone else decided); else why not, readably. */
  private async waitForFirstHeartbeat(
    tenant: TenantRef,
    name: string,
    launchedAt: Date,
  ): Promise<string | undefined> {
    const { config, db, driver } = this.deps;
    const deadline = Date.now() + config.WORKER_LISTEN_TIMEOUT_MS;
    for (;;) {
      const row = await db.workerProcess.findUnique({
        where: { tenantId: tenant.id },
        select: { status: true, lastHeartbeatAt: true },
      });
      if (!row) return undefined;
      if (row.status === 'RUNNING' && row.lastHeartbeatAt && row.lastHeartbeatAt > launchedAt)
        return undefined;
      // STOPPING (a stop came in), STOPPED, or ERROR written by the worker itself: not ours to judge.
      if (row.status !== 'STARTING' && row.status !== 'RUNNING') return undefined;
      if (Date.now() >= deadline) {
        const proc = await driver.find(name).catch(() => undefined);
        const seen = proc
          ? `process ${proc.state}${proc.restarts > 0 ? ` after ${proc.restarts} restarts` : ''}`
          : 'no process';
        return `no heartbeat within ${config.WORKER_LISTEN_TIMEOUT_MS} ms (${seen}; see the worker's stderr log)`;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
  }

  private async terminate(tenant: TenantRef): Promise<void> {
    const { driver, db, log } = this.deps;
    // The driver interrupts, waits the kill timeout, then kills; delete resolves once the process is gone.
    await driver.delete(workerAppName(tenant.slug));
    this.deps.onProcessChange?.();
    await db.$executeRaw`
      UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status IN ('STOPPING', 'RUNNING', 'ERROR')`;
    log.info({ tenant: tenant.slug }, 'worker stopped');
  }
}
