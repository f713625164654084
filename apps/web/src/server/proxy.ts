import 'server-only';
import type { NextRequest } from 'next/server';
import { checkRequestPart, routeHasPart, type RouteKey } from '@wa-fleet/contract';
import {
  ControlPlaneUnreachableError,
  UNREACHABLE_ERROR,
  openRoute,
  type RouteInput,
} from './control-plane.ts';
import { getSession } from './session.ts';

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });
}

export const unauthenticated = () => jsonError(401, 'UNAUTHENTICATED', 'Sign in first.');

/**
 * State changes must come from the portal's own pages. The session cookie is SameSite=Lax already;
 * requiring a same-origin Origin header as well closes login CSRF (sign-in needs no cookie), older
 * browsers and same-site subdomains. Browsers send Origin on every POST/PATCH/PUT/DELETE, including
 * plain form posts, so a missing one is refused too.
 */
function isForeignOrigin(req: NextRequest): boolean {
  const origin = req.headers.get('origin');
  if (!origin || origin === 'null') return true;
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 403 for a state-changing request from a foreign (or no) Origin; null when it may go on. */
export function refuseForeignOrigin(req: NextRequest): Response | null {
  if (SAFE_METHODS.has(req.method) || !isForeignOrigin(req)) return null;
  return jsonError(403, 'FOREIGN_ORIGIN', 'requests must come from the portal itself (Origin header)');
}

/** Largest JSON body any portal route accepts (sign-in and every form are far smaller). */
export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = (limit: number) =>
  jsonError(413, 'BODY_TOO_LARGE', `the body must be at most ${limit} bytes`);

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/**
 * Reads a body up to `limit` bytes. A declared Content-Length above the limit is refused before a byte
 * is read; a body without one (chunked) is read only until it passes the limit.
 */
export async function readLimited(req: NextRequest, limit: number): Promise<Parsed<string>> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return { ok: false, response: tooLarge(limit) };
  if (!req.body) return { ok: true, value: '' };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { ok: false, response: tooLarge(limit) };
    }
    chunks.push(value);
  }
  return { ok: true, value: Buffer.concat(chunks).toString('utf8') };
}

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

/** The browser's JSON body (at most `limit` bytes), checked against route K's contract. */
export async function parseBody<K extends RouteKey>(
  req: NextRequest,
  key: K,
  limit = MAX_BODY_BYTES,
): Promise<Parsed<RouteInput<K>['body']>> {
  const text = await readLimited(req, limit);
  if (!text.ok) return text;
  let raw: unknown;
  try {
    raw = JSON.parse(text.value);
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

/** What a route handler needs to call the control plane for the signed-in user. */
export interface RouteSession {
  token: string;
  tenantSlug?: string | undefined;
}

/** The identity a call is made with: the session's token, and the tenant the user looks at. */
export const identityOf = (session: RouteSession) => ({
  sessionToken: session.token,
  tenantSlug: session.tenantSlug,
});

/**
 * Runs `fn` for a request carrying a session cookie, turning an unreachable control plane into a 503 the
 * UI shows as a banner. A state change from a foreign Origin is refused before anything else (its body is
 * never read). Whether the session is still alive is the control plane's answer to the call itself (401
 * once it has ended; the browser then goes to the sign-in page), so no extra round trip.
 */
export async function withUser(
  req: NextRequest,
  fn: (session: RouteSession) => Promise<Response>,
): Promise<Response> {
  const foreign = refuseForeignOrigin(req);
  if (foreign) return foreign;
  const cookie = await getSession();
  if (!cookie.token) return unauthenticated();
  try {
    return await fn({ token: cookie.token, tenantSlug: cookie.tenantSlug });
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) return unreachable();
    throw err;
  }
}

type ParamContext = { params?: Promise<Record<string, string | string[] | undefined>> };

/**
 * A route handler that forwards to control-plane route K: the URL's dynamic segments (named as the
 * contract's path parameters), the query string and the body are validated against K's schemas before
 * anything is sent, then `answer` turns the control plane's response into the browser's. A tenant or id
 * that is not a slug or uuid never reaches a control-plane path.
 */
function forwardRoute<K extends RouteKey>(
  key: K,
  answer: (upstream: Response) => Promise<Response> | Response,
  opts: { isStream?: boolean; bodyLimit?: (() => number) | undefined } = {},
) {
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
        const body = await parseBody(req, key, opts.bodyLimit?.() ?? MAX_BODY_BYTES);
        if (!body.ok) return body.response;
        input.body = body.value;
      }
      const upstream = await openRoute(key, {
        ...input,
        as: identityOf(session),
        ...(opts.isStream ? { signal: req.signal } : {}),
      } as RouteInput<K>);
      return answer(upstream);
    });
  };
}

/** A route handler that forwards to control-plane route K and relays its JSON answer (see forwardRoute). */
export function proxyRoute<K extends RouteKey>(key: K, opts: { bodyLimit?: () => number } = {}) {
  return forwardRoute(key, relay, { bodyLimit: opts.bodyLimit });
}

/**
 * A route handler that relays a byte stream of control-plane route K (a file, a CSV, Server-Sent
 * Events) as it comes, checked as proxyRoute checks. The browser's disconnect aborts the upstream
 * request, so no stream outlives the page that opened it. `respond` builds the browser's response from
 * a successful answer with a body; an error, or an answer `respond` refuses (null), is relayed as JSON.
 */
export function streamRoute<K extends RouteKey>(
  key: K,
  respond: (upstream: Response & { body: ReadableStream<Uint8Array> }) => Response | null,
) {
  return forwardRoute(
    key,
    (upstream) => {
      if (!upstream.ok || !upstream.body) return relay(upstream);
      return respond(upstream as Response & { body: ReadableStream<Uint8Array> }) ?? relay(upstream);
    },
    { isStream: true },
  );
}
