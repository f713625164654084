import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.ts';
import { verifyPassword } from '../../services/passwords.ts';
import { serve } from '../serve.ts';

const routes: FastifyPluginAsync = async (app) => {
  serve(
    app,
    'POST /portal/auth/login',
    {
      config: {
        rateLimit: {
          max: app.config.LOGIN_RATE_LIMIT_MAX,
          timeWindow: app.config.LOGIN_RATE_LIMIT_WINDOW_MS,
          // Per account and address: one attacker cannot lock out everyone, nor guess one account fast.
          keyGenerator: (request) => {
            const body = request.body as { email?: unknown } | undefined;
            const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
            return `login:${email}|${request.ip}`;
          },
        },
      },
    },
    async (request) => {
      const email = request.body.email.trim().toLowerCase();
      const user = await app.db.user.findUnique({
        where: { email },
        include: {
          memberships: {
            orderBy: { createdAt: 'asc' },
            include: { tenant: { select: { slug: true, name: true } } },
          },
        },
      });
      const isValid = await verifyPassword(user?.isActive ? user.passwordHash : null, request.body.password);
      if (!user || !isValid) {
        request.log.info({ email }, 'sign-in refused');
        throw new AppError('INVALID_CREDENTIALS', 'wrong email or password');
      }
      request.log.info({ email }, 'signed in');
      return {
        user: { id: user.id, email: user.email, name: user.name },
        memberships: user.memberships.map((m) => ({
          tenantId: m.tenantId,
          tenantSlug: m.tenant?.slug ?? null,
          tenantName: m.tenant?.name ?? null,
          role: m.role,
        })),
      };
    },
  );
};

export default routes;
