import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/** OpenAPI document at /docs/json, built from the route schemas; its UI at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'wa-fleet control plane',
          version: '0.1.0',
          description:
            "Admin API (Bearer ADMIN_API_KEY, or a SUPER_ADMIN's portal session), portal API " +
            '(x-portal-key + x-session-token from sign-in, optional x-tenant) and the public tenant API /v1 ' +
            '(Bearer <tenant API key>, rate limited per key). Errors are {"error":{"code","message"}}.',
        },
        components: {
          securitySchemes: {
            adminKey: { type: 'http', scheme: 'bearer' },
            portalKey: { type: 'apiKey', in: 'header', name: 'x-portal-key' },
            portalSession: { type: 'apiKey', in: 'header', name: 'x-session-token' },
            tenantKey: {
              type: 'http',
              scheme: 'bearer',
              description: 'a tenant API key (wak_…), created by a tenant admin in the portal',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
