import type {
  ContextConfigDefault,
  FastifyBaseLogger,
  FastifyContextConfig,
  FastifyInstance,
  onRequestAsyncHookHandler,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { routes, type RouteKey, type RouteSchemas } from '@wa-fleet/contract';
import { refuseIllFormedText } from './text-check.ts';

/** A handler typed by the contract's schema of route K: request parts and replies are checked by tsc. */
export type ContractHandler<K extends RouteKey> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGenericInterface,
  ContextConfigDefault,
  RouteSchemas[K],
  TypeBoxTypeProvider,
  FastifyBaseLogger
>;

export interface RouteOptions {
  config?: FastifyContextConfig;
  /** A guard of this route alone (the session check of sign-out, the optional /metrics token), run before validation. */
  onRequest?: onRequestAsyncHookHandler;
  /** Bytes this route's body may have, instead of the server's bodyLimit (a send with a file). */
  bodyLimit?: number;
}

/**
 * Registers the handler of one contract route. Method, URL and schema come from the contract's route
 * table, never from here, so the OpenAPI document, the validation and the callers' types are one thing.
 * The URL in the table is absolute; the plugin's prefix (/admin, /portal) must be its start. Every
 * route refuses strings that are not valid text (text-check.ts) before its schema is checked.
 */
export function serve<K extends RouteKey>(app: FastifyInstance, key: K, handler: ContractHandler<K>): void;
export function serve<K extends RouteKey>(
  app: FastifyInstance,
  key: K,
  options: RouteOptions,
  handler: ContractHandler<K>,
): void;
export function serve<K extends RouteKey>(
  app: FastifyInstance,
  key: K,
  ...args: [ContractHandler<K>] | [RouteOptions, ContractHandler<K>]
): void {
  const [options, handler] = args.length === 1 ? [{}, args[0]] : args;
  const { method, url, schema } = routes[key];
  if (!url.startsWith(app.prefix)) {
    throw new Error(`route ${key} registered under the prefix ${app.prefix}`);
  }
  app.route({
    method,
    url: url.slice(app.prefix.length) || '/',
    schema,
    ...(options.config ? { config: options.config } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    preValidation: refuseIllFormedText,
    handler,
  });
}
