import 'server-only';
import { cookies, headers } from 'next/headers';
import { getIronSession, type SessionOptions } from 'iron-session';
import type { Role } from '@wa-fleet/shared';
import { cache } from 'react';
import { getConfig } from './config.ts';
import { callRoute, ControlPlaneUnreachableError, type RouteResult } from './control-plane.ts';
import { readLoginAnswer } from './login.ts';

export interface SessionMembership {
  slug: string;
  name: string;
  role: Role;
}

/**
 * What the portal's cookie holds (sealed: encrypted and signed with SESSION_SECRET): the opaque session
 * token the control plane issued at sign-in, and which of the user's tenants they are looking at. Who the
 * user is, and what they may do, is asked from the control plane on every request with that token, so a
 * session ended there (sign-out, password change, deactivation, "sign out everywhere") ends here at once,
 * and SESSION_SECRET alone mints nobody: a sealed cookie without a live token is just a sign-in page.
 */
export interface PortalCookie {
  token?: string;
  /** Slug of the tenant the user is looking at, sent to the control plane as `x-tenant`. */
  tenantSlug?: string;
}

export interface SignedInSession {
  token: string;
  email: string;
  name: string;
  isSuperAdmin: boolean;
  memberships: SessionMembership[];
  tenantSlug?: string;
  /** The control plane did not answer: nothing is known beyond the token; every data call shows a banner. */
  unverified?: true;
}

const COOKIE_NAME = 'wa_portal_session';
/** The cookie's own lifetime; the session row's expiry (control plane) is what really counts. */
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
  return getIronSession<PortalCookie>(await cookies(), await sessionOptions());
}

/**
 * The signed-in user, or null (no cookie, or the control plane says the session has ended). Asked once
 * per request (React's cache spans the layout, the page and their components).
 */
export const readSignedInSession = cache(async (): Promise<SignedInSession | null> => {
  const cookie = await getSession();
  const token = cookie.token;
  if (!token) return null;
  let answer: RouteResult<'GET /portal/auth/session'>;
  try {
    answer = await callRoute('GET /portal/auth/session', { as: { sessionToken: token } });
  } catch (err) {
    if (!(err instanceof ControlPlaneUnreachableError)) throw err;
    const slug = cookie.tenantSlug;
    return {
      token,
      email: '',
      name: 'Signed in',
      isSuperAdmin: false,
      memberships: slug ? [{ slug, name: slug, role: 'VIEWER' }] : [],
      tenantSlug: slug,
      unverified: true,
    };
  }
  if (answer.status === 401) return null;
  if (!answer.ok) throw new Error(`the control plane answered ${answer.status} for the session`);
  const user = readLoginAnswer(answer.data);
  return { token, ...user, tenantSlug: cookie.tenantSlug };
});

/** The role the user holds in the tenant they are looking at (SUPER_ADMIN counts everywhere). */
export function currentRole(session: SignedInSession): Role | null {
  if (session.isSuperAdmin) return 'SUPER_ADMIN';
  const found = session.memberships.find((m) => m.slug === session.tenantSlug);
  return found?.role ?? null;
}
