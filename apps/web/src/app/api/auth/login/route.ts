import type { NextRequest } from 'next/server';
import { ControlPlaneUnreachableError, callControlPlane } from '@/server/control-plane.ts';
import { readLoginAnswer } from '@/server/login.ts';
import { jsonError, parseBody, relay, unreachable } from '@/server/proxy.ts';
import { loginBody } from '@/server/schemas.ts';
import { getSession } from '@/server/session.ts';

export async function POST(req: NextRequest): Promise<Response> {
  const parsed = await parseBody(req, loginBody);
  if (!parsed.ok) return parsed.response;
  let upstream: Response;
  try {
    upstream = await callControlPlane({ method: 'POST', path: '/portal/auth/login', body: parsed.value });
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) return unreachable();
    throw err;
  }
  if (upstream.status === 401) return jsonError(401, 'BAD_CREDENTIALS', 'Wrong email or password.');
  if (!upstream.ok) return relay(upstream);
  const answer = readLoginAnswer(await upstream.json());
  if (!answer.email) return jsonError(502, 'BAD_UPSTREAM', 'the control plane sent no user');
  if (!answer.isSuperAdmin && answer.memberships.length === 0) {
    return jsonError(
      403,
      'NO_MEMBERSHIP',
      'This account belongs to no tenant yet. Ask a platform admin to add you.',
    );
  }
  const session = await getSession();
  session.email = answer.email;
  session.name = answer.name;
  session.isSuperAdmin = answer.isSuperAdmin;
  session.memberships = answer.memberships;
  session.tenantSlug = answer.memberships[0]?.slug;
  await session.save();
  const redirectTo = answer.memberships.length > 0 ? '/overview' : '/admin/tenants';
  return Response.json({ ok: true, redirectTo }, { headers: { 'cache-control': 'no-store' } });
}
