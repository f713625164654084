import type { NextRequest } from 'next/server';
import { isValidSlug } from '@wa-fleet/shared';
import { jsonError, readLimited, refuseForeignOrigin, unauthenticated } from '@/server/proxy.ts';
import { getSession, readSignedInSession } from '@/server/session.ts';

/** `{ "slug": "<tenant slug>" }` is far smaller than this. */
const TENANT_BODY_LIMIT = 1024;

/** The body is the portal's own (no control-plane route): `{ "slug": "<tenant slug>" }`. */
function readSlug(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'slug') return undefined;
  const { slug } = body as { slug: unknown };
  return typeof slug === 'string' && isValidSlug(slug) ? slug : undefined;
}

/**
 * Switches the tenant the user looks at: one of their memberships, or any tenant for a platform admin.
 * The control plane checks the choice again on every call (x-tenant), so a stale cookie cannot widen access.
 */
export async function POST(req: NextRequest): Promise<Response> {
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const text = await readLimited(req, TENANT_BODY_LIMIT);
  if (!text.ok) return text.response;
  const slug = readSlug(text.value);
  if (!slug) return jsonError(400, 'VALIDATION_ERROR', 'body must be {"slug": "<tenant slug>"}');
  const user = await readSignedInSession();
  if (!user) return unauthenticated();
  if (user.unverified)
    return jsonError(503, 'CONTROL_PLANE_UNREACHABLE', 'The control plane is not answering.');
  const membership = user.memberships.find((m) => m.slug === slug);
  if (!membership && !user.isSuperAdmin) {
    return jsonError(403, 'NOT_A_MEMBER', 'You are not a member of that tenant.');
  }
  const session = await getSession();
  session.tenantSlug = slug;
  await session.save();
  return Response.json({ ok: true, tenant: slug }, { headers: { 'cache-control': 'no-store' } });
}
