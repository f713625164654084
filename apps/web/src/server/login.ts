import 'server-only';
import { ROLES, isValidSlug, type Role } from '@wa-fleet/shared';
import type { SessionMembership } from './session.ts';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Turns the control plane's sign-in answer (user + memberships) into what the session keeps: the slug,
 * name and role of each tenant membership. Platform-wide SUPER_ADMIN memberships name no tenant.
 */
export function readLoginAnswer(body: unknown): {
  email: string;
  name: string;
  isSuperAdmin: boolean;
  memberships: SessionMembership[];
} {
  const root = asRecord(body);
  const user = asRecord(root.user);
  const rawMemberships = Array.isArray(root.memberships)
    ? root.memberships
    : Array.isArray(user.memberships)
      ? user.memberships
      : [];
  const memberships: SessionMembership[] = [];
  let isSuperAdmin = user.isSuperAdmin === true;
  for (const raw of rawMemberships) {
    const m = asRecord(raw);
    if (!isRole(m.role)) continue;
    if (m.role === 'SUPER_ADMIN') isSuperAdmin = true;
    const tenant = asRecord(m.tenant);
    const slug = asString(m.tenantSlug) ?? asString(tenant.slug) ?? asString(m.slug);
    if (!slug || !isValidSlug(slug)) continue;
    const name = asString(m.tenantName) ?? asString(tenant.name) ?? slug;
    memberships.push({ slug, name, role: m.role });
  }
  memberships.sort((a, b) => a.name.localeCompare(b.name));
  const email = asString(user.email) ?? '';
  return { email, name: asString(user.name) ?? email, isSuperAdmin, memberships };
}
