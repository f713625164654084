import type { NextRequest } from 'next/server';
import { jsonError, parseBody, refuseForeignOrigin, unauthenticated } from '@/server/proxy.ts';
import { switchTenantBody } from '@/server/schemas.ts';
import { getSession, readSignedInSession } from '@/server/session.ts';

/**
 * Switches the tenant the user looks at: one of their memberships, or any tenant for a platform admin.
 * The control plane checks the choice again on every call (x-tenant), so a stale cookie cannot widen access.
 */
export async function POST(req: NextRequest): Promise<Response> {
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const parsed = await parseBody(req, switchTenantBody);
  if (!parsed.ok) return parsed.response;
  const user = await readSignedInSession();
  if (!user) return unauthenticated();
  if (user.unverified)
    return jsonError(503, 'CONTROL_PLANE_UNREACHABLE', 'The control plane is not answering.');
  const membership = user.memberships.find((m) => m.slug === parsed.value.slug);
  if (!membership && !user.isSuperAdmin) {
    return jsonError(403, 'NOT_A_MEMBER', 'You are not a member of that tenant.');
  }
  const session = await getSession();
  session.tenantSlug = parsed.value.slug;
  await session.save();
  return Response.json({ ok: true, tenant: parsed.value.slug }, { headers: { 'cache-control': 'no-store' } });
}
