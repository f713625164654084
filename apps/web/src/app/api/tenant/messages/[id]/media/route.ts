import { streamRoute } from '@/server/proxy.ts';

export const dynamic = 'force-dynamic';

const ROUTE = 'GET /portal/tenant/current/messages/:id/media';

/** Headers of the control plane's answer that describe the file; nothing else is passed on. */
const PASSED = ['content-type', 'content-length', 'content-disposition'] as const;

/**
 * A message's file (or its thumbnail), for the signed-in user's tenant only: the control plane looks
 * the message up by id and the session's tenant, so the browser never reaches a file by path and
 * another tenant's id is a 404. The bytes are relayed as they come, never cached.
 */
export const GET = streamRoute(ROUTE, (upstream) => {
  const headers = new Headers({
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  });
  for (const name of PASSED) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(upstream.body, { status: 200, headers });
});
