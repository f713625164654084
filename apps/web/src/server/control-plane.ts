import 'server-only';
import { getConfig } from './config.ts';

/** The control plane did not answer at all (down, wrong URL): shown as a banner, never a blank page. */
export class ControlPlaneUnreachableError extends Error {
  constructor(cause: unknown) {
    super('the control plane is unreachable', { cause });
    this.name = 'ControlPlaneUnreachableError';
  }
}

export interface ControlPlaneCall {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path under the control plane, starting with `/` (already validated and encoded by the caller). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** The session token of the signed-in user the call is made for (absent only for sign-in itself). */
  sessionToken?: string;
  /** The browser's address and user agent (sign-in only), for the control plane's throttling and records. */
  client?: { address: string; userAgent?: string };
  /** Tenant slug chosen in the session; the control plane checks it against the user's memberships. */
  tenant?: string | undefined;
  signal?: AbortSignal;
  accept?: string;
}

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Calls the control plane with the portal's internal key and the user's session token. The key is read here,
 * on the server, and only ever travels in this request's headers.
 */
export async function callControlPlane(call: ControlPlaneCall): Promise<Response> {
  const { CONTROL_PLANE_URL, PORTAL_INTERNAL_KEY } = getConfig();
  const url = new URL(call.path, CONTROL_PLANE_URL);
  for (const [key, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = {
    'x-portal-key': PORTAL_INTERNAL_KEY,
    accept: call.accept ?? 'application/json',
  };
  // The only place the portal's identity headers are set. The control plane trusts x-client-address only
  // because this request also carries the portal key.
  if (call.sessionToken) headers['x-session-token'] = call.sessionToken;
  if (call.client) {
    headers['x-client-address'] = call.client.address;
    if (call.client.userAgent) headers['x-client-user-agent'] = call.client.userAgent.slice(0, 500);
  }
  if (call.tenant) headers['x-tenant'] = call.tenant;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const signals = [
    call.signal,
    call.accept === 'text/event-stream' ? undefined : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  ];
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  try {
    return await fetch(url, {
      method: call.method ?? 'GET',
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: active.length > 0 ? AbortSignal.any(active) : undefined,
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch (err) {
    if (call.signal?.aborted) throw err;
    throw new ControlPlaneUnreachableError(err);
  }
}

/** Calls the control plane and parses its JSON answer (server components use this). */
export async function fetchControlPlaneJson<T>(
  call: ControlPlaneCall,
): Promise<
  { ok: true; status: number; data: T } | { ok: false; status: number; error: ApiErrorBody['error'] }
> {
  try {
    const res = await callControlPlane(call);
    const body = (await res.json().catch(() => ({}))) as unknown;
    if (res.ok) return { ok: true, status: res.status, data: body as T };
    return { ok: false, status: res.status, error: readErrorBody(body, res.status) };
  } catch (err) {
    if (err instanceof ControlPlaneUnreachableError) {
      return { ok: false, status: 503, error: UNREACHABLE_ERROR };
    }
    throw err;
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string };
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
