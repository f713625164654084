import type { NextRequest } from 'next/server';
import { isValidSlug } from '@wa-fleet/shared';
import { jsonError, unauthenticated } from '@/server/proxy.ts';
import { getSession } from '@/server/session.ts';

/** The body is the portal's own (no control-plane route): `{ "slug": "<tenant slug>" }`. */
async function readSlug(req: NextRequest): Promise<string | undefined> {
  const body = (await req.json().catch(() => undefined)) as unknown;
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'slug') return undefined;
  const { slug } = body as { slug: unknown };
  return typeof slug === 'string' && isValidSlug(slug) ? slug : undefined;
}

/**
 * Switches the tenant the user looks at: one of their memberships, or any tenant for a platform admin.
 * The control plane checks the choice again on every call (x-tenant), so a stale session cannot widen access.
 */
export async function POST(req: NextRequest): Promise<Response> {
  const session = await getSession();
  if (!session.email) return unauthenticated();
  const slug = await readSlug(req);
  if (!slug) return jsonError(400, 'VALIDATION_ERROR', 'body must be {"slug": "<tenant slug>"}');
  const membership = (session.memberships ?? []).find((m) => m.slug === slug);
  if (!membership && !session.isSuperAdmin) {
    return jsonError(403, 'NOT_A_MEMBER', 'You are not a member of that tenant.');
  }
  session.tenantSlug = slug;
  await session.save();
  return Response.json({ ok: true, tenant: slug }, { headers: { 'cache-control': 'no-store' } });
}
