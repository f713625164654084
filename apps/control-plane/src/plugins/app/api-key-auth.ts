import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ApiKeyScope } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { resolveApiKey, type ResolvedApiKey } from '../../services/api-keys.ts';
import { tenantDisabled } from '../../services/tenant-resolver.ts';

/**
 * One answer for every key that does not work (none sent, malformed, unknown, wrong secret, revoked,
 * expired): the caller learns nothing about which, so there is no oracle for guessing or for probing
 * whether a leaked key was revoked or merely expired.
 */
export const API_KEY_REFUSED =
  'missing, invalid, revoked or expired API key (send Authorization: Bearer <key>)';

function bearerToken(request: FastifyRequest): string | undefined {
  const value = request.headers.authorization;
  if (typeof value !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
}

/**
 * The guard of every /v1 route: `Authorization: Bearer <tenant API key>` with `scope`. Sets
 * `request.apiKey` (its tenant is the only tenant the route may touch) and the audit actor
 * `tenant-key:<keyId>`. 401 for any key that does not work, 403 naming the scope when the key lacks it,
 * 403 TENANT_DISABLED for a disabled tenant. Runs on onRequest, before the body is parsed.
 *
 * Use: `serve(app, 'GET /v1/…', { onRequest: requireApiKey(app, 'webhooks:manage') }, handler)`, or
 * `scope.addHook('onRequest', requireApiKey(app, scope))` for a group of routes.
 */
export function requireApiKey(app: FastifyInstance, scope: ApiKeyScope): onRequestAsyncHookHandler {
  return async (request) => {
    const presented = bearerToken(request);
    const key = presented ? await resolveApiKey(app.db, presented) : null;
    if (!key) throw new AppError('UNAUTHENTICATED', API_KEY_REFUSED);
    request.apiKey = key;
    request.actor = `tenant-key:${key.keyId}`;
    if (key.tenant.status === 'DISABLED') throw tenantDisabled(key.tenant.slug, 'is closed to its API keys');
    if (!key.scopes.includes(scope)) {
      throw new AppError('FORBIDDEN', `this API key lacks the scope ${scope}; create a key that has it`);
    }
  };
}

/** The key a /v1 request authenticated with; its tenant is the one the route acts on. */
export function currentApiKey(request: FastifyRequest): ResolvedApiKey {
  const key = request.apiKey;
  if (!key) throw new AppError('UNAUTHENTICATED', API_KEY_REFUSED);
  return key;
}
