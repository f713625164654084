import type { DbClient } from '@wa-fleet/db';
import { isUuid } from '@wa-fleet/shared';
import { notFound } from '../errors.ts';

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
