import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '@wa-fleet/shared';
import { currentApiKey, requireApiKey } from '../../plugins/app/api-key-auth.ts';
import type { RouteOptions } from '../serve.ts';

/**
 * The options of every public API route: the tenant key guard with the route's scope, and the per-key
 * rate limit (Redis-backed, RateLimit-* headers, 429 + Retry-After). A new /v1 route only passes its
 * scope: `serve(app, 'GET /v1/webhooks', apiKeyRoute(app, 'webhooks:manage'), handler)`.
 */
export function apiKeyRoute(app: FastifyInstance, scope: ApiKeyScope): RouteOptions {
  return {
    onRequest: requireApiKey(app, scope),
    config: {
      rateLimit: {
        max: app.config.API_KEY_RATE_LIMIT_MAX,
        timeWindow: app.config.API_KEY_RATE_LIMIT_WINDOW_MS,
        // requireApiKey ran first (onRequest); the counter is the key's row id, never the secret.
        keyGenerator: (request: FastifyRequest) => `key:${currentApiKey(request).id}`,
      },
    },
  };
}
