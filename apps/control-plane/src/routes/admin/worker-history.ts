import type { FastifyPluginAsync } from 'fastify';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { serve } from '../serve.ts';

/** A tenant worker's status history (recorded by a trigger on every status change), newest first. */
const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /admin/tenants/:tenant/worker/history', async (request) => {
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
  });
};

export default routes;
