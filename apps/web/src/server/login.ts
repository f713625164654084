import 'server-only';
import type { RouteResponse } from '@wa-fleet/contract';
import type { SessionMembership } from './session.ts';

/**
 * Turns the control plane's sign-in answer (user + memberships) into what the session keeps: the slug,
 * name and role of each tenant membership. A platform-wide SUPER_ADMIN membership names no tenant.
 */
export function readLoginAnswer(answer: RouteResponse<'GET /portal/auth/session'>): {
  email: string;
  name: string;
  isSuperAdmin: boolean;
  memberships: SessionMembership[];
} {
  const isSuperAdmin = answer.memberships.some((m) => m.role === 'SUPER_ADMIN');
  const memberships: SessionMembership[] = answer.memberships
    .filter((m) => m.role !== 'SUPER_ADMIN' && m.tenantSlug !== null)
    .map((m) => ({ slug: m.tenantSlug ?? '', name: m.tenantName ?? m.tenantSlug ?? '', role: m.role }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { email: answer.user.email, name: answer.user.name, isSuperAdmin, memberships };
}
