import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.ts';
import { clientAddress, requirePortalUser } from '../../plugins/app/auth.ts';
import { verifyPassword } from '../../services/passwords.ts';
import { createSession, endSession, pruneExpiredSessions } from '../../services/sessions.ts';
import { serve } from '../serve.ts';

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'POST /portal/auth/login', async (request) => {
    const email = request.body.email.trim().toLowerCase();
    const address = clientAddress(app, request);
    // Refused before any database read or hash: a throttled caller costs almost nothing.
    await app.signInLimiter.check(email, address);
    const user = await app.db.user.findUnique({
      where: { email },
      include: {
        memberships: {
          orderBy: { createdAt: 'asc' },
          include: { tenant: { select: { slug: true, name: true } } },
        },
      },
    });
    const isValid = await app.signInLimiter.withHashSlot(() =>
      verifyPassword(user?.isActive ? user.passwordHash : null, request.body.password),
    );
    if (!user || !isValid) {
      await app.signInLimiter.recordFailure(email, address);
      request.log.info({ email, clientAddress: address }, 'sign-in refused');
      throw new AppError('INVALID_CREDENTIALS', 'wrong email or password');
    }
    await app.signInLimiter.recordSuccess(email, address);
    await pruneExpiredSessions(app.db);
    const session = await createSession(app.db, {
      userId: user.id,
      ttlMs: app.config.SESSION_TTL_MS,
      clientAddress: address,
      userAgent:
        typeof request.headers['x-client-user-agent'] === 'string'
          ? request.headers['x-client-user-agent']
          : undefined,
    });
    request.log.info({ email, clientAddress: address }, 'signed in');
    return {
      user: { id: user.id, email: user.email, name: user.name },
      memberships: user.memberships.map((m) => ({
        tenantId: m.tenantId,
        tenantSlug: m.tenant?.slug ?? null,
        tenantName: m.tenant?.name ?? null,
        role: m.role,
      })),
      session: { token: session.token, expiresAt: session.expiresAt.toISOString() },
    };
  });

  serve(app, 'POST /portal/auth/logout', async (request, reply) => {
    await endSession(app.db, request.headers['x-session-token'], app.sessionCache);
    return reply.status(204).send(null);
  });

  serve(
    app,
    'GET /portal/auth/session',
    { onRequest: requirePortalUser(app, { needsTenant: false }) },
    async (request) => {
      const identity = request.portal!;
      return { user: identity.user, memberships: identity.memberships };
    },
  );
};

export default routes;
