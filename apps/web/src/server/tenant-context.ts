import 'server-only';
import { redirect } from 'next/navigation';
import { hasRoleAtLeast, type Role } from '@wa-fleet/shared';
import { currentRole, readSignedInSession, type SessionMembership, type SignedInSession } from './session.ts';

export interface TenantContext {
  session: SignedInSession;
  tenant: SessionMembership | undefined;
  role: Role | null;
  can: (needed: Role) => boolean;
}

/** The signed-in user and the tenant they look at; redirects to sign-in when there is no session. */
export async function requireTenantContext(): Promise<TenantContext> {
  const session = await readSignedInSession();
  if (!session) redirect('/login');
  let tenant = session.memberships.find((m) => m.slug === session.tenantSlug);
  // A platform admin may look at any tenant's pages (chosen from the admin tenant page).
  if (!tenant && session.isSuperAdmin && session.tenantSlug) {
    tenant = { slug: session.tenantSlug, name: session.tenantSlug, role: 'SUPER_ADMIN' };
  }
  const role = currentRole(session);
  return { session, tenant, role, can: (needed) => role !== null && hasRoleAtLeast(role, needed) };
}
