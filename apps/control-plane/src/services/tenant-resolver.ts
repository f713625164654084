import type { DbClient } from '@wa-fleet/db';
import { isUuid } from '@wa-fleet/shared';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { AppError, notFound } from '../errors.ts';

export interface TenantRef {
  id: string;
  slug: string;
  name: string;
  engine: string | null;
}

/** Looks a tenant up by id or slug (already validated by the route schema); 404 when absent. */
export async function resolveTenant(db: DbClient, ref: string): Promise<TenantRef> {
  const where = isUuid(ref) ? { id: ref.toLowerCase() } : { slug: ref };
  const tenant = await db.tenant.findUnique({
    where,
    select: { id: true, slug: true, name: true, engine: true },
  });
  if (!tenant) throw notFound(`tenant ${ref}`);
  return tenant;
}

export const tenantDisabled = (slug: string, what: string) =>
  new AppError('TENANT_DISABLED', `tenant disabled: ${slug} ${what}; a platform admin can enable it again`);

/** Throws TENANT_DISABLED when the tenant is DISABLED (`what` says what was refused). */
export async function assertTenantEnabled(db: DbClient, tenant: TenantRef, what: string): Promise<void> {
  const row = await db.tenant.findUnique({ where: { id: tenant.id }, select: { status: true } });
  if (row?.status === 'DISABLED') throw tenantDisabled(tenant.slug, what);
}

/**
 * Portal routes on a tenant: a DISABLED tenant is closed to its users, reads included, until a platform
 * admin enables it again. Runs after the portal auth hook has chosen the tenant.
 */
export function requireEnabledTenant(app: FastifyInstance): onRequestAsyncHookHandler {
  return async (request) => {
    const tenant = request.portal?.tenant;
    if (!tenant) return;
    // Read with the session (at most SESSION_CACHE_TTL_MS old, and forgotten at once by a change here).
    if (request.portal?.tenantStatus) {
      if (request.portal.tenantStatus === 'DISABLED')
        throw tenantDisabled(tenant.slug, 'is closed to its users');
      return;
    }
    const row = await app.db.tenant.findUnique({ where: { id: tenant.id }, select: { status: true } });
    if (row?.status === 'DISABLED') throw tenantDisabled(tenant.slug, 'is closed to its users');
  };
}
