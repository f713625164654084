import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as hooks from '../services/webhooks/endpoints.ts';
import { serve, type RouteOptions } from './serve.ts';

/** Where the webhook endpoint routes stand: the public API and the portal (the same contract schemas). */
export type WebhooksBase = '/v1/webhooks' | '/portal/tenant/current/webhooks';

export interface WebhookCaller {
  /** The tenant whose endpoints the request reads and changes (from the API key, or the portal session). */
  tenant: (request: FastifyRequest) => WebhookActorTenant;
  /** What the audit log records of the caller besides its actor string. */
  auditDetails: (request: FastifyRequest) => hooks.WebhookActor['details'];
}

type WebhookActorTenant = hooks.WebhookActor['tenant'];
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Registers every webhook endpoint route under `base`: the public API and the portal differ only in
 * their guard (API key scope or tenant role) and in how they know the tenant and the caller.
 */
export function serveWebhookRoutes(
  app: FastifyInstance,
  base: WebhooksBase,
  guard: RouteOptions,
  caller: WebhookCaller,
): void {
  const key = <M extends Method, S extends string = ''>(method: M, sub?: S) =>
    `${method} ${base}${sub ?? ''}` as `${M} ${WebhooksBase}${S}`;
  const allowPrivate = app.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS;
  const who = (request: FastifyRequest): hooks.WebhookActor => ({
    tenant: caller.tenant(request),
    actor: request.actor,
    details: caller.auditDetails(request),
  });
  const tenantId = (request: FastifyRequest) => caller.tenant(request).id;

  serve(app, key('GET'), guard, async (request) => hooks.listEndpoints(app.db, tenantId(request)));
  serve(app, key('POST'), guard, async (request, reply) =>
    reply.status(201).send(await hooks.createEndpoint(app.db, who(request), request.body, allowPrivate)),
  );
  serve(app, key('GET', '/:id'), guard, async (request) =>
    hooks.getEndpoint(app.db, tenantId(request), request.params.id),
  );
  serve(app, key('PATCH', '/:id'), guard, async (request) =>
    hooks.updateEndpoint(app.db, app.webhooks, who(request), request.params.id, request.body, allowPrivate),
  );
  serve(app, key('DELETE', '/:id'), guard, async (request, reply) => {
    await hooks.deleteEndpoint(app.db, who(request), request.params.id);
    return reply.status(204).send(null);
  });
  serve(app, key('POST', '/:id/rotate-secret'), guard, async (request) =>
    hooks.rotateSecret(app.db, who(request), request.params.id),
  );
  serve(app, key('POST', '/:id/resume'), guard, async (request) =>
    hooks.resumeEndpoint(app.db, app.webhooks, who(request), request.params.id),
  );
  serve(app, key('POST', '/:id/test'), guard, async (request, reply) =>
    reply.status(202).send(await hooks.sendTestEvent(app.db, app.webhooks, who(request), request.params.id)),
  );
  serve(app, key('GET', '/:id/deliveries'), guard, async (request) =>
    hooks.listDeliveries(app.db, tenantId(request), request.params.id, request.query),
  );
  serve(app, key('POST', '/:id/deliveries/:deliveryId/replay'), guard, async (request, reply) =>
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
  serve(app, key('POST', '/:id/replay-failed'), guard, async (request, reply) =>
    reply
      .status(202)
      .send(
        await hooks.replayFailed(app.db, app.webhooks, who(request), request.params.id, request.body.since),
      ),
  );
}
