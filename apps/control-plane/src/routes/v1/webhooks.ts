import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { currentApiKey } from '../../plugins/app/api-key-auth.ts';
import * as hooks from '../../services/webhooks/endpoints.ts';
import { serve } from '../serve.ts';
import { apiKeyRoute } from './guard.ts';

/** /v1/webhooks: a tenant's webhook endpoints over the public API (scope webhooks:manage). */
const routes: FastifyPluginAsync = async (app) => {
  const guard = apiKeyRoute(app, 'webhooks:manage');
  const allowPrivate = app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS;
  const who = (request: FastifyRequest): hooks.WebhookActor => {
    const key = currentApiKey(request);
    return { tenant: key.tenant, actor: request.actor, details: { apiKeyId: key.id } };
  };
  const tenantId = (request: FastifyRequest) => currentApiKey(request).tenant.id;

  serve(app, 'GET /v1/webhooks', guard, async (request) => hooks.listEndpoints(app.db, tenantId(request)));
  serve(app, 'POST /v1/webhooks', guard, async (request, reply) =>
    reply.status(201).send(await hooks.createEndpoint(app.db, who(request), request.body, allowPrivate)),
  );
  serve(app, 'GET /v1/webhooks/:id', guard, async (request) =>
    hooks.getEndpoint(app.db, tenantId(request), request.params.id),
  );
  serve(app, 'PATCH /v1/webhooks/:id', guard, async (request) =>
    hooks.updateEndpoint(app.db, app.webhooks, who(request), request.params.id, request.body, allowPrivate),
  );
  serve(app, 'DELETE /v1/webhooks/:id', guard, async (request, reply) => {
    await hooks.deleteEndpoint(app.db, who(request), request.params.id);
    return reply.status(204).send(null);
  });
  serve(app, 'POST /v1/webhooks/:id/rotate-secret', guard, async (request) =>
    hooks.rotateSecret(app.db, who(request), request.params.id),
  );
  serve(app, 'POST /v1/webhooks/:id/resume', guard, async (request) =>
    hooks.resumeEndpoint(app.db, app.webhooks, who(request), request.params.id),
  );
  serve(app, 'POST /v1/webhooks/:id/test', guard, async (request, reply) =>
    reply.status(202).send(await hooks.sendTestEvent(app.db, app.webhooks, who(request), request.params.id)),
  );
  serve(app, 'GET /v1/webhooks/:id/deliveries', guard, async (request) =>
    hooks.listDeliveries(app.db, tenantId(request), request.params.id, request.query),
  );
  serve(app, 'POST /v1/webhooks/:id/deliveries/:deliveryId/replay', guard, async (request, reply) =>
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
  serve(app, 'POST /v1/webhooks/:id/replay-failed', guard, async (request, reply) =>
    reply
      .status(202)
      .send(
        await hooks.replayFailed(app.db, app.webhooks, who(request), request.params.id, request.body.since),
      ),
  );
};

export default routes;
