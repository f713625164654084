import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { clientAddress, requirePortalUser } from '../../plugins/app/auth.ts';
import { verifyPassword } from '../../services/passwords.ts';
import { createSession, endSession, pruneExpiredSessions } from '../../services/sessions.ts';
import { errorResponses, MembershipSchema } from '../../schemas/common.ts';

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

const UserSchema = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });

const SessionAnswer = Type.Object({
  user: UserSchema,
  memberships: Type.Array(MembershipSchema),
});

const TokenHeaders = Type.Object({
  'x-session-token': Type.String({ minLength: 1, maxLength: 200 }),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['portal'],
        summary: 'Check a user password and open a server-side session',
        description:
          'Throttled per client address (x-client-address, trusted from the portal only) and per account ' +
          '(growing delays for addresses that failed on it); 429/503 carry Retry-After.',
        body: LoginBody,
        response: {
          200: Type.Object({
            ...SessionAnswer.properties,
            session: Type.Object({
              token: Type.String({ description: 'opaque; only its SHA-256 is stored' }),
              expiresAt: Type.String({ format: 'date-time' }),
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['portal'],
        summary: 'End the session of x-session-token (idempotent)',
        headers: TokenHeaders,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await endSession(app.db, request.headers['x-session-token']);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/session',
    {
      onRequest: requirePortalUser(app, { needsTenant: false }),
      schema: {
        tags: ['portal'],
        summary: 'The user and memberships behind x-session-token (401 once the session has ended)',
        security: [{ portalKey: [], portalSession: [] }],
        response: { 200: SessionAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const identity = request.portal!;
      return { user: identity.user, memberships: identity.memberships };
    },
  );
};

export default routes;
