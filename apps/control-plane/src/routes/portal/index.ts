import type { FastifyPluginAsync } from 'fastify';
import { requirePortalKey, requirePortalUser } from '../../plugins/app/auth.ts';
import apiKeyRoutes from './api-keys.ts';
import authRoutes from './auth.ts';
import autoReplyRoutes from './auto-replies.ts';
import messageRoutes from './messages.ts';
import tenantRoutes from './tenant.ts';
import webhookRoutes from './webhooks.ts';
import { requireEnabledTenant } from '../../services/tenant-resolver.ts';

/**
 * /portal/*: called only by the portal's server with the internal key. The key identifies the portal, not
 * a user: with it alone only sign-in (and sign-out) answer. Everything else needs a live session token
 * (x-session-token) and acts on the tenant resolved from that session's user's memberships.
 */
const portalRoutes: FastifyPluginAsync = async (app) => {
  await app.register(async (signIn) => {
    signIn.addHook('onRequest', requirePortalKey(app));
    signIn.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: route.schema?.security ?? [{ portalKey: [] }] };
    });
    await signIn.register(authRoutes);
  });
  await app.register(async (tenantScoped) => {
    tenantScoped.addHook('onRequest', requirePortalUser(app, { needsTenant: true }));
    tenantScoped.addHook('onRequest', requireEnabledTenant(app));
    tenantScoped.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, security: [{ portalKey: [], portalSession: [] }] };
    });
    await tenantScoped.register(tenantRoutes);
    await tenantScoped.register(messageRoutes);
    await tenantScoped.register(autoReplyRoutes);
    await tenantScoped.register(apiKeyRoutes);
    await tenantScoped.register(webhookRoutes);
  });
};

export default portalRoutes;
