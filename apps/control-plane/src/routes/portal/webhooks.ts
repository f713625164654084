import type { FastifyPluginAsync } from 'fastify';
import { portalAuditUser } from '../../services/audit.ts';
import { serveWebhookRoutes } from '../webhook-endpoints.ts';
import { currentTenant } from './tenant.ts';

/** /portal/tenant/current/webhooks: a tenant admin's management of the tenant's webhook endpoints. */
const routes: FastifyPluginAsync = async (app) => {
  serveWebhookRoutes(
    app,
    '/portal/tenant/current/webhooks',
    { config: { minRole: 'TENANT_ADMIN' } },
    { tenant: currentTenant, auditDetails: portalAuditUser },
  );
};

export default routes;
