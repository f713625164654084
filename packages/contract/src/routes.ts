import type { Static, TSchema } from 'typebox';
import { adminRoutes } from './admin.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { healthRoutes } from './health.ts';
import { portalRoutes } from './portal.ts';
import { publicApiRoutes } from './public-api.ts';
import { webhookRoutes } from './webhooks.ts';

// The route table: every route of the control plane, keyed "METHOD /url" (Fastify's `:param` syntax),
// with its params, query, body and every response status. The control plane registers its routes from
// it, @fastify/swagger turns the same objects into the OpenAPI document, and the portal and the CLI
// type their calls by its keys.

const schemas = {
  ...healthRoutes,
  ...adminRoutes,
  ...portalRoutes,
  ...apiKeyRoutes,
  ...publicApiRoutes,
  ...webhookRoutes,
};

export type RouteSchemas = typeof schemas;
export type RouteKey = keyof RouteSchemas;
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

type MethodOf<K> = K extends `${infer M extends HttpMethod} ${string}` ? M : never;
type UrlOf<K> = K extends `${HttpMethod} ${infer U}` ? U : never;

export interface RouteDef<K extends RouteKey = RouteKey> {
  method: MethodOf<K>;
  url: UrlOf<K>;
  schema: RouteSchemas[K];
}

function buildTable(): { [K in RouteKey]: RouteDef<K> } {
  const table: Record<string, RouteDef> = {};
  for (const [key, schema] of Object.entries(schemas)) {
    const [method, url] = key.split(' ') as [HttpMethod, string];
    table[key] = { method, url, schema } as RouteDef;
  }
  return table as { [K in RouteKey]: RouteDef<K> };
}

export const routes = buildTable();
export const ROUTE_KEYS = Object.keys(routes) as RouteKey[];

type Part<K extends RouteKey, P extends string> = RouteSchemas[K] extends {
  [key in P]: infer S extends TSchema;
}
  ? Static<S>
  : undefined;

/** Path parameters of a route (undefined when it has none). */
export type RouteParams<K extends RouteKey> = Part<K, 'params'>;
/** Query string of a route, as validated (numbers are numbers). */
export type RouteQuery<K extends RouteKey> = Part<K, 'querystring'>;
export type RouteBody<K extends RouteKey> = Part<K, 'body'>;

type Responses<K extends RouteKey> = RouteSchemas[K]['response'];
/** A text response declared by content type (metrics, event streams) reads as a string. */
type BodyOf<S> = S extends { content: unknown } ? string : S extends TSchema ? Static<S> : never;

/** Every answer a route may give, as `{ status, data }` pairs: narrow on `status` to read `data`. */
export type RouteReply<K extends RouteKey> = {
  [S in keyof Responses<K>]: { status: S; data: BodyOf<Responses<K>[S]> };
}[keyof Responses<K>];

type SuccessStatus = 200 | 201 | 202 | 204;
/** The success answer of a route (its 2xx body). */
export type RouteResponse<K extends RouteKey> = Extract<RouteReply<K>, { status: SuccessStatus }>['data'];
/** The route's success status codes. */
export type RouteSuccessStatus<K extends RouteKey> = Extract<keyof Responses<K>, SuccessStatus>;
