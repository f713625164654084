import type { NextRequest } from 'next/server';
import { callRoute } from '@/server/control-plane.ts';
import { refuseForeignOrigin } from '@/server/proxy.ts';
import { getSession } from '@/server/session.ts';

/**
 * A plain form POST (works without JavaScript); ends the session at the control plane (so a copy of the
 * cookie is dead too), clears the cookie and redirects to the sign-in page.
 */
export async function POST(req: NextRequest): Promise<Response> {
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const session = await getSession();
  const token = session.token;
  if (token) {
    const ended = await callRoute('POST /portal/auth/logout', { as: { sessionToken: token } })
      .then((res) => res.ok)
      .catch(() => false);
    if (!ended) {
      // The cookie is kept so that signing out can be retried: clearing only it would leave the session
      // alive on the server for whoever copied the cookie.
      return new Response('The control plane did not confirm the sign-out; try again.', {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
  }
  session.destroy();
  return new Response(null, { status: 303, headers: { location: new URL('/login', req.url).pathname } });
}
