import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Prisma } from '@wa-fleet/db';
import { AppError, notFound } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import { errorResponses, IdParams, Nullable, TENANT_REF_PATTERN } from '../../schemas/common.ts';
import { decodeCursor, encodeCursor } from '../mappers.ts';
import {
  SETUP_REQUEST_INCLUDE,
  SetupRequestSchema,
  SetupRequestStatusSchema,
  toSetupRequestDto,
} from '../../schemas/setup-request.ts';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first (keyset pagination)',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            tenant: Type.Optional(Type.String({ pattern: TENANT_REF_PATTERN })),
            action: Type.Optional(Type.String({ pattern: '^[a-z_.]{1,100}$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                actor: Type.String(),
                tenantId: Nullable(Type.String()),
                tenantSlug: Nullable(Type.String()),
                action: Type.String(),
                details: Type.Unknown(),
                createdAt: Type.String({ format: 'date-time' }),
              }),
            ),
            nextCursor: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
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
    },
  );

  app.get(
    '/setup-requests',
    {
      schema: {
        tags: ['admin'],
        summary: 'Setup requests from tenants, newest first',
        querystring: Type.Object(
          {
            status: Type.Optional(SetupRequestStatusSchema),
            tenant: Type.Optional(Type.String({ pattern: TENANT_REF_PATTERN })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(SetupRequestSchema) }), ...errorResponses },
      },
    },
    async (request) => {
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
    },
  );

  app.patch(
    '/setup-requests/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Update a setup request (status, note to the tenant)',
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Optional(SetupRequestStatusSchema),
            adminNote: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: SetupRequestSchema, ...errorResponses },
      },
    },
    async (request) => {
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
    },
  );
};

export default routes;
