import type { FastifyPluginAsync } from 'fastify';
import { isUniqueViolation, type DbClient } from '@wa-fleet/db';
import type { Role } from '@wa-fleet/shared';
import { AppError, conflict, notFound } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { hashPassword } from '../../services/passwords.ts';
import { endUserSessions } from '../../services/sessions.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { serve } from '../serve.ts';

const USER_INCLUDE = { memberships: { include: { tenant: { select: { slug: true } } } } } as const;

type UserWithMemberships = {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  createdAt: Date;
  memberships: { tenantId: string | null; role: Role; tenant: { slug: string } | null }[];
};

function toUserDto(u: UserWithMemberships) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    isActive: u.isActive,
    createdAt: u.createdAt.toISOString(),
    memberships: u.memberships.map((m) => ({
      tenantId: m.tenantId,
      tenantSlug: m.tenant?.slug ?? null,
      role: m.role,
    })),
  };
}

async function resolveMemberships(db: DbClient, input: { tenant?: string | null; role: Role }[]) {
  const out: { tenantId: string | null; role: Role }[] = [];
  for (const m of input) {
    if (m.role === 'SUPER_ADMIN') {
      if (m.tenant)
        throw new AppError(
          'VALIDATION_ERROR',
          'body/memberships: SUPER_ADMIN is platform-wide, give no tenant',
        );
      out.push({ tenantId: null, role: m.role });
    } else {
      if (!m.tenant)
        throw new AppError('VALIDATION_ERROR', `body/memberships: role ${m.role} needs a tenant`);
      out.push({ tenantId: (await resolveTenant(db, m.tenant)).id, role: m.role });
    }
  }
  const tenants = out.map((m) => m.tenantId ?? 'platform');
  if (new Set(tenants).size !== tenants.length) {
    throw new AppError('VALIDATION_ERROR', 'body/memberships: one membership per tenant');
  }
  return out;
}

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'POST /admin/users', async (request, reply) => {
    const { email, name, password } = request.body;
    const memberships = await resolveMemberships(app.db, request.body.memberships ?? []);
    try {
      const user = await app.db.user.create({
        data: {
          email: email.toLowerCase(),
          name,
          passwordHash: await hashPassword(password),
          memberships: { create: memberships },
        },
        include: USER_INCLUDE,
      });
      await writeAudit(app.db, {
        actor: request.actor,
        action: 'user.create',
        details: { email: user.email, memberships: toUserDto(user).memberships },
      });
      return reply.status(201).send(toUserDto(user));
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`a user with email ${email} exists`);
      throw err;
    }
  });

  serve(app, 'GET /admin/users', async () => {
    const users = await app.db.user.findMany({ orderBy: { email: 'asc' }, include: USER_INCLUDE });
    return { items: users.map(toUserDto) };
  });

  serve(app, 'GET /admin/users/:id', async (request) => {
    const user = await app.db.user.findUnique({ where: { id: request.params.id }, include: USER_INCLUDE });
    if (!user) throw notFound('user');
    return toUserDto(user);
  });

  serve(app, 'PATCH /admin/users/:id', async (request) => {
    const { id } = request.params;
    const { name, password, isActive } = request.body;
    const existing = await app.db.user.findUnique({ where: { id }, select: { id: true } });
    if (!existing) throw notFound('user');
    const memberships = request.body.memberships
      ? await resolveMemberships(app.db, request.body.memberships)
      : undefined;
    // Hashed before the transaction: argon2 takes a while and must not hold row locks meanwhile.
    const passwordHash = password ? await hashPassword(password) : undefined;
    const { updated: user, endedSessions } = await app.db.$transaction(async (tx) => {
      if (memberships) {
        await tx.membership.deleteMany({ where: { userId: id } });
        await tx.membership.createMany({ data: memberships.map((m) => ({ ...m, userId: id })) });
      }
      // A new password or a deactivation ends every session of the user in the same transaction:
      // a copied cookie stops working with the very next request.
      const endedSessions = password || isActive === false ? await endUserSessions(tx, id) : 0;
      const updated = await tx.user.update({
        where: { id },
        data: { name, isActive, ...(password ? { passwordHash } : {}) },
        include: USER_INCLUDE,
      });
      return { updated, endedSessions };
    });
    await writeAudit(app.db, {
      actor: request.actor,
      action: 'user.update',
      details: {
        email: user.email,
        changed: Object.keys(request.body),
        ...(endedSessions > 0 ? { endedSessions } : {}),
        ...(memberships ? { memberships: toUserDto(user).memberships } : {}),
      },
    });
    return toUserDto(user);
  });

  serve(app, 'DELETE /admin/users/:id/sessions', async (request) => {
    const user = await app.db.user.findUnique({
      where: { id: request.params.id },
      select: { id: true, email: true },
    });
    if (!user) throw notFound('user');
    const ended = await endUserSessions(app.db, user.id);
    await writeAudit(app.db, {
      actor: request.actor,
      action: 'user.sessions.end',
      details: { email: user.email, ended },
    });
    return { ended };
  });

  serve(app, 'DELETE /admin/users/:id', async (request, reply) => {
    const user = await app.db.user.findUnique({
      where: { id: request.params.id },
      select: { id: true, email: true },
    });
    if (!user) throw notFound('user');
    await app.db.user.delete({ where: { id: user.id } });
    await writeAudit(app.db, {
      actor: request.actor,
      action: 'user.delete',
      details: { email: user.email },
    });
    return reply.status(204).send(null);
  });
};

export default routes;
