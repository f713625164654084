import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { routes, type RouteBody, type RouteKey, type RouteParams, type RouteQuery } from './routes.ts';

// Compiled validators for callers of the control plane (the portal's server side, the CLI): the same
// schemas and the same rules the control plane applies, so a caller can refuse bad input itself and
// name the field, and never forwards what the control plane would refuse.

export type RequestPart = 'params' | 'querystring' | 'body';
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

type PartValue<K extends RouteKey, P extends RequestPart> = P extends 'params'
  ? RouteParams<K>
  : P extends 'querystring'
    ? RouteQuery<K>
    : RouteBody<K>;

const compiled = new Map<string, Validator | null>();

function validatorOf(key: RouteKey, part: RequestPart): Validator | null {
  const id = `${key}|${part}`;
  if (!compiled.has(id)) {
    const schema = (routes[key].schema as Partial<Record<RequestPart, TSchema>>)[part];
    compiled.set(id, schema ? Compile(schema) : null);
  }
  return compiled.get(id) ?? null;
}

/** Does the route declare this part (a body, a query string, path parameters)? */
export function routeHasPart(key: RouteKey, part: RequestPart): boolean {
  return validatorOf(key, part) !== null;
}

/**
 * Validates one part of a request to `key` as the control plane will. Params and query strings arrive
 * as text, so they are converted first (`"50"` becomes 50), as Fastify's TypeBox compiler does; a body
 * is checked as sent. The message names each field the way the control plane's 400 does
 * (`querystring/limit must be <= 200`).
 */
export function checkRequestPart<K extends RouteKey, P extends RequestPart>(
  key: K,
  part: P,
  value: unknown,
): Checked<PartValue<K, P>> {
  const validator = validatorOf(key, part);
  if (!validator) {
    const isEmpty =
      value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
    return isEmpty
      ? { ok: true, value: undefined as PartValue<K, P> }
      : { ok: false, message: `${part} is not accepted by ${key}` };
  }
  const converted = part === 'body' ? value : validator.Convert(value);
  if (validator.Check(converted)) return { ok: true, value: converted as PartValue<K, P> };
  const message = validator
    .Errors(converted)
    .map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${(e.params as { additionalProperties?: string[] }).additionalProperties?.join(', ') ?? ''})`
          : '';
      return `${part}${e.instancePath} ${e.message}${extra}`;
    })
    .join(', ');
  return { ok: false, message };
}
