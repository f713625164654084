import type { FastifyPluginAsync } from 'fastify';
import { requireAdmin } from '../../plugins/app/auth.ts';
import auditRoutes from './audit.ts';
import logRoutes from './logs.ts';
import tenantRoutes from './tenants.ts';
import userRoutes from './users.ts';
import workerRoutes from './workers.ts';
import workerHistoryRoutes from './worker-history.ts';

/** /admin/*: every route behind the admin check (Bearer key, or a SUPER_ADMIN through the portal). */
const adminRoutes: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', requireAdmin(app));
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ adminKey: [] }, { portalKey: [], portalSession: [] }] };
  });
  await app.register(tenantRoutes);
  await app.register(workerRoutes);
  await app.register(workerHistoryRoutes);
  await app.register(logRoutes);
  await app.register(userRoutes);
  await app.register(auditRoutes);
};

export default adminRoutes;
