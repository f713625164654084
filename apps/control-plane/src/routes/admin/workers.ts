import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { simulatorChannel, workerAppName, type SimulatorCommand } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import type { WorkerProcessInfo } from '../../services/process-driver.ts';
import {
  errorResponses,
  Nullable,
  ProcessStateSchema,
  TenantParams,
  WorkerStatusSchema,
} from '../../schemas/common.ts';
import { databaseNow, toWorkerDto, WORKER_SELECT } from '../mappers.ts';

const WorkerHealth = Type.Object({
  tenantId: Type.String(),
  tenantSlug: Type.String(),
  tenantName: Type.String(),
  status: WorkerStatusSchema,
  pid: Nullable(Type.Integer()),
  /** What the process driver sees (null: no process known to it). */
  processState: Nullable(ProcessStateSchema),
  memoryBytes: Nullable(Type.Number()),
  cpuPercent: Nullable(Type.Number()),
  uptimeMs: Nullable(Type.Number()),
  restarts: Type.Integer(),
  lastHeartbeatAt: Nullable(Type.String({ format: 'date-time' })),
  heartbeatAgeMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post(
      `/tenants/:tenant/worker/${action}`,
      {
        schema: {
          tags: ['admin'],
          summary: `${action} a tenant worker (202 at once; the transition finishes in the background)`,
          params: TenantParams,
          response: { 202: Type.Object({ status: WorkerStatusSchema }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const tenant = await resolveTenant(app.db, request.params.tenant);
        const status = await app.workers.request(tenant, action, request.actor);
        return reply.status(202).send({ status });
      },
    );
  }

  app.get(
    '/workers',
    {
      schema: {
        tags: ['admin'],
        summary: 'Health of every worker: database status joined with what the process driver sees',
        response: { 200: Type.Object({ items: Type.Array(WorkerHealth) }), ...errorResponses },
      },
    },
    async (request) => {
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
            restarts: proc?.restarts ?? worker.restartCount,
            lastHeartbeatAt: worker.lastHeartbeatAt,
            heartbeatAgeMs: worker.heartbeatAgeMs,
            lastError: worker.lastError,
          };
        }),
      };
    },
  );

  app.post(
    '/tenants/:tenant/simulate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Send a command to the simulator engine of a tenant (409 when it runs another engine)',
        params: TenantParams,
        body: Type.Object(
          {
            type: Type.Enum(['link', 'inbound', 'disconnect', 'logout', 'fail', 'hang', 'auth_failure']),
            from: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{4,20}$' })),
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
            id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            message: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ delivered: Type.Integer() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const tenant = await resolveTenant(app.db, request.params.tenant);
      const engine = tenant.engine ?? app.config.WA_ENGINE;
      if (engine !== 'simulator') {
        throw new AppError(
          'ENGINE_MISMATCH',
          `tenant ${tenant.slug} runs the ${engine} engine, not the simulator`,
        );
      }
      const command: SimulatorCommand = { ...request.body, from: request.body.from?.replace(/^\+/, '') };
      const delivered = await app.redis.publish(
        simulatorChannel(app.config.REDIS_PREFIX, tenant.id),
        JSON.stringify(command),
      );
      await writeAudit(app.db, {
        actor: request.actor,
        action: 'worker.simulate',
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        details: { type: command.type },
      });
      return reply.status(202).send({ delivered });
    },
  );

  app.get(
    '/tenants/:tenant/diagnostics',
    {
      schema: {
        tags: ['admin'],
        summary: 'Why does a user see no logs? Memberships, message counts, worker and session of a tenant',
        params: TenantParams,
        response: {
          200: Type.Object({
            tenant: Type.Object({
              id: Type.String(),
              slug: Type.String(),
              name: Type.String(),
              status: Type.String(),
            }),
            memberships: Type.Array(
              Type.Object({ email: Type.String(), role: Type.String(), isActive: Type.Boolean() }),
            ),
            messages: Type.Object({
              total: Type.Integer(),
              inbound: Type.Integer(),
              outbound: Type.Integer(),
              queued: Type.Integer(),
              failed: Type.Integer(),
              lastMessageAt: Nullable(Type.String()),
            }),
            worker: Type.Object({
              status: Type.String(),
              heartbeatAgeMs: Nullable(Type.Integer()),
              lastError: Nullable(Type.String()),
            }),
            session: Type.Object({ state: Type.String() }),
            hints: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
    },
  );
};

export default routes;
