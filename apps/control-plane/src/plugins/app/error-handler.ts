import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { isDatabaseUnavailable } from '@wa-fleet/db';
import { AppError } from '../../errors.ts';

/** Seconds a client is asked to wait before retrying a request the database could not serve. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * One shape for every error: {"error":{"code","message"}}. Schema failures are 400 naming the field;
 * messages of 5xx errors are never shown (they may carry internals), only logged with the request id.
 */
/** "must be equal to one of the allowed values" names them, so the caller can fix the request. */
function withAllowedValues(message: string, validation: unknown[]): string {
  for (const issue of validation) {
    const allowed = (issue as { params?: { allowedValues?: unknown } }).params?.allowedValues;
    if (Array.isArray(allowed) && allowed.length > 0 && allowed.length <= 20) {
      return `${message} (allowed: ${allowed.map(String).join(', ')})`;
    }
  }
  return message;
}

export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
      if (err instanceof AppError) {
        if (err.statusCode >= 500 && err.code !== 'BUSY') request.log.error({ err }, 'request failed');
        if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
        return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
      }
      if ('validation' in err && err.validation) {
        return reply.status(400).send({
          error: { code: 'VALIDATION_ERROR', message: withAllowedValues(err.message, err.validation) },
        });
      }
      if (isDatabaseUnavailable(err)) {
        // Down, restarting or every connection busy: the client can retry (a send with its
        // idempotencyKey is never queued twice), so say so instead of an opaque 500.
        request.log.warn({ err }, 'request failed: database unavailable');
        reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        return reply.status(503).send({
          error: {
            code: 'DEPENDENCY_DOWN',
            message:
              'the database is unavailable or busy; retry shortly (with the same idempotencyKey for a send)',
          },
        });
      }
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err }, 'request failed');
        return reply.status(status).send({ error: { code: 'INTERNAL', message: 'internal error' } });
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.status(413).send({
          error: {
            code: 'BODY_TOO_LARGE',
            message: `the request body is over this route's limit of ${request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit} bytes`,
          },
        });
      }
      // Fastify's own 4xx (malformed JSON, unsupported media type, body too large): safe to show.
      return reply.status(status).send({
        error: {
          code: status === 400 ? 'VALIDATION_ERROR' : (err.code ?? 'BAD_REQUEST'),
          message: err.message,
        },
      });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` },
      }),
    );
  },
  { name: 'error-handler' },
);
