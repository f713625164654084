import type { FastifyPluginAsync } from 'fastify';
import type { Prisma } from '@wa-fleet/db';
import { AppError, notFound } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { decodeCursor, encodeCursor, SETUP_REQUEST_INCLUDE, toSetupRequestDto } from '../mappers.ts';
import { serve } from '../serve.ts';

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /admin/audit', async (request) => {
    const limit = request.query.limit ?? 100;
    const where: Prisma.AuditLogWhereInput = {};
    if (request.query.tenant) where.tenantSlug = (await resolveTenant(app.db, request.query.tenant)).slug;
    if (request.query.action) where.action = request.query.action;
    if (request.query.cursor) {
      const c = decodeCursor(request.query.cursor);
      if (!c) throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor');
      where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
    }
    const rows = await app.db.auditLog.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  });

  serve(app, 'GET /admin/setup-requests', async (request) => {
    const tenantId = request.query.tenant
      ? (await resolveTenant(app.db, request.query.tenant)).id
      : undefined;
    const rows = await app.db.setupRequest.findMany({
      where: { status: request.query.status, tenantId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 500,
      include: SETUP_REQUEST_INCLUDE,
    });
    return { items: rows.map(toSetupRequestDto) };
  });

  serve(app, 'PATCH /admin/setup-requests/:id', async (request) => {
    const existing = await app.db.setupRequest.findUnique({
      where: { id: request.params.id },
      select: { id: true },
    });
    if (!existing) throw notFound('setup request');
    const row = await app.db.setupRequest.update({
      where: { id: existing.id },
      data: request.body,
      include: SETUP_REQUEST_INCLUDE,
    });
    await writeAudit(app.db, {
      actor: request.actor,
      action: 'setup_request.update',
      tenantId: row.tenantId,
      tenantSlug: row.tenant.slug,
      details: { id: row.id, status: row.status },
    });
    return toSetupRequestDto(row);
  });
};

export default routes;
