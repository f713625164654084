import type { NextRequest } from 'next/server';
import { ControlPlaneUnreachableError, callRoute, type RouteResult } from '@/server/control-plane.ts';
import { readLoginAnswer } from '@/server/login.ts';
import { jsonError, parseBody, unreachable } from '@/server/proxy.ts';
import { getSession } from '@/server/session.ts';

const ROUTE = 'POST /portal/auth/login';

export async function POST(req: NextRequest): Promise<Response> {
  const parsed = await parseBody(req, ROUTE);
  if (!parsed.ok) return parsed.response;
  let answer: RouteResult<typeof ROUTE>;
  try {
    answer = await callRoute(ROUTE, { body: parsed.value });
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) return unreachable();
    throw err;
  }
  if (!answer.ok) {
    if (answer.status === 401) return jsonError(401, 'BAD_CREDENTIALS', 'Wrong email or password.');
    return jsonError(answer.status, answer.error.code, answer.error.message);
  }
  const signedIn = readLoginAnswer(answer.data);
  if (!signedIn.isSuperAdmin && signedIn.memberships.length === 0) {
    return jsonError(
      403,
      'NO_MEMBERSHIP',
      'This account belongs to no tenant yet. Ask a platform admin to add you.',
    );
  }
  const session = await getSession();
  session.email = signedIn.email;
  session.name = signedIn.name;
  session.isSuperAdmin = signedIn.isSuperAdmin;
  session.memberships = signedIn.memberships;
  session.tenantSlug = signedIn.memberships[0]?.slug;
  await session.save();
  const redirectTo = signedIn.memberships.length > 0 ? '/overview' : '/admin/tenants';
  return Response.json({ ok: true, redirectTo }, { headers: { 'cache-control': 'no-store' } });
}
