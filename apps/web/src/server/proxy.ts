import 'server-only';
import type { NextRequest } from 'next/server';
import { checkRequestPart, routeHasPart, type RouteKey } from '@wa-fleet/contract';
import {
  ControlPlaneUnreachableError,
  UNREACHABLE_ERROR,
  openRoute,
  type RouteInput,
} from './control-plane.ts';
import { readSignedInSession, type SignedInSession } from './session.ts';

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });
}

export const unauthenticated = () => jsonError(401, 'UNAUTHENTICATED', 'Sign in first.');

/**
 * Mutations must come from the portal's own pages. The session cookie is SameSite=Lax already; checking
 * Origin as well closes the gap for older browsers and same-site subdomains.
 */
function isForeignOrigin(req: NextRequest): boolean {
  const origin = req.headers.get('origin');
  if (!origin) return false;
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

const invalid = (message: string) => ({
  ok: false as const,
  response: jsonError(400, 'VALIDATION_ERROR', message),
});

/** The browser's query string, checked against route K's contract (numbers converted, unknown names refused). */
export function parseQuery<K extends RouteKey>(req: NextRequest, key: K): Parsed<RouteInput<K>['query']> {
  const raw = Object.fromEntries(req.nextUrl.searchParams.entries());
  const checked = checkRequestPart(key, 'querystring', raw);
  return checked.ok ? { ok: true, value: checked.value as RouteInput<K>['query'] } : invalid(checked.message);
}

/** The browser's JSON body, checked against route K's contract. */
export async function parseBody<K extends RouteKey>(
  req: NextRequest,
  key: K,
): Promise<Parsed<RouteInput<K>['body']>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    return invalid('body must be JSON');
  }
  const checked = checkRequestPart(key, 'body', raw);
  return checked.ok ? { ok: true, value: checked.value as RouteInput<K>['body'] } : invalid(checked.message);
}

/** Copies the control plane's status and JSON body; nothing else of its response reaches the browser. */
export async function relay(upstream: Response): Promise<Response> {
  const headers = { 'cache-control': 'no-store' };
  if (upstream.status === 204) return new Response(null, { status: 204, headers });
  const text = await upstream.text();
  const isJson = (upstream.headers.get('content-type') ?? '').includes('json');
  if (!isJson) {
    return upstream.ok
      ? Response.json({ ok: true }, { status: upstream.status, headers })
      : jsonError(
          upstream.status,
          `HTTP_${upstream.status}`,
          `the control plane answered ${upstream.status}`,
        );
  }
  return new Response(text, {
    status: upstream.status,
    headers: { ...headers, 'content-type': 'application/json' },
  });
}

export function unreachable(): Response {
  return jsonError(503, UNREACHABLE_ERROR.code, UNREACHABLE_ERROR.message);
}

/** The identity a call is made with: the session's user, and the tenant they look at. */
export const identityOf = (session: SignedInSession) => ({
  userEmail: session.email,
  tenantSlug: session.tenantSlug,
});

/** Runs `fn` for a signed-in user, turning an unreachable control plane into a 503 the UI shows as a banner. */
export async function withUser(
  req: NextRequest,
  fn: (session: SignedInSession) => Promise<Response>,
): Promise<Response> {
  if (req.method !== 'GET' && isForeignOrigin(req)) {
    return jsonError(403, 'FOREIGN_ORIGIN', 'requests must come from the portal itself');
  }
  const session = await readSignedInSession();
  if (!session) return unauthenticated();
  try {
    return await fn(session);
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) return unreachable();
    throw err;
  }
}

type ParamContext = { params?: Promise<Record<string, string | string[] | undefined>> };

/**
 * A route handler that forwards to control-plane route K: the URL's dynamic segments (named as the
 * contract's path parameters), the query string and the body are validated against K's schemas before
 * anything is sent, then the answer is relayed. A tenant or id that is not a slug or uuid never reaches
 * a control-plane path.
 */
export function proxyRoute<K extends RouteKey>(key: K) {
  return async (req: NextRequest, ctx: ParamContext = {}): Promise<Response> => {
    const input: Record<string, unknown> = {};
    if (routeHasPart(key, 'params')) {
      const params = checkRequestPart(key, 'params', (await ctx.params) ?? {});
      if (!params.ok) return invalid(params.message).response;
      input.params = params.value;
    }
    return withUser(req, async (session) => {
      if (routeHasPart(key, 'querystring')) {
        const query = parseQuery(req, key);
        if (!query.ok) return query.response;
        input.query = query.value;
      }
      if (routeHasPart(key, 'body')) {
        const body = await parseBody(req, key);
        if (!body.ok) return body.response;
        input.body = body.value;
      }
      const upstream = await openRoute(key, { ...input, as: identityOf(session) } as RouteInput<K>);
      return relay(upstream);
    });
  };
}
