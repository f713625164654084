import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hasRoleAtLeast, isValidSlug, type Role, type TenantStatus } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { SignInLimiter } from '../../services/passwords-limiter.ts';
import { resolveSession, SessionCache } from '../../services/sessions.ts';
import type { PortalIdentity } from '../../types.ts';

/**
 * Compares a presented key with the expected one in constant time. Hashing first gives both sides the
 * same length, so neither the content nor the length of the real key leaks through timing.
 */
export function isKeyMatch(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);
const forbidden = (message: string) => new AppError('FORBIDDEN', message);

/** The portal itself is calling (x-portal-key, constant time). Says nothing about which user. */
function isPortalCaller(app: FastifyInstance, request: FastifyRequest): boolean {
  return isKeyMatch(header(request, 'x-portal-key'), app.config.PORTAL_INTERNAL_KEY);
}

/**
 * Checks x-portal-key only: the key authenticates the portal as a caller, so with it alone only the
 * sign-in routes are reachable (they need no user yet).
 */
export function requirePortalKey(app: FastifyInstance): onRequestAsyncHookHandler {
  return async (request) => {
    if (!isPortalCaller(app, request)) throw unauthenticated('missing or invalid x-portal-key');
  };
}

/**
 * The browser's address as the portal saw it. Only trusted on requests that carry the portal key (the
 * caller is the portal, which sets the header itself); anything else falls back to the socket address.
 */
export function clientAddress(app: FastifyInstance, request: FastifyRequest): string {
  const forwarded = header(request, 'x-client-address')?.trim();
  if (forwarded && forwarded.length <= 100 && isPortalCaller(app, request)) return forwarded;
  return request.ip;
}

/** Tenant statuses of the memberships, as read with the session (per request, not part of the identity). */
const statuses = new WeakMap<FastifyRequest, Map<string | null, TenantStatus | null>>();

/** The user a portal request acts for: the portal key plus a live session token, never an email. */
async function loadIdentity(app: FastifyInstance, request: FastifyRequest): Promise<PortalIdentity> {
  if (!isPortalCaller(app, request)) throw unauthenticated('missing or invalid x-portal-key');
  const token = header(request, 'x-session-token');
  if (!token) throw unauthenticated('missing x-session-token: sign in first');
  const user = await resolveSession(app.db, token, { cache: app.sessionCache, sql: app.sql });
  if (!user) throw unauthenticated('session ended or expired: sign in again');
  request.actor = `user:${user.email}`;
  statuses.set(request, new Map(user.memberships.map((m) => [m.tenantId, m.tenant?.status ?? null])));
  return {
    user: { id: user.id, email: user.email, name: user.name },
    tenant: null,
    tenantStatus: null,
    role: null,
    isSuperAdmin: user.memberships.some((m) => m.role === 'SUPER_ADMIN'),
    memberships: user.memberships.map((m) => ({
      tenantId: m.tenantId,
      tenantSlug: m.tenant?.slug ?? null,
      tenantName: m.tenant?.name ?? null,
      role: m.role,
    })),
  };
}

/**
 * Portal routes on the caller's tenant. The tenant comes only from the caller's memberships; x-tenant
 * merely chooses among them (a SUPER_ADMIN may choose any tenant). Role rules run here, before the body
 * is even parsed, so a VIEWER's write is refused whatever it sends.
 */
export function requirePortalUser(
  app: FastifyInstance,
  opts: { needsTenant: boolean },
): onRequestAsyncHookHandler {
  return async (request) => {
    const identity = await loadIdentity(app, request);
    request.portal = identity;
    if (!opts.needsTenant) return;
    const wanted = header(request, 'x-tenant');
    if (wanted !== undefined && !isValidSlug(wanted)) {
      throw new AppError('INVALID_TENANT', 'x-tenant must be a tenant slug');
    }
    const membership = identity.memberships.find((m) =>
      wanted === undefined ? m.tenantId !== null : m.tenantSlug === wanted,
    );
    if (membership?.tenantId && membership.tenantSlug && membership.tenantName) {
      identity.tenant = { id: membership.tenantId, slug: membership.tenantSlug, name: membership.tenantName };
      identity.role = membership.role;
      identity.tenantStatus = statuses.get(request)?.get(membership.tenantId) ?? null;
    } else if (identity.isSuperAdmin && wanted !== undefined) {
      const tenant = await app.db.tenant.findUnique({
        where: { slug: wanted },
        select: { id: true, slug: true, name: true, status: true },
      });
      if (!tenant) throw forbidden(`no access to tenant ${wanted}`);
      identity.tenant = { id: tenant.id, slug: tenant.slug, name: tenant.name };
      identity.tenantStatus = tenant.status;
      identity.role = 'SUPER_ADMIN';
    } else if (wanted !== undefined) {
      // Same answer whether or not the tenant exists: membership is the only way in.
      throw forbidden(`no access to tenant ${wanted}`);
    } else {
      throw forbidden('no tenant membership: choose a tenant with x-tenant');
    }
    const needed: Role | undefined = request.routeOptions.config.minRole;
    if (needed && !hasRoleAtLeast(identity.role, needed)) {
      throw forbidden(`requires role ${needed} or higher (you are ${identity.role})`);
    }
  };
}

/** Admin routes: Bearer ADMIN_API_KEY, or the portal key plus the session of a SUPER_ADMIN. */
export function requireAdmin(app: FastifyInstance): onRequestAsyncHookHandler {
  return async (request) => {
    const authorization = header(request, 'authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(.+)$/i.exec(authorization);
      if (!isKeyMatch(match?.[1]?.trim(), app.config.ADMIN_API_KEY)) {
        throw unauthenticated('invalid admin key');
      }
      request.actor = 'api-key';
      return;
    }
    if (header(request, 'x-portal-key') === undefined) {
      throw unauthenticated('missing Authorization: Bearer <ADMIN_API_KEY>');
    }
    // The portal key alone is not enough: the call must carry a SUPER_ADMIN's live session.
    const identity = await loadIdentity(app, request);
    request.portal = identity;
    if (!identity.isSuperAdmin) throw forbidden('requires role SUPER_ADMIN');
  };
}

export default fp(
  async (app) => {
    app.decorateRequest('actor', 'anonymous');
    app.decorateRequest('portal', null);
    app.decorateRequest('apiKey', null);
    const c = app.config;
    const sessionCache = new SessionCache(c.SESSION_CACHE_TTL_MS);
    app.decorate('sessionCache', sessionCache);
    // Any change (sign-out, a password, a deactivation, a membership, a tenant's status) may end or
    // narrow a session: every non-read request to /admin or /portal forgets the remembered sessions
    // before its answer leaves, so the caller's next request is checked against the database again.
    // (/v1 changes nothing a session depends on.)
    app.addHook('onSend', async (request) => {
      if (
        request.method !== 'GET' &&
        request.method !== 'HEAD' &&
        request.method !== 'OPTIONS' &&
        !request.url.startsWith('/v1/')
      ) {
        sessionCache.clear();
      }
    });
    app.decorate(
      'signInLimiter',
      new SignInLimiter(app.redis, {
        prefix: c.REDIS_PREFIX,
        addressMax: c.LOGIN_RATE_LIMIT_MAX,
        addressWindowMs: c.LOGIN_RATE_LIMIT_WINDOW_MS,
        accountFreeFailures: c.LOGIN_ACCOUNT_FREE_FAILURES,
        accountDelayBaseMs: c.LOGIN_ACCOUNT_DELAY_BASE_MS,
        accountDelayMaxMs: c.LOGIN_ACCOUNT_DELAY_MAX_MS,
        accountWindowMs: c.LOGIN_ACCOUNT_WINDOW_MS,
        maxConcurrentHashes: c.LOGIN_MAX_CONCURRENT_HASHES,
      }),
    );
  },
  { name: 'auth', dependencies: ['db', 'redis'] },
);
