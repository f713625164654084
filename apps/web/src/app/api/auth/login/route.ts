import type { NextRequest } from 'next/server';
import type { RouteResponse } from '@wa-fleet/contract';
import { clientOf } from '@/server/client-address.ts';
import { ControlPlaneUnreachableError, callRoute, openRoute } from '@/server/control-plane.ts';
import { readLoginAnswer } from '@/server/login.ts';
import { jsonError, parseBody, refuseForeignOrigin, relay, unreachable } from '@/server/proxy.ts';
import { getSession } from '@/server/session.ts';

const ROUTE = 'POST /portal/auth/login';

/** Email (320) + password (200) + JSON punctuation: anything bigger is not a sign-in. */
const LOGIN_BODY_LIMIT = 2048;

export async function POST(req: NextRequest): Promise<Response> {
  // Origin first, then the capped body: a foreign or oversized request is refused before it is parsed.
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const parsed = await parseBody(req, ROUTE, LOGIN_BODY_LIMIT);
  if (!parsed.ok) return parsed.response;
  let upstream: Response;
  try {
    upstream = await openRoute(ROUTE, { body: parsed.value, client: clientOf(req) });
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) return unreachable();
    throw err;
  }
  if (upstream.status === 401) return jsonError(401, 'BAD_CREDENTIALS', 'Wrong email or password.');
  if (upstream.status === 429 || upstream.status === 503) {
    const retryAfter = upstream.headers.get('retry-after');
    const relayed = await relay(upstream);
    if (retryAfter) relayed.headers.set('retry-after', retryAfter);
    return relayed;
  }
  if (!upstream.ok) return relay(upstream);
  const answer = (await upstream.json()) as RouteResponse<typeof ROUTE>;
  const signedIn = readLoginAnswer(answer);
  const token = answer.session?.token;
  if (!signedIn.email || !token) return jsonError(502, 'BAD_UPSTREAM', 'the control plane sent no session');
  if (!signedIn.isSuperAdmin && signedIn.memberships.length === 0) {
    await callRoute('POST /portal/auth/logout', { as: { sessionToken: token } }).catch(() => undefined);
    return jsonError(
      403,
      'NO_MEMBERSHIP',
      'This account belongs to no tenant yet. Ask a platform admin to add you.',
    );
  }
  const session = await getSession();
  // A fresh cookie: nothing of an earlier session (another user's tenant choice) carries over.
  session.destroy();
  session.token = token;
  session.tenantSlug = signedIn.memberships[0]?.slug;
  await session.save();
  const redirectTo = signedIn.memberships.length > 0 ? '/overview' : '/admin/tenants';
  return Response.json({ ok: true, redirectTo }, { headers: { 'cache-control': 'no-store' } });
}
