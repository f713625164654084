import 'server-only';
import type {
  RouteBody,
  RouteKey,
  RouteParams,
  RouteQuery,
  RouteResponse,
  RouteSuccessStatus,
} from '@wa-fleet/contract';
import { routes } from '@wa-fleet/contract';
import { getConfig } from './config.ts';

/** The control plane did not answer at all (down, wrong URL): shown as a banner, never a blank page. */
export class ControlPlaneUnreachableError extends Error {
  constructor(cause: unknown) {
    super('the control plane is unreachable', { cause });
    this.name = 'ControlPlaneUnreachableError';
  }
}

/** Who a call is made for: the signed-in user's session token and the tenant chosen in the session. */
export interface CallIdentity {
  sessionToken: string;
  tenantSlug?: string | undefined;
}

/** The browser's address and user agent (sign-in only), for the control plane's throttling and records. */
export interface ClientInfo {
  address: string;
  userAgent?: string | undefined;
}

type Part<Name extends string, T> = [T] extends [undefined]
  ? { [N in Name]?: undefined }
  : { [N in Name]: T };
type OptionalPart<Name extends string, T> = { [N in Name]?: T };

/**
 * What a call to route K sends, typed by the contract: a field the route does not declare, or a
 * missing required one, does not compile.
 */
export type RouteInput<K extends RouteKey> = Part<'params', RouteParams<K>> &
  OptionalPart<'query', RouteQuery<K>> &
  Part<'body', RouteBody<K>> & {
    /** Absent only for sign-in (and sign-out, which sends its token in `as` when it has one). */
    as?: CallIdentity;
    client?: ClientInfo;
    signal?: AbortSignal;
  };

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export type RouteResult<K extends RouteKey> =
  | { ok: true; status: RouteSuccessStatus<K>; data: RouteResponse<K> }
  | { ok: false; status: number; error: ApiErrorBody['error'] };

/** Query values of every route: numbers, booleans and strings (dates are ISO strings). */
type QueryValue = string | number | boolean | undefined;

const REQUEST_TIMEOUT_MS = 15_000;

/** Routes that act on the caller's current tenant get the session's choice as `x-tenant`. */
const isTenantScoped = (url: string) => url.startsWith('/portal/tenant/');

function pathOf(url: string, params: Record<string, string> | undefined): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/**
 * Calls route K of the control plane and returns its raw response (for relaying and streaming). The
 * internal key and the user's identity headers are set here and nowhere else; the key is read on the
 * server and only ever travels in this request's headers.
 */
export async function openRoute<K extends RouteKey>(key: K, input: RouteInput<K>): Promise<Response> {
  const { CONTROL_PLANE_URL, PORTAL_INTERNAL_KEY } = getConfig();
  const { method, url: template } = routes[key];
  const url = new URL(
    pathOf(template, input.params as Record<string, string> | undefined),
    CONTROL_PLANE_URL,
  );
  for (const [name, value] of Object.entries<QueryValue>(input.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  // Streams (event streams, CSV downloads) may run longer than one request's timeout.
  const isEvents = template.endsWith('/stream');
  const isCsv = template.endsWith('/export');
  const isStream = isEvents || isCsv;
  const headers: Record<string, string> = {
    'x-portal-key': PORTAL_INTERNAL_KEY,
    accept: isEvents ? 'text/event-stream' : isCsv ? 'text/csv, application/json' : 'application/json',
  };
  // The only place the portal's identity headers are set. The control plane trusts x-client-address only
  // because this request also carries the portal key.
  if (input.as) headers['x-session-token'] = input.as.sessionToken;
  if (input.client) {
    headers['x-client-address'] = input.client.address;
    if (input.client.userAgent) headers['x-client-user-agent'] = input.client.userAgent.slice(0, 500);
  }
  if (input.as?.tenantSlug && isTenantScoped(template)) headers['x-tenant'] = input.as.tenantSlug;
  if (input.body !== undefined) headers['content-type'] = 'application/json';
  const signals = [input.signal, isStream ? undefined : AbortSignal.timeout(REQUEST_TIMEOUT_MS)];
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  try {
    return await fetch(url, {
      method,
      headers,
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
      signal: active.length > 0 ? AbortSignal.any(active) : undefined,
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch (err) {
    if (input.signal?.aborted) throw err;
    throw new ControlPlaneUnreachableError(err);
  }
}

/**
 * Calls route K and parses its answer: `data` has the contract's response type of that route, so a
 * caller reading a field the route does not send does not compile.
 */
export async function callRoute<K extends RouteKey>(key: K, input: RouteInput<K>): Promise<RouteResult<K>> {
  const res = await openRoute(key, input);
  const body = res.status === 204 ? null : ((await res.json().catch(() => ({}))) as unknown);
  if (res.ok)
    return { ok: true, status: res.status as RouteSuccessStatus<K>, data: body as RouteResponse<K> };
  return { ok: false, status: res.status, error: readErrorBody(body, res.status) };
}

export const UNREACHABLE_ERROR = {
  code: 'CONTROL_PLANE_UNREACHABLE',
  message: 'The control plane is not answering. Data cannot be loaded until it is back.',
};

export function readErrorBody(body: unknown, status: number): ApiErrorBody['error'] {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      return {
        code: typeof code === 'string' ? code : `HTTP_${status}`,
        message: typeof message === 'string' ? message : `request failed with status ${status}`,
      };
    }
  }
  return { code: `HTTP_${status}`, message: `request failed with status ${status}` };
}
