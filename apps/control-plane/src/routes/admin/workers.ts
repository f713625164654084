import type { FastifyPluginAsync } from 'fastify';
import { WORKER_ACTIONS } from '@wa-fleet/contract';
import { workerAppName, type SimulatorCommand } from '@wa-fleet/shared';
import { SimulatorNetwork } from '@wa-fleet/simulator';
import { AppError } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import type { WorkerProcessInfo } from '../../services/process-driver.ts';
import { databaseNow, toWorkerDto, WORKER_SELECT } from '../mappers.ts';
import { serve } from '../serve.ts';

const routes: FastifyPluginAsync = async (app) => {
  for (const action of WORKER_ACTIONS) {
    serve(app, `POST /admin/tenants/:tenant/worker/${action}`, async (request, reply) => {
      const tenant = await resolveTenant(app.db, request.params.tenant);
      const status = await app.workers.request(tenant, action, request.actor);
      return reply.status(202).send({ status });
    });
  }

  serve(app, 'GET /admin/workers', async (request) => {
    const [now, tenants, processes] = await Promise.all([
      databaseNow(app.db),
      app.db.tenant.findMany({ orderBy: { slug: 'asc' }, include: { worker: { select: WORKER_SELECT } } }),
      app.driver.list().catch((err: unknown): WorkerProcessInfo[] => {
        request.log.warn({ err }, 'process driver list failed');
        return [];
      }),
    ]);
    const byName = new Map(processes.map((p) => [p.name, p]));
    return {
      items: tenants.map((t) => {
        const worker = toWorkerDto(t.worker, now);
        const proc = byName.get(workerAppName(t.slug));
        return {
          tenantId: t.id,
          tenantSlug: t.slug,
          tenantName: t.name,
          status: worker.status,
          pid: proc?.pid ?? worker.pid,
          processState: proc?.state ?? null,
          memoryBytes: proc ? proc.memoryBytes : null,
          cpuPercent: proc ? proc.cpuPercent : null,
          uptimeMs: proc?.uptimeMs ?? null,
          restartCount: proc?.restarts ?? worker.restartCount,
          lastHeartbeatAt: worker.lastHeartbeatAt,
          heartbeatAgeMs: worker.heartbeatAgeMs,
          lastError: worker.lastError,
        };
      }),
    };
  });

  serve(app, 'POST /admin/tenants/:tenant/simulate', async (request, reply) => {
    const tenant = await resolveTenant(app.db, request.params.tenant);
    const engine = tenant.engine ?? app.config.WA_ENGINE;
    if (engine !== 'simulator') {
      throw new AppError(
        'ENGINE_MISMATCH',
        `tenant ${tenant.slug} runs the ${engine} engine, not the simulator`,
      );
    }
    const command: SimulatorCommand = { ...request.body, from: request.body.from?.replace(/^\+/, '') };
    if (command.type === 'inbound' && !command.from) {
      throw new AppError('VALIDATION_ERROR', 'body/from: an inbound message needs a sender');
    }
    const result = await new SimulatorNetwork(app.redis, app.config.REDIS_PREFIX).command(tenant.id, command);
    await writeAudit(app.db, {
      actor: request.actor,
      action: 'worker.simulate',
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      details: { type: command.type },
    });
    return reply.status(202).send(result);
  });

  serve(app, 'GET /admin/tenants/:tenant/diagnostics', async (request) => {
    const ref = await resolveTenant(app.db, request.params.tenant);
    const [now, tenant, groups, last] = await Promise.all([
      databaseNow(app.db),
      app.db.tenant.findUniqueOrThrow({
        where: { id: ref.id },
        include: {
          worker: { select: WORKER_SELECT },
          session: { select: { state: true } },
          memberships: { include: { user: { select: { email: true, isActive: true } } } },
        },
      }),
      app.db.messageLog.groupBy({
        by: ['direction', 'status'],
        where: { tenantId: ref.id },
        _count: { _all: true },
      }),
      app.db.messageLog.findFirst({
        where: { tenantId: ref.id },
        orderBy: { createdAt: 'desc' },
        select: { createdAt: true },
      }),
    ]);
    const count = (pred: (g: (typeof groups)[number]) => boolean) =>
      groups.filter(pred).reduce((sum, g) => sum + g._count._all, 0);
    const worker = toWorkerDto(tenant.worker, now);
    const messages = {
      total: count(() => true),
      inbound: count((g) => g.direction === 'IN'),
      outbound: count((g) => g.direction === 'OUT'),
      queued: count((g) => g.status === 'QUEUED'),
      failed: count((g) => g.status === 'FAILED'),
      lastMessageAt: last?.createdAt.toISOString() ?? null,
    };
    const hints: string[] = [];
    if (tenant.memberships.length === 0) hints.push('no user is a member of this tenant');
    if (tenant.memberships.every((m) => !m.user.isActive)) hints.push('no active member');
    if (worker.status !== 'RUNNING') hints.push(`worker is ${worker.status}: no messages are received`);
    if (tenant.session?.state !== 'CONNECTED')
      hints.push(`session is ${tenant.session?.state ?? 'DISCONNECTED'}: scan the QR code`);
    if (messages.total === 0) hints.push('no message has been logged for this tenant yet');
    return {
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, status: tenant.status },
      memberships: tenant.memberships.map((m) => ({
        email: m.user.email,
        role: m.role,
        isActive: m.user.isActive,
      })),
      messages,
      worker: { status: worker.status, heartbeatAgeMs: worker.heartbeatAgeMs, lastError: worker.lastError },
      session: { state: tenant.session?.state ?? 'DISCONNECTED' },
      hints,
    };
  });
};

export default routes;
