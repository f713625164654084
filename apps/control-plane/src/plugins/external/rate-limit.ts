import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '../../errors.ts';

/**
 * Registered without a global limit: routes opt in with `config.rateLimit` (the public API, per key).
 * Counters live in the shared Redis under REDIS_PREFIX, so every control plane behind a load balancer
 * counts the same requests. It runs as a preHandler, after the route's own authentication, so a key can
 * be the counter; answers carry RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (the IETF
 * draft's names), and a 429 carries Retry-After. While Redis is unreachable requests are let through
 * (skipOnError): the limit protects capacity, and refusing every read during a Redis outage would not.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      hook: 'preHandler',
      redis: app.redis,
      nameSpace: `${app.config.REDIS_PREFIX}:rate-limit:`,
      enableDraftSpec: true,
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'RATE_LIMITED',
          `rate limit of ${context.max} requests reached; retry in ${context.after}`,
          {
            retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
          },
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['config', 'redis'] },
);
