import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { portalAuditUser } from '../../services/audit.ts';
import * as hooks from '../../services/webhooks/endpoints.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

/** /portal/tenant/current/webhooks: a tenant admin's management of the tenant's webhook endpoints. */
const routes: FastifyPluginAsync = async (app) => {
  const guard = { config: { minRole: 'TENANT_ADMIN' as const } };
  const allowPrivate = app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS;
  const who = (request: FastifyRequest): hooks.WebhookActor => {
    return { tenant: currentTenant(request), actor: request.actor, details: portalAuditUser(request) };
  };
  const tenantId = (request: FastifyRequest) => currentTenant(request).id;

  serve(app, 'GET /portal/tenant/current/webhooks', guard, async (request) =>
    hooks.listEndpoints(app.db, tenantId(request)),
  );
  serve(app, 'POST /portal/tenant/current/webhooks', guard, async (request, reply) =>
    reply.status(201).send(await hooks.createEndpoint(app.db, who(request), request.body, allowPrivate)),
  );
  serve(app, 'GET /portal/tenant/current/webhooks/:id', guard, async (request) =>
    hooks.getEndpoint(app.db, tenantId(request), request.params.id),
  );
  serve(app, 'PATCH /portal/tenant/current/webhooks/:id', guard, async (request) =>
    hooks.updateEndpoint(app.db, app.webhooks, who(request), request.params.id, request.body, allowPrivate),
  );
  serve(app, 'DELETE /portal/tenant/current/webhooks/:id', guard, async (request, reply) => {
    await hooks.deleteEndpoint(app.db, who(request), request.params.id);
    return reply.status(204).send(null);
  });
  serve(app, 'POST /portal/tenant/current/webhooks/:id/rotate-secret', guard, async (request) =>
    hooks.rotateSecret(app.db, who(request), request.params.id),
  );
  serve(app, 'POST /portal/tenant/current/webhooks/:id/resume', guard, async (request) =>
    hooks.resumeEndpoint(app.db, app.webhooks, who(request), request.params.id),
  );
  serve(app, 'POST /portal/tenant/current/webhooks/:id/test', guard, async (request, reply) =>
    reply.status(202).send(await hooks.sendTestEvent(app.db, app.webhooks, who(request), request.params.id)),
  );
  serve(app, 'GET /portal/tenant/current/webhooks/:id/deliveries', guard, async (request) =>
    hooks.listDeliveries(app.db, tenantId(request), request.params.id, request.query),
  );
  serve(
    app,
    'POST /portal/tenant/current/webhooks/:id/deliveries/:deliveryId/replay',
    guard,
    async (request, reply) =>
      reply
        .status(202)
        .send(
          await hooks.replayDelivery(
            app.db,
            app.webhooks,
            who(request),
            request.params.id,
            request.params.deliveryId,
          ),
        ),
  );
  serve(app, 'POST /portal/tenant/current/webhooks/:id/replay-failed', guard, async (request, reply) =>
    reply
      .status(202)
      .send(
        await hooks.replayFailed(app.db, app.webhooks, who(request), request.params.id, request.body.since),
      ),
  );
};

export default routes;
