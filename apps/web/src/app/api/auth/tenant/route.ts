import type { NextRequest } from 'next/server';
import { jsonError, parseBody, unauthenticated } from '@/server/proxy.ts';
import { switchTenantBody } from '@/server/schemas.ts';
import { getSession } from '@/server/session.ts';

/**
 * Switches the tenant the user looks at: one of their memberships, or any tenant for a platform admin.
 * The control plane checks the choice again on every call (x-tenant), so a stale session cannot widen access.
 */
export async function POST(req: NextRequest): Promise<Response> {
  const session = await getSession();
  if (!session.email) return unauthenticated();
  const parsed = await parseBody(req, switchTenantBody);
  if (!parsed.ok) return parsed.response;
  const membership = (session.memberships ?? []).find((m) => m.slug === parsed.value.slug);
  if (!membership && !session.isSuperAdmin) {
    return jsonError(403, 'NOT_A_MEMBER', 'You are not a member of that tenant.');
  }
  session.tenantSlug = parsed.value.slug;
  await session.save();
  return Response.json({ ok: true, tenant: parsed.value.slug }, { headers: { 'cache-control': 'no-store' } });
}
