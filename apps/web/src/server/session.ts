import 'server-only';
import { cookies, headers } from 'next/headers';
import { getIronSession, type SessionOptions } from 'iron-session';
import type { Role } from '@wa-fleet/shared';
import { getConfig } from './config.ts';

export interface SessionMembership {
  slug: string;
  name: string;
  role: Role;
}

/** Everything the portal remembers about a signed-in user; sealed (encrypted + signed) in a cookie. */
export interface PortalSession {
  email?: string;
  name?: string;
  isSuperAdmin?: boolean;
  memberships?: SessionMembership[];
  /** Slug of the tenant the user is looking at, sent to the control plane as `x-tenant`. */
  tenantSlug?: string;
}

export interface SignedInSession extends PortalSession {
  email: string;
  memberships: SessionMembership[];
}

const COOKIE_NAME = 'wa_portal_session';
const SESSION_TTL_SECONDS = 12 * 60 * 60;

async function isSecureRequest(): Promise<boolean> {
  const { COOKIE_SECURE } = getConfig();
  if (COOKIE_SECURE !== 'auto') return COOKIE_SECURE === 'true';
  // Behind a TLS-terminating proxy the forwarded protocol tells; plain http on localhost stays usable.
  const h = await headers();
  return (h.get('x-forwarded-proto') ?? '').split(',')[0]?.trim() === 'https';
}

async function sessionOptions(): Promise<SessionOptions> {
  return {
    cookieName: COOKIE_NAME,
    password: getConfig().SESSION_SECRET,
    ttl: SESSION_TTL_SECONDS,
    cookieOptions: {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: await isSecureRequest(),
    },
  };
}

export async function getSession() {
  return getIronSession<PortalSession>(await cookies(), await sessionOptions());
}

/** The signed-in user, or null. */
export async function readSignedInSession(): Promise<SignedInSession | null> {
  const session = await getSession();
  if (!session.email) return null;
  return {
    ...session,
    email: session.email,
    memberships: session.memberships ?? [],
  };
}

/** The role the user holds in the tenant they are looking at (SUPER_ADMIN counts everywhere). */
export function currentRole(session: SignedInSession): Role | null {
  if (session.isSuperAdmin) return 'SUPER_ADMIN';
  const found = session.memberships.find((m) => m.slug === session.tenantSlug);
  return found?.role ?? null;
}
