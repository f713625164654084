import 'server-only';
import type { NextRequest } from 'next/server';
import type { z } from 'zod';
import { isUuid, isValidSlug } from '@wa-fleet/shared';
import {
  ControlPlaneUnreachableError,
  UNREACHABLE_ERROR,
  callControlPlane,
  type ControlPlaneCall,
} from './control-plane.ts';
import { getSession } from './session.ts';

type Method = NonNullable<ControlPlaneCall['method']>;

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });
}

export const unauthenticated = () => jsonError(401, 'UNAUTHENTICATED', 'Sign in first.');

/** Names every problem zod found, field by field, so a client sees what to fix. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

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

/**
 * Reads a body up to `limit` bytes. A declared Content-Length above the limit is refused before a byte
 * is read; a body without one (chunked) is read only until it passes the limit.
 */
async function readLimited(req: NextRequest, limit: number): Promise<Parsed<string>> {
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

export interface ProxySpec<Q, B> {
  method: Method;
  /** tenant: x-tenant comes from the session, never from the request; admin: no tenant header. */
  scope: 'tenant' | 'admin';
  /** Control-plane path; every dynamic part must be validated before it is put here. */
  path: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

export function parseQuery<Q>(req: NextRequest, schema: z.ZodType<Q>): Parsed<Q> {
  const raw = Object.fromEntries(req.nextUrl.searchParams.entries());
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    response: jsonError(400, 'BAD_QUERY', `invalid query: ${describeIssues(result.error)}`),
  };
}

export async function parseBody<B>(
  req: NextRequest,
  schema: z.ZodType<B>,
  limit = MAX_BODY_BYTES,
): Promise<Parsed<B>> {
  const text = await readLimited(req, limit);
  if (!text.ok) return text;
  let raw: unknown;
  try {
    raw = JSON.parse(text.value);
  } catch {
    return { ok: false, response: jsonError(400, 'BAD_BODY', 'the body must be JSON') };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, response: jsonError(400, 'BAD_BODY', `invalid body: ${describeIssues(result.error)}`) };
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
  tenantSlug?: string;
}

/**
 * Runs `fn` for a request carrying a session cookie, turning an unreachable control plane into a 503 the
 * UI shows as a banner. Whether the session is still alive is the control plane's answer to the call
 * itself (401 once it has ended; the browser then goes to the sign-in page), so no extra round trip.
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

/** The common route: validate query and body, call the control plane for the session's user, relay. */
export async function proxy<Q, B>(req: NextRequest, spec: ProxySpec<Q, B>): Promise<Response> {
  return withUser(req, async (session) => {
    let query: Q | undefined;
    if (spec.query) {
      const parsed = parseQuery(req, spec.query);
      if (!parsed.ok) return parsed.response;
      query = parsed.value;
    }
    let body: B | undefined;
    if (spec.body) {
      const parsed = await parseBody(req, spec.body);
      if (!parsed.ok) return parsed.response;
      body = parsed.value;
    }
    const upstream = await callControlPlane({
      method: spec.method,
      path: spec.path,
      query: query as ControlPlaneCall['query'],
      body,
      sessionToken: session.token,
      tenant: spec.scope === 'tenant' ? session.tenantSlug : undefined,
    });
    return relay(upstream);
  });
}

/** A tenant named in a URL: a slug or a tenant id, nothing that could change the control-plane path. */
export function checkTenantParam(value: string): Parsed<string> {
  if (isValidSlug(value) || isUuid(value)) return { ok: true, value: encodeURIComponent(value) };
  return { ok: false, response: jsonError(400, 'BAD_TENANT', 'tenant must be a slug or a tenant id') };
}

export function checkIdParam(value: string, what: string): Parsed<string> {
  if (isUuid(value)) return { ok: true, value };
  return { ok: false, response: jsonError(400, 'BAD_ID', `${what} must be a uuid`) };
}

type ParamContext<K extends string> = { params: Promise<Record<K, string>> };

/**
 * A route handler for one record named by a uuid in the URL (`[id]`): the id is checked before it goes
 * into the control-plane path, then the call is proxied like any other.
 */
export function proxyById<Q, B>(what: string, toSpec: (id: string) => ProxySpec<Q, B>) {
  return async (req: NextRequest, ctx: ParamContext<'id'>): Promise<Response> => {
    const id = checkIdParam((await ctx.params).id, what);
    if (!id.ok) return id.response;
    return proxy(req, toSpec(id.value));
  };
}

/** The same for a tenant named in the URL (`[tenant]`) by slug or id. */
export function proxyByTenant<Q, B>(toSpec: (tenant: string) => ProxySpec<Q, B>) {
  return async (req: NextRequest, ctx: ParamContext<'tenant'>): Promise<Response> => {
    const tenant = checkTenantParam((await ctx.params).tenant);
    if (!tenant.ok) return tenant.response;
    return proxy(req, toSpec(tenant.value));
  };
}
