import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { errorResponses, Nullable, TenantParams, WorkerStatusSchema } from '../../schemas/common.ts';

const StatusChange = Type.Object({
  at: Type.String({ format: 'date-time' }),
  /** null for the first status a worker row got. */
  from: Nullable(WorkerStatusSchema),
  to: WorkerStatusSchema,
  reason: Nullable(Type.String()),
  /** Who wrote it: the PostgreSQL application name of the worker or control plane connection. */
  actor: Nullable(Type.String()),
});

/** A tenant worker's status history (recorded by a trigger on every status change), newest first. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenants/:tenant/worker/history',
    {
      schema: {
        tags: ['admin'],
        summary: "A worker's status changes (time, from, to, reason), newest first; the last 30 days",
        params: TenantParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(StatusChange) }), ...errorResponses },
      },
    },
    async (request) => {
      const tenant = await resolveTenant(app.db, request.params.tenant);
      const rows = await app.db.workerStatusChange.findMany({
        where: { tenantId: tenant.id },
        orderBy: [{ changedAt: 'desc' }, { id: 'desc' }],
        take: request.query.limit ?? 100,
      });
      return {
        items: rows.map((r) => ({
          at: r.changedAt.toISOString(),
          from: r.fromStatus,
          to: r.toStatus,
          reason: r.reason,
          actor: r.actor,
        })),
      };
    },
  );
};

export default routes;
