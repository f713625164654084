import type { FastifyPluginAsync } from 'fastify';
import { WORKER_ACTIONS } from '@wa-fleet/contract';
import { workerAppName, type SimulatorCommand, type WorkerStatus } from '@wa-fleet/shared';
import { SimulatorNetwork } from '@wa-fleet/simulator';
import { AppError } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { databaseNow, toWorkerDto, WORKER_SELECT } from '../mappers.ts';

/** One tenant of GET /admin/workers as the query's JSON has it (timestamps as ISO strings). */
interface WorkerListRow {
  id: string;
  slug: string;
  name: string;
  status: WorkerStatus | null;
  pid: number | null;
  startedAt: string | null;
  lastHeartbeatAt: string | null;
  lastError: string | null;
  restartCount: number | null;
  hasWorker: boolean;
}
import { serve } from '../serve.ts';

const WORKER_LIST_QUERY = `
  SELECT now() AS now, COALESCE(json_agg(json_build_object(
    'id', t.id, 'slug', t.slug, 'name', t.name, 'status', w.status, 'pid', w.pid,
    'startedAt', w.started_at, 'lastHeartbeatAt', w.last_heartbeat_at, 'lastError', w.last_error,
    'restartCount', w.restart_count, 'hasWorker', w.tenant_id IS NOT NULL
  ) ORDER BY t.slug), '[]'::json) AS items
  FROM tenants t LEFT JOIN worker_processes w ON w.tenant_id = t.id`;

const routes: FastifyPluginAsync = async (app) => {
  for (const action of WORKER_ACTIONS) {
    serve(app, `POST /admin/tenants/:tenant/worker/${action}`, async (request, reply) => {
      const tenant = await resolveTenant(app.db, request.params.tenant);
      const status = await app.workers.request(tenant, action, request.actor);
      return reply.status(202).send({ status });
    });
  }

  serve(app, 'GET /admin/workers', async (_request, reply) => {
    // The body is built field by field below; the schema serializer would run its nullable-branch check
    // on every field of every worker (most of this route's CPU at a hundred workers).
    // A custom serializer leaves the content type to us: without it the answer is not JSON to clients.
    reply.serializer(JSON.stringify).type('application/json; charset=utf-8');
    // Statuses from PostgreSQL in one round trip (the rows as one JSON value: cheaper to decode than a
    // hundred rows of columns); processes from the in-memory snapshot, never a driver call per request.
    const [result, snapshot] = await Promise.all([
      app.sql.query<{ now: Date; items: WorkerListRow[] }>(WORKER_LIST_QUERY),
      app.processView.read(),
    ]);
    // An aggregate without GROUP BY always returns exactly one row.
    const { now, items } = result.rows[0]!;
    return {
      items: items.map((t) => {
        const worker = toWorkerDto(
          t.hasWorker
            ? {
                status: t.status ?? 'STOPPED',
                pid: t.pid,
                startedAt: t.startedAt ? new Date(t.startedAt) : null,
                lastHeartbeatAt: t.lastHeartbeatAt ? new Date(t.lastHeartbeatAt) : null,
                lastError: t.lastError,
                restartCount: t.restartCount ?? 0,
              }
            : null,
          now,
        );
        const proc = snapshot.byName.get(workerAppName(t.slug));
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
      processView: {
        observedAt: new Date(snapshot.takenAt).toISOString(),
        ageMs: Math.max(0, Date.now() - snapshot.takenAt),
        error: snapshot.error,
      },
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
    if ((command.type === 'edit' || command.type === 'revoke') && !command.targetId) {
      throw new AppError(
        'VALIDATION_ERROR',
        `body/targetId: ${command.type} needs the WhatsApp id of the message it changes`,
      );
    }
    if (command.type === 'edit' && command.text === undefined) {
      throw new AppError('VALIDATION_ERROR', 'body/text: an edit needs the new text');
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
