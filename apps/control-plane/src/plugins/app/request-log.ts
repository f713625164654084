import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Reads never change anything; a successful one is noise for on-call (the portal polls every few s). */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_LOGGED_PATH = 200;
const PLAIN_QUERY_KEY = /^[A-Za-z0-9_.-]{1,32}$/;

export type RequestLogLevel = 'debug' | 'info' | 'warn';

/**
 * debug: successful reads (health probes, metrics scrapes, portal polling); info: every mutation and every
 * refused request; warn: server errors, so they stand out next to the error line carrying the stack.
 */
export function chooseRequestLogLevel(method: string, statusCode: number): RequestLogLevel {
  if (statusCode >= 500) return 'warn';
  if (statusCode >= 400 || !READ_METHODS.has(method)) return 'info';
  return 'debug';
}

/**
 * The path as sent plus the names of its query parameters, never their values: a search text, a cursor or
 * a key pasted into a query string must not land in a log file. Odd-looking names are dropped too.
 */
export function describeRequestUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const path =
    rawPath.length > MAX_LOGGED_PATH ? `${rawPath.slice(0, MAX_LOGGED_PATH)}…(truncated)` : rawPath;
  if (queryStart === -1) return path;
  const keys = [...new Set(new URLSearchParams(url.slice(queryStart + 1)).keys())].filter((k) =>
    PLAIN_QUERY_KEY.test(k),
  );
  return keys.length > 0 ? `${path}?${keys.join('&')}` : path;
}

function describeActor(request: FastifyRequest): string | undefined {
  if (request.portal) return request.portal.user.email;
  // A tenant key by its public id only (tenant-key:<keyId>): the secret part never reaches a log.
  if (request.apiKey) return request.actor;
  return request.actor === 'api-key' ? 'api-key' : undefined;
}

/**
 * One line per request, written when the response is done, in place of Fastify's two ("incoming request"
 * and "request completed", disabled in app.ts). `reqId` comes from the request logger's bindings.
 * Headers are never logged: they carry x-portal-key and Authorization.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const level = chooseRequestLogLevel(request.method, reply.statusCode);
  const actor = describeActor(request);
  request.log[level](
    {
      method: request.method,
      url: describeRequestUrl(request.url),
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(actor ? { actor } : {}),
    },
    'request completed',
  );
}

export default fp(
  async (app) => {
    app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
  },
  { name: 'request-log', dependencies: ['auth'] },
);
