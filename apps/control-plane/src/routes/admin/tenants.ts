import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isUniqueViolation } from '@wa-fleet/db';
import { workerAppName } from '@wa-fleet/shared';
import { AppError, conflict } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { removeTenantFiles } from '../../services/tenant-files.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import {
  EngineSchema,
  errorResponses,
  Nullable,
  SessionSchema,
  Slug,
  TenantParams,
  TenantSchema,
  WorkerSchema,
} from '../../schemas/common.ts';
import {
  databaseNow,
  SESSION_SELECT,
  toSessionDto,
  toTenantDto,
  toWorkerDto,
  WORKER_SELECT,
} from '../mappers.ts';

const TenantWithWorker = Type.Object({ ...TenantSchema.properties, worker: WorkerSchema });
const TenantDetail = Type.Object({
  ...TenantSchema.properties,
  worker: WorkerSchema,
  session: SessionSchema,
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant (its worker starts STOPPED)',
        body: Type.Object(
          {
            slug: Slug,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            engine: Type.Optional(Nullable(EngineSchema)),
          },
          { additionalProperties: false },
        ),
        response: { 201: TenantSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { slug, name, engine } = request.body;
      try {
        const tenant = await app.db.tenant.create({
          data: {
            slug,
            name,
            engine: engine ?? null,
            worker: { create: { pm2Name: workerAppName(slug) } },
            session: { create: {} },
          },
        });
        await writeAudit(app.db, {
          actor: request.actor,
          action: 'tenant.create',
          tenantId: tenant.id,
          tenantSlug: slug,
          details: { name, engine: engine ?? null },
        });
        return reply.status(201).send(toTenantDto(tenant));
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`tenant slug ${slug} is taken`);
        throw err;
      }
    },
  );

  app.get(
    '/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'List tenants with their worker status',
        response: { 200: Type.Object({ items: Type.Array(TenantWithWorker) }), ...errorResponses },
      },
    },
    async () => {
      const [now, tenants] = await Promise.all([
        databaseNow(app.db),
        app.db.tenant.findMany({ orderBy: { slug: 'asc' }, include: { worker: { select: WORKER_SELECT } } }),
      ]);
      return { items: tenants.map((t) => ({ ...toTenantDto(t), worker: toWorkerDto(t.worker, now) })) };
    },
  );

  app.get(
    '/tenants/:tenant',
    {
      schema: {
        tags: ['admin'],
        summary: 'A tenant by id or slug, with worker and session',
        params: TenantParams,
        response: { 200: TenantDetail, ...errorResponses },
      },
    },
    async (request) => {
      const ref = await resolveTenant(app.db, request.params.tenant);
      const [now, tenant] = await Promise.all([
        databaseNow(app.db),
        app.db.tenant.findUniqueOrThrow({
          where: { id: ref.id },
          include: { worker: { select: WORKER_SELECT }, session: { select: SESSION_SELECT } },
        }),
      ]);
      return {
        ...toTenantDto(tenant),
        worker: toWorkerDto(tenant.worker, now),
        session: toSessionDto(tenant.session),
      };
    },
  );

  app.patch(
    '/tenants/:tenant',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Rename a tenant, choose its engine, or disable it (stops its worker; its users are locked out until enabled again). The slug is immutable',
        params: TenantParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            engine: Type.Optional(Nullable(EngineSchema)),
            status: Type.Optional(Type.Enum(['ACTIVE', 'DISABLED'])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: TenantSchema, ...errorResponses },
      },
    },
    async (request) => {
      const ref = await resolveTenant(app.db, request.params.tenant);
      const tenant = await app.db.tenant.update({ where: { id: ref.id }, data: request.body });
      await writeAudit(app.db, {
        actor: request.actor,
        action: 'tenant.update',
        tenantId: ref.id,
        tenantSlug: ref.slug,
        details: request.body,
      });
      // Disabled means down: the running worker is stopped (in the background, audited as worker.stop).
      // Enabling again does not start it; start is allowed again.
      if (request.body.status === 'DISABLED') await app.workers.request(ref, 'stop', request.actor);
      return toTenantDto(tenant);
    },
  );

  app.delete(
    '/tenants/:tenant',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Delete a tenant: stops its worker, then removes its data, log files and WhatsApp session data (audit entries stay)',
        params: TenantParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const ref = await resolveTenant(app.db, request.params.tenant);
      await app.workers.removeProcess(ref).catch((err: unknown) => {
        request.log.error({ err, tenant: ref.slug }, 'could not stop worker of deleted tenant');
        throw new AppError('CONFLICT', 'could not stop the worker; tenant not deleted');
      });
      await app.db.tenant.delete({ where: { id: ref.id } });
      // After the rows: a failure here leaves files, never a tenant without its logs.
      const removedFiles = await removeTenantFiles(app.config, ref).catch((err: unknown) => {
        request.log.error({ err, tenant: ref.slug }, 'could not remove the files of a deleted tenant');
        return null;
      });
      await writeAudit(app.db, {
        actor: request.actor,
        action: 'tenant.delete',
        tenantSlug: ref.slug,
        details: { id: ref.id, removedFiles },
      });
      return reply.status(204).send(null);
    },
  );
};

export default routes;
