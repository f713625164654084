import type { RouteBody, RouteKey, RouteParams, RouteQuery, RouteResponse } from '@wa-fleet/contract';

// The portal's own /api routes, each named by the control-plane route it forwards to (its handler is
// `proxyRoute('<that key>')`; portal-api.test.ts checks every line against the route files). Browser
// code calls them by key, so what it sends and reads is typed by the contract. Type imports only: the
// contract's validators stay on the server.

export const PORTAL_API = {
  'GET /portal/tenant/current': '/api/tenant/current',
  'GET /portal/tenant/current/qr': '/api/tenant/qr',
  'POST /portal/tenant/current/pairing-code': '/api/tenant/pairing-code',
  'GET /portal/tenant/current/stats': '/api/tenant/stats',
  'POST /portal/tenant/current/worker/restart': '/api/tenant/worker/restart',
  'GET /portal/tenant/current/setup-requests': '/api/tenant/setup-requests',
  'POST /portal/tenant/current/setup-requests': '/api/tenant/setup-requests',
  'GET /portal/tenant/current/logs': '/api/tenant/messages',
  'GET /portal/tenant/current/logs/export/size': '/api/tenant/messages/export/size',
  'POST /portal/tenant/current/messages': '/api/tenant/messages',
  'GET /portal/tenant/current/conversations': '/api/tenant/conversations',
  'GET /portal/tenant/current/conversations/:contact/messages': '/api/tenant/conversations/:contact/messages',
  'POST /portal/tenant/current/conversations/:contact/read': '/api/tenant/conversations/:contact/read',
  'GET /portal/tenant/current/auto-replies': '/api/tenant/auto-replies',
  'POST /portal/tenant/current/auto-replies': '/api/tenant/auto-replies',
  'PATCH /portal/tenant/current/auto-replies/:id': '/api/tenant/auto-replies/:id',
  'DELETE /portal/tenant/current/auto-replies/:id': '/api/tenant/auto-replies/:id',
  'GET /portal/tenant/current/api-keys': '/api/tenant/api-keys',
  'POST /portal/tenant/current/api-keys': '/api/tenant/api-keys',
  'DELETE /portal/tenant/current/api-keys/:id': '/api/tenant/api-keys/:id',
  'GET /portal/tenant/current/webhooks': '/api/tenant/webhooks',
  'POST /portal/tenant/current/webhooks': '/api/tenant/webhooks',
  'PATCH /portal/tenant/current/webhooks/:id': '/api/tenant/webhooks/:id',
  'DELETE /portal/tenant/current/webhooks/:id': '/api/tenant/webhooks/:id',
  'POST /portal/tenant/current/webhooks/:id/rotate-secret': '/api/tenant/webhooks/:id/rotate-secret',
  'POST /portal/tenant/current/webhooks/:id/resume': '/api/tenant/webhooks/:id/resume',
  'POST /portal/tenant/current/webhooks/:id/test': '/api/tenant/webhooks/:id/test',
  'GET /portal/tenant/current/webhooks/:id/deliveries': '/api/tenant/webhooks/:id/deliveries',
  'POST /portal/tenant/current/webhooks/:id/deliveries/:deliveryId/replay':
    '/api/tenant/webhooks/:id/deliveries/:deliveryId/replay',
  'POST /portal/tenant/current/webhooks/:id/replay-failed': '/api/tenant/webhooks/:id/replay-failed',
  'GET /admin/tenants': '/api/admin/tenants',
  'POST /admin/tenants': '/api/admin/tenants',
  'GET /admin/tenants/:tenant': '/api/admin/tenants/:tenant',
  'PATCH /admin/tenants/:tenant': '/api/admin/tenants/:tenant',
  'DELETE /admin/tenants/:tenant': '/api/admin/tenants/:tenant',
  'POST /admin/tenants/:tenant/worker/start': '/api/admin/tenants/:tenant/worker/start',
  'POST /admin/tenants/:tenant/worker/stop': '/api/admin/tenants/:tenant/worker/stop',
  'POST /admin/tenants/:tenant/worker/restart': '/api/admin/tenants/:tenant/worker/restart',
  'GET /admin/tenants/:tenant/worker/history': '/api/admin/tenants/:tenant/worker/history',
  'GET /admin/workers': '/api/admin/workers',
  'GET /admin/tenants/:tenant/diagnostics': '/api/admin/tenants/:tenant/diagnostics',
  'GET /admin/tenants/:tenant/logs': '/api/admin/tenants/:tenant/logs',
  'GET /admin/tenants/:tenant/logs/stream': '/api/admin/tenants/:tenant/logs/stream',
  'GET /admin/users': '/api/admin/users',
  'POST /admin/users': '/api/admin/users',
  'PATCH /admin/users/:id': '/api/admin/users/:id',
  'DELETE /admin/users/:id': '/api/admin/users/:id',
  'DELETE /admin/users/:id/sessions': '/api/admin/users/:id/sessions',
  'GET /admin/audit': '/api/admin/audit',
  'GET /admin/setup-requests': '/api/admin/setup-requests',
  'PATCH /admin/setup-requests/:id': '/api/admin/setup-requests/:id',
} as const satisfies Partial<Record<RouteKey, string>>;

export type PortalRoute = keyof typeof PORTAL_API;

type Part<Name extends string, T> = [T] extends [undefined]
  ? { [N in Name]?: undefined }
  : { [N in Name]: T };

/** What the browser sends to route K: the contract's params, query and body of the forwarded route. */
export type PortalInput<K extends PortalRoute> = Part<'params', RouteParams<K>> & {
  query?: RouteQuery<K>;
} & Part<'body', RouteBody<K>>;

/** The JSON the portal relays for route K: the control plane's answer, unchanged. */
export type PortalResponse<K extends PortalRoute> = RouteResponse<K>;

/** Query values of every route: numbers, booleans and strings (dates are ISO strings). */
type QueryValue = string | number | boolean | undefined;

/** The portal URL of route K with its path parameters and query filled in. */
export function portalUrl<K extends PortalRoute>(key: K, input: Omit<PortalInput<K>, 'body'>): string {
  const params = (input.params ?? {}) as Record<string, string>;
  const path = PORTAL_API[key].replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? ''),
  );
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries<QueryValue>(input.query ?? {})) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

export const methodOf = (key: PortalRoute) => key.slice(0, key.indexOf(' '));
