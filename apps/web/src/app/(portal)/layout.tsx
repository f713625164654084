import { redirect } from 'next/navigation';
import { hasRoleAtLeast } from '@wa-fleet/shared';
import {
  currentRole,
  readSignedInSession,
  type SessionMembership,
  type SignedInSession,
} from '@/server/session.ts';
import { NavLinks, type NavItem } from '@/components/nav-links.tsx';
import { TenantSwitcher } from '@/components/tenant-switcher.tsx';

export const dynamic = 'force-dynamic';

/** The user's tenants, plus the one a platform admin opened from the admin pages. */
function switcherOptions(session: SignedInSession): SessionMembership[] {
  const options = [...session.memberships];
  if (session.tenantSlug && !options.some((m) => m.slug === session.tenantSlug)) {
    options.push({ slug: session.tenantSlug, name: session.tenantSlug, role: 'SUPER_ADMIN' });
  }
  return options;
}

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  const session = await readSignedInSession();
  if (!session) redirect('/login');
  const role = currentRole(session);
  const can = (needed: Parameters<typeof hasRoleAtLeast>[1]) => role !== null && hasRoleAtLeast(role, needed);
  const items: NavItem[] = [];
  const hasTenant =
    session.memberships.length > 0 || (session.isSuperAdmin === true && session.tenantSlug !== undefined);
  if (hasTenant) {
    items.push(
      { href: '/overview', label: 'Overview' },
      { href: '/conversations', label: 'Conversations' },
      { href: '/messages', label: 'Messages' },
    );
    if (can('OPERATOR')) items.push({ href: '/send', label: 'Send message' });
    if (can('TENANT_ADMIN')) items.push({ href: '/auto-replies', label: 'Auto-replies' });
    if (can('TENANT_ADMIN')) items.push({ href: '/api-keys', label: 'API keys' });
    if (can('TENANT_ADMIN')) items.push({ href: '/webhooks', label: 'Webhooks' });
    items.push({ href: '/setup', label: 'Setup request' }, { href: '/stats', label: 'Statistics' });
  }
  if (session.isSuperAdmin) {
    items.push(
      { href: '/admin/tenants', label: 'Tenants', group: 'Admin' },
      { href: '/admin/users', label: 'Users' },
      { href: '/admin/setup-requests', label: 'Setup requests' },
      { href: '/admin/audit', label: 'Audit log' },
    );
  }
  return (
    <>
      <header className="topbar">
        <a className="brand" href="/">
          wa-fleet
        </a>
        {hasTenant && (
          <TenantSwitcher tenants={switcherOptions(session)} current={session.tenantSlug ?? ''} />
        )}
        <div className="user-box">
          <span data-testid="signed-in-as">
            {session.name ?? session.email}
            {role ? ` · ${role}` : ''}
          </span>
          <form method="post" action="/api/auth/logout">
            <button type="submit" className="secondary">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <nav className="nav" aria-label="Main">
        <NavLinks items={items} />
      </nav>
      {/* Keyed by tenant: switching tenants remounts every client view, so no data of the previous one lingers. */}
      <main id="main" tabIndex={-1} key={session.tenantSlug ?? '-'}>
        {children}
      </main>
    </>
  );
}
