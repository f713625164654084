import type { FastifyPluginAsync } from 'fastify';
import { portalAuditUser } from '../../services/audit.ts';
import { listTenantMessages } from '../../services/message-queries.ts';
import { queueOutboundMessage } from '../../services/outbound-messages.ts';
import { AppError, notFound } from '../../errors.ts';
import { listConversations, listThread, markConversationRead } from '../../services/conversations.ts';
import { mediaStore, readMessageMedia } from '../../services/message-media.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

const routes: FastifyPluginAsync = async (app) => {
  const store = mediaStore(app.config.MEDIA_DIR);

  // The file is served only for a message of the session's tenant: the row is looked up by id AND
  // tenant, so another tenant's id answers 404 exactly like an id that does not exist.
  serve(app, 'GET /portal/tenant/current/messages/:id/media', async (request, reply) => {
    const variant = request.query.variant ?? 'original';
    const file = await readMessageMedia(app.db, store, currentTenant(request).id, request.params.id, variant);
    if (!file.ok) {
      if (file.reason === 'not_found') throw notFound('message');
      if (file.reason === 'no_thumbnail') throw notFound('thumbnail (this file is not an image)');
      throw notFound('file (not stored yet, or not available)');
    }
    const name = (file.fileName ?? `message-${request.params.id}`).replace(/[^\w.\- ]/g, '_');
    return reply
      .header('content-type', file.mimeType)
      .header('content-length', file.data.length)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-disposition',
        `${file.mimeType.startsWith('image/') || file.mimeType.startsWith('audio/') || file.mimeType.startsWith('video/') ? 'inline' : 'attachment'}; filename="${name}"`,
      )
      .send(file.data);
  });

  serve(app, 'GET /portal/tenant/current/conversations', async (request) =>
    listConversations(app.db, currentTenant(request).id, request.query.limit ?? 50),
  );

  serve(app, 'GET /portal/tenant/current/conversations/:contact/messages', async (request) =>
    listThread(app.db, currentTenant(request).id, request.params.contact, {
      limit: request.query.limit ?? 100,
      before: request.query.before,
    }),
  );

  serve(app, 'POST /portal/tenant/current/conversations/:contact/read', async (request) => {
    if (!request.params.contact) throw new AppError('VALIDATION_ERROR', 'params/contact is empty');
    return markConversationRead(app.db, currentTenant(request).id, request.params.contact);
  });

  serve(app, 'GET /portal/tenant/current/logs', async (request) =>
    listTenantMessages(app.db, currentTenant(request).id, request.query),
  );

  serve(
    app,
    'POST /portal/tenant/current/messages',
    { config: { minRole: 'OPERATOR' } },
    async (request, reply) => {
      const message = await queueOutboundMessage(app, {
        tenant: currentTenant(request),
        to: request.body.to,
        text: request.body.text,
        idempotencyKey: request.body.idempotencyKey,
        sender: {
          kind: request.actor === 'api-key' ? 'API_KEY' : 'USER',
          id: request.portal?.user.id ?? null,
          label: request.portal?.user.email ?? request.actor,
        },
        actor: request.actor,
        auditDetails: portalAuditUser(request),
        log: request.log,
      });
      return reply.status(202).send(message);
    },
  );
};

export default routes;
