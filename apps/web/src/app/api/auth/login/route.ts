import type { NextRequest } from 'next/server';
import { clientOf } from '@/server/client-address.ts';
import { ControlPlaneUnreachableError, callControlPlane } from '@/server/control-plane.ts';
import { readLoginAnswer } from '@/server/login.ts';
import { jsonError, parseBody, refuseForeignOrigin, relay, unreachable } from '@/server/proxy.ts';
import { loginBody } from '@/server/schemas.ts';
import { getSession } from '@/server/session.ts';

/** Email (320) + password (200) + JSON punctuation: anything bigger is not a sign-in. */
const LOGIN_BODY_LIMIT = 2048;

function readToken(body: unknown): string | undefined {
  const session = (body as { session?: { token?: unknown } } | null)?.session;
  return typeof session?.token === 'string' ? session.token : undefined;
}

export async function POST(req: NextRequest): Promise<Response> {
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const parsed = await parseBody(req, loginBody, LOGIN_BODY_LIMIT);
  if (!parsed.ok) return parsed.response;
  let upstream: Response;
  try {
    upstream = await callControlPlane({
      method: 'POST',
      path: '/portal/auth/login',
      body: parsed.value,
      client: clientOf(req),
    });
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
  const body = (await upstream.json()) as unknown;
  const answer = readLoginAnswer(body);
  const token = readToken(body);
  if (!answer.email || !token) return jsonError(502, 'BAD_UPSTREAM', 'the control plane sent no session');
  if (!answer.isSuperAdmin && answer.memberships.length === 0) {
    await callControlPlane({ method: 'POST', path: '/portal/auth/logout', sessionToken: token });
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
  session.tenantSlug = answer.memberships[0]?.slug;
  await session.save();
  const redirectTo = answer.memberships.length > 0 ? '/overview' : '/admin/tenants';
  return Response.json({ ok: true, redirectTo }, { headers: { 'cache-control': 'no-store' } });
}
