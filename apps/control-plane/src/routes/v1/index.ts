import type { FastifyPluginAsync } from 'fastify';
import { notFound } from '../../errors.ts';
import { currentApiKey } from '../../plugins/app/api-key-auth.ts';
import { apiKeyLabel } from '../../services/api-keys.ts';
import { findTenantMessage, listTenantMessages } from '../../services/message-queries.ts';
import { queueOutboundMessage, sendBodyLimit } from '../../services/outbound-messages.ts';
import { databaseNow, SESSION_SELECT, toSessionDto, toWorkerDto, WORKER_SELECT } from '../mappers.ts';
import { serve } from '../serve.ts';
import { apiKeyRoute } from './guard.ts';
import webhookRoutes from './webhooks.ts';

/**
 * /v1/*: the public tenant API. Every route authenticates a tenant API key with one scope and acts on
 * that key's tenant only; ids of another tenant are not found. Each key has its own rate limit.
 */
const publicApiRoutes: FastifyPluginAsync = async (app) => {
  const sendOptions = {
    ...apiKeyRoute(app, 'messages:send'),
    bodyLimit: sendBodyLimit(app.config.SEND_MEDIA_MAX_BYTES),
  };
  serve(app, 'POST /v1/messages', sendOptions, async (request, reply) => {
    const key = currentApiKey(request);
    const message = await queueOutboundMessage(app, {
      tenant: key.tenant,
      to: request.body.to,
      text: request.body.text,
      media: request.body.media,
      idempotencyKey: request.body.idempotencyKey,
      sender: { kind: 'API_KEY', id: key.id, label: apiKeyLabel(key) },
      actor: request.actor,
      auditDetails: { apiKeyId: key.id },
      log: request.log,
    });
    return reply.status(202).send(message);
  });

  serve(app, 'GET /v1/messages', apiKeyRoute(app, 'messages:read'), async (request) =>
    listTenantMessages(app.db, currentApiKey(request).tenant.id, request.query),
  );

  serve(app, 'GET /v1/messages/:id', apiKeyRoute(app, 'messages:read'), async (request) => {
    const message = await findTenantMessage(app.db, currentApiKey(request).tenant.id, request.params.id);
    if (!message) throw notFound(`message ${request.params.id}`);
    return message;
  });

  serve(app, 'GET /v1/session', apiKeyRoute(app, 'session:read'), async (request) => {
    const { tenant } = currentApiKey(request);
    const [now, worker, session] = await Promise.all([
      databaseNow(app.db),
      app.db.workerProcess.findUnique({ where: { tenantId: tenant.id }, select: WORKER_SELECT }),
      app.db.whatsAppSession.findUnique({ where: { tenantId: tenant.id }, select: SESSION_SELECT }),
    ]);
    return {
      tenant: { slug: tenant.slug, name: tenant.name, status: tenant.status },
      session: toSessionDto(session),
      worker: toWorkerDto(worker, now),
    };
  });

  await app.register(webhookRoutes);
};

export default publicApiRoutes;
