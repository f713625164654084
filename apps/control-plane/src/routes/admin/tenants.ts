import type { FastifyPluginAsync } from 'fastify';
import { isUniqueViolation } from '@wa-fleet/db';
import { workerAppName } from '@wa-fleet/shared';
import { AppError, conflict } from '../../errors.ts';
import { writeAudit } from '../../services/audit.ts';
import { removeTenantFiles } from '../../services/tenant-files.ts';
import { resolveTenant } from '../../services/tenant-resolver.ts';
import {
  databaseNow,
  SESSION_SELECT,
  toSessionDto,
  toTenantDto,
  toWorkerDto,
  WORKER_SELECT,
} from '../mappers.ts';
import { serve } from '../serve.ts';

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'POST /admin/tenants', async (request, reply) => {
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
  });

  serve(app, 'GET /admin/tenants', async () => {
    const [now, tenants] = await Promise.all([
      databaseNow(app.db),
      app.db.tenant.findMany({ orderBy: { slug: 'asc' }, include: { worker: { select: WORKER_SELECT } } }),
    ]);
    return { items: tenants.map((t) => ({ ...toTenantDto(t), worker: toWorkerDto(t.worker, now) })) };
  });

  serve(app, 'GET /admin/tenants/:tenant', async (request) => {
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
  });

  serve(app, 'PATCH /admin/tenants/:tenant', async (request) => {
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
  });

  serve(app, 'DELETE /admin/tenants/:tenant', async (request, reply) => {
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
  });
};

export default routes;
