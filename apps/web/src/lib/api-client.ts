// Browser-side calls to the portal's own /api routes (never to the control plane).
import {
  methodOf,
  portalUrl,
  type PortalInput,
  type PortalResponse,
  type PortalRoute,
} from './portal-api.ts';

export interface ApiError {
  status: number;
  code: string;
  message: string;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; error: ApiError };

export const NETWORK_ERROR_CODE = 'PORTAL_UNREACHABLE';

/** A call to one of the portal's own routes by URL (sign-in, tenant switch: routes with no contract). */
export async function callApi<T>(
  url: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    return {
      ok: false,
      error: {
        status: 0,
        code: NETWORK_ERROR_CODE,
        message: 'The portal cannot be reached. Check your connection.',
      },
    };
  }
  if (res.status === 401 && typeof window !== 'undefined' && !url.startsWith('/api/auth/')) {
    // The session expired: send the user to sign in again rather than showing empty pages.
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  }
  const body = res.status === 204 ? null : ((await res.json().catch(() => null)) as unknown);
  if (res.ok) return { ok: true, status: res.status, data: body as T };
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return {
    ok: false,
    error: {
      status: res.status,
      code: error?.code ?? `HTTP_${res.status}`,
      message: error?.message ?? `Request failed (${res.status}).`,
    },
  };
}

/** A call to the portal route forwarding to control-plane route K, typed by the contract both ways. */
export function callRoute<K extends PortalRoute>(
  key: K,
  input: PortalInput<K>,
  signal?: AbortSignal,
): Promise<ApiResult<PortalResponse<K>>> {
  return callApi<PortalResponse<K>>(portalUrl(key, input), {
    method: methodOf(key),
    body: input.body,
    signal,
  });
}
