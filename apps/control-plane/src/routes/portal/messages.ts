import type { FastifyPluginAsync } from 'fastify';
import { portalAuditUser } from '../../services/audit.ts';
import { listTenantMessages } from '../../services/message-queries.ts';
import { queueOutboundMessage } from '../../services/outbound-messages.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

const routes: FastifyPluginAsync = async (app) => {
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
