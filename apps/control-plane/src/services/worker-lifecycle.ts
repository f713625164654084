import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { findRepoRoot, workerAppName, type WorkerStatus } from '@wa-fleet/shared';
import { AppError } from '../errors.ts';
import { writeAudit } from './audit.ts';
import type { Pm2Client } from './pm2-client.ts';
import { assertTenantEnabled, type TenantRef } from './tenant-resolver.ts';

// Lifecycle actions answer 202 at once and finish in the background, because a start waits for the
// worker's first heartbeat (wait_ready) and a stop for its graceful shutdown. Every status change is a
// conditional UPDATE, so two control planes (or a worker writing its own status) never overwrite a
// newer state with an older one. Actions on one tenant run one after another inside this process.

const require = createRequire(import.meta.url);
/** tsx's ESM loader by absolute URL, so workers start the same whatever PM2's or our cwd is. */
const TSX_LOADER_URL = pathToFileURL(require.resolve('tsx')).href;

export type LifecycleAction = 'start' | 'stop' | 'restart';

export class WorkerLifecycle {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: { config: ControlPlaneConfig; db: DbClient; pm2: Pm2Client; log: Logger },
  ) {}

  /** Accepts the action, writes the first transition and the audit entry; the rest runs in background. */
  async request(tenant: TenantRef, action: LifecycleAction, actor: string): Promise<WorkerStatus> {
    // A DISABLED tenant's worker may be stopped, never started: it stays down until enabled again.
    if (action !== 'stop') await assertTenantEnabled(this.deps.db, tenant, `cannot ${action} its worker`);
    await this.ensureRow(tenant);
    const status = action === 'start' ? await this.claimStart(tenant) : await this.claimStop(tenant);
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
    await this.runExclusive(tenant.id, () => this.deps.pm2.deleteApp(workerAppName(tenant.slug)));
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

  private async launch(tenant: TenantRef): Promise<void> {
    const { config, pm2, db, log } = this.deps;
    const name = workerAppName(tenant.slug);
    // A leftover app (crashed, or from before a control plane restart) would make PM2 refuse the start.
    await pm2.deleteApp(name);
    const pm2LogDir = path.join(config.LOG_DIR, 'pm2');
    mkdirSync(pm2LogDir, { recursive: true });
    try {
      await pm2.startWorker({
        name,
        script: config.WORKER_SCRIPT,
        cwd: findRepoRoot(),
        nodeArgs: ['--import', TSX_LOADER_URL],
        env: this.workerEnv(tenant),
        outFile: path.join(pm2LogDir, `${name}-out.log`),
        errorFile: path.join(pm2LogDir, `${name}-error.log`),
        listenTimeoutMs: config.WORKER_LISTEN_TIMEOUT_MS,
        killTimeoutMs: config.WORKER_KILL_TIMEOUT_MS,
        maxMemoryMb: config.WORKER_MAX_MEMORY_MB,
        restartBackoffMs: config.WORKER_RESTART_BACKOFF_MS,
      });
      log.info({ tenant: tenant.slug }, 'worker started');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error({ err, tenant: tenant.slug }, 'worker start failed');
      await db.$executeRaw`
        UPDATE worker_processes SET status = 'ERROR', last_error = ${`start failed: ${message}`.slice(0, 500)},
          updated_at = now()
        WHERE tenant_id = ${tenant.id}::uuid AND status = 'STARTING'`;
    }
  }

  private async terminate(tenant: TenantRef): Promise<void> {
    const { pm2, db, log } = this.deps;
    // PM2 sends SIGINT, waits kill_timeout, then SIGKILLs; delete resolves once the process is gone.
    await pm2.deleteApp(workerAppName(tenant.slug));
    await db.$executeRaw`
      UPDATE worker_processes SET status = 'STOPPED', pid = NULL, updated_at = now()
      WHERE tenant_id = ${tenant.id}::uuid AND status IN ('STOPPING', 'RUNNING', 'ERROR')`;
    log.info({ tenant: tenant.slug }, 'worker stopped');
  }

  private workerEnv(tenant: TenantRef): Record<string, string> {
    const { config } = this.deps;
    const env: Record<string, string> = {
      // filter_env drops everything else, so PATH and HOME come through here too.
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
    return env;
  }
}
