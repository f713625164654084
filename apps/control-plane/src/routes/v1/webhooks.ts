import type { FastifyPluginAsync } from 'fastify';
import { currentApiKey } from '../../plugins/app/api-key-auth.ts';
import { serveWebhookRoutes } from '../webhook-endpoints.ts';
import { apiKeyRoute } from './guard.ts';

/** /v1/webhooks: a tenant's webhook endpoints over the public API (scope webhooks:manage). */
const routes: FastifyPluginAsync = async (app) => {
  serveWebhookRoutes(app, '/v1/webhooks', apiKeyRoute(app, 'webhooks:manage'), {
    tenant: (request) => currentApiKey(request).tenant,
    auditDetails: (request) => ({ apiKeyId: currentApiKey(request).id }),
  });
};

export default routes;
