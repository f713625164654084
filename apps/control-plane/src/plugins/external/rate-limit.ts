import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { AppError } from '../../errors.ts';

/**
 * Registered without a global limit: routes opt in (sign-in). It runs as a preHandler so the key can use
 * the parsed body (email + ip), and answers with our error shape.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      hook: 'preHandler',
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', `too many attempts; retry in ${context.after}`),
    });
  },
  { name: 'rate-limit' },
);
