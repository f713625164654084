// Builds hostile requests from the control plane's own OpenAPI document: for every route and method, a
// plausible request is sketched from its schema and then broken one way (a wrong type, a missing field,
// a huge or malformed body, bad unicode, a path trick) under one way of (mis)authenticating. Everything
// comes from a seeded PRNG, so a seed reproduces the exact same requests.
import type { RawRequest } from './raw-http.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

export interface Route {
  method: string;
  path: string;
  params: Parameter[];
  body?: Schema;
}

/** What the generator may use to authenticate for real, and the tenants it may name. */
export interface Credentials {
  adminKey: string;
  portalKey: string;
  sessionToken: string;
  /** A live tenant API key of ownTenant with every scope, for the public API (/v1). */
  tenantKey: string;
  ownTenant: string;
  otherTenant: string;
}

export const MUTATIONS = [
  'wrong-type',
  'missing-required',
  'huge-body',
  'deep-json',
  'bad-json',
  'bad-content-type',
  'proto-pollution',
  'bad-unicode-field',
  'bad-unicode-path',
  'path-trick',
  'bad-query',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export const AUTHS = ['none', 'wrong', 'forged-session', 'forged-headers', 'valid'] as const;
export type Auth = (typeof AUTHS)[number];

export interface HostileRequest extends RawRequest {
  route: Route;
  mutation: Mutation;
  auth: Auth;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function routesOf(doc: OpenApi): Route[] {
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const [method, op] of Object.entries(ops).sort(([a], [b]) => a.localeCompare(b))) {
      if (!['get', 'post', 'put', 'patch', 'delete', 'head', 'options'].includes(method)) continue;
      routes.push({
        method: method.toUpperCase(),
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return routes;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PATH_TRICKS = [
  '..',
  '../../admin/tenants',
  '%2e%2e%2f%2e%2e%2fadmin',
  '..%2f..%2fhealth',
  'a%2fb',
  '%2F',
  '%5c..%5c',
  'x'.repeat(5000),
  '%',
  '%zz',
  '%25',
  '.',
  '%20',
  '-',
];
const RAW_PATH_BYTES: Buffer[] = [
  Buffer.from('%ED%A0%80'), // a lone surrogate, percent-encoded
  Buffer.from('%C0%AF'), // overlong '/'
  Buffer.from('%00'),
  Buffer.from([0xc0, 0xaf]), // overlong '/' as raw bytes
  Buffer.from([0xff, 0xfe]),
  Buffer.from('caf\xc3\xa9', 'latin1'), // raw (valid) UTF-8 outside ASCII
];
const BAD_JSON = [
  '{"a":',
  "{'a':1}",
  '{"a":1,}',
  'nul',
  '[1,2',
  '{"a":"\\x41"}',
  '\u0000',
  '{"a":1}{"b":2}',
  '',
];
const BAD_STRINGS = ['\ud800', 'a\udfffb', 'nul\u0000byte', '\u0000', '\ufeff\ud83d'];

export function generate(routes: Route[], creds: Credentials, seed: number, count: number): HostileRequest[] {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const out: HostileRequest[] = [];
  for (let i = 0; i < count; i++) {
    const route = routes[i % routes.length]!;
    const auth = pick(AUTHS);
    const mutation = pick(MUTATIONS);
    out.push(build(route, auth, mutation, creds, rand, pick));
  }
  return out;
}

function build(
  route: Route,
  auth: Auth,
  mutation: Mutation,
  creds: Credentials,
  rand: () => number,
  pick: <T>(list: readonly T[]) => T,
): HostileRequest {
  const headers: [string, string | Buffer][] = authHeaders(route, auth, creds, pick);
  const isValidAuth = auth === 'valid' || auth === 'forged-headers';
  // With working credentials a write route must never get a usable target: unless the mutation is the
  // path itself, every path parameter names nothing that exists.
  const pathValues = new Map<string, Buffer>();
  for (const p of route.params.filter((p) => p.in === 'path')) {
    const real = /slug|tenant/i.test(p.name) ? creds.ownTenant : sample(p.schema ?? {}, p.name);
    const ghost = /slug|tenant/i.test(p.name) ? 'ghost-tenant' : '00000000-0000-4000-8000-000000000000';
    const value = isValidAuth && WRITES.has(route.method) ? ghost : String(real);
    pathValues.set(p.name, Buffer.from(enc(value)));
  }
  const queryParams = route.params.filter((p) => p.in === 'query');
  const query = new Map<string, string>();
  for (const q of queryParams.filter((q) => q.required))
    query.set(q.name, String(sample(q.schema ?? {}, q.name)));
  let body: unknown = route.body ? sample(route.body, 'body') : undefined;
  let rawBody: Buffer | undefined;
  let contentType = 'application/json';
  const bodyFields = route.body?.properties ? Object.keys(route.body.properties) : [];
  const pathNames = [...pathValues.keys()];

  const wrongValue = (): unknown => pick<unknown>([{}, [{}], { $gt: '' }, [[[]]], { toString: 1 }]);
  switch (mutation) {
    case 'wrong-type': {
      const targets = [
        ...bodyFields.map((f) => `body:${f}`),
        ...pathNames.map((p) => `path:${p}`),
        ...queryParams.map((q) => `query:${q.name}`),
      ];
      const target = targets.length ? pick(targets) : 'body:';
      const [where, name = ''] = target.split(':') as [string, string];
      if (where === 'body')
        body = name ? { ...(body as object), [name]: wrongValue() } : pick([42, 'text', [1], true]);
      else if (where === 'path')
        pathValues.set(name, Buffer.from(pick(['%7B%7D', '-1', '1e999', 'true', '%5B%5D', 'null'])));
      else query.set(name, pick(['abc', '-1', '1.5', '1e999', '{}', '', 'x'.repeat(3000)]));
      break;
    }
    case 'missing-required': {
      const required = route.body?.required ?? [];
      if (required.length && body && typeof body === 'object') {
        const copy = { ...(body as Record<string, unknown>) };
        delete copy[pick(required)];
        body = copy;
      } else body = {};
      break;
    }
    case 'huge-body':
      rawBody = Buffer.from(
        JSON.stringify({
          ...(typeof body === 'object' ? body : {}),
          pad: 'x'.repeat(300 * 1024 + Math.floor(rand() * 4096)),
        }),
      );
      break;
    case 'deep-json':
      rawBody = Buffer.from('['.repeat(20_000 + Math.floor(rand() * 20_000)));
      break;
    case 'bad-json':
      rawBody = Buffer.from(pick(BAD_JSON));
      break;
    case 'bad-content-type':
      contentType = pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/json; charset=utf-16',
        'application/xml',
        '',
      ]);
      // The body stays JSON (broken below like any other on a write route): a parser that ignores
      // the label must still find nothing it may act on.
      if (contentType.startsWith('application/x-www')) rawBody = Buffer.from('a=1&b=2');
      else body ??= {};
      break;
    case 'proto-pollution':
      rawBody = Buffer.from(
        pick([`{"__proto__":{"isAdmin":true}}`, `{"constructor":{"prototype":{"x":1}}}`]),
      );
      break;
    case 'bad-unicode-field': {
      const bad = pick(BAD_STRINGS);
      if (bodyFields.length && body && typeof body === 'object') body = { ...body, [pick(bodyFields)]: bad };
      else if (queryParams.length) query.set(pick(queryParams).name, bad);
      else if (pathNames.length) pathValues.set(pick(pathNames), Buffer.from(enc('a\u0000b')));
      else rawBody = Buffer.from(JSON.stringify({ field: bad }));
      // Raw overlong UTF-8 inside the JSON text itself, now and then.
      if (rand() < 0.3)
        rawBody = Buffer.concat([
          Buffer.from('{"text":"'),
          Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf]),
          Buffer.from('"}'),
        ]);
      break;
    }
    case 'bad-unicode-path':
      if (pathNames.length) pathValues.set(pick(pathNames), pick(RAW_PATH_BYTES));
      else pathValues.set('', pick(RAW_PATH_BYTES));
      break;
    case 'path-trick':
      if (pathNames.length) pathValues.set(pick(pathNames), Buffer.from(pick(PATH_TRICKS)));
      else pathValues.set('', Buffer.from(pick(PATH_TRICKS)));
      break;
    case 'bad-query':
      query.set(
        pick(['unknown', 'limit', '__proto__', 'a[b]', '%zz']),
        pick(['%00', '%ED%A0%80', '1%', 'x'.repeat(8000), '']),
      );
      break;
  }
  // Write routes with working credentials and a well-formed body: break the body as well, so nothing
  // this drill sends is a legitimate write.
  if (
    isValidAuth &&
    WRITES.has(route.method) &&
    pathNames.length === 0 &&
    rawBody === undefined &&
    !['wrong-type', 'missing-required', 'bad-unicode-field'].includes(mutation)
  ) {
    body = { ...(typeof body === 'object' ? body : {}), [bodyFields[0] ?? 'x']: wrongValue() };
  }

  let target = Buffer.from(route.path.replace(/\{[^}]+\}/g, (m) => `\u0001${m.slice(1, -1)}\u0001`));
  const parts = target.toString().split('\u0001');
  target = Buffer.concat(
    parts.map((part, i) => (i % 2 === 1 ? (pathValues.get(part) ?? Buffer.from(part)) : Buffer.from(part))),
  );
  const extra = pathValues.get('');
  if (extra) target = Buffer.concat([target, Buffer.from('/'), extra]);
  if (query.size) {
    const qs = [...query].map(
      ([k, v]) => `${k.startsWith('%') ? k : enc(k)}=${v.startsWith('%') || v.endsWith('%') ? v : enc(v)}`,
    );
    target = Buffer.concat([target, Buffer.from(`?${qs.join('&')}`)]);
  }
  if (rawBody === undefined && body !== undefined) rawBody = Buffer.from(JSON.stringify(body));
  if (rawBody === undefined && WRITES.has(route.method) && rand() < 0.5)
    rawBody = Buffer.from('{"unexpected":true}');
  if (rawBody !== undefined && contentType) headers.push(['content-type', contentType]);
  return { method: route.method, target, headers, body: rawBody, route, mutation, auth };
}

function authHeaders(
  route: Route,
  auth: Auth,
  creds: Credentials,
  pick: <T>(list: readonly T[]) => T,
): [string, string][] {
  const isPortal = route.path.startsWith('/portal');
  const isPublicApi = route.path.startsWith('/v1/');
  const isLogin = route.path === '/portal/auth/login';
  const portal: [string, string][] = [['x-portal-key', creds.portalKey]];
  const session: [string, string][] =
    isLogin || route.path === '/portal/auth/logout' ? [] : [['x-session-token', creds.sessionToken]];
  switch (auth) {
    case 'none':
      return [];
    case 'wrong':
      return pick([
        [['authorization', 'Bearer not-the-key']],
        [['authorization', 'Bearer ']],
        [['authorization', `Basic ${Buffer.from('admin:admin').toString('base64')}`]],
        [['authorization', `Bearer ${creds.adminKey}x`]],
        [
          ['x-portal-key', 'wrong-portal-key'],
          ['x-session-token', creds.sessionToken],
        ],
        [['x-portal-key', creds.adminKey]],
        // Tenant keys: well-formed but unknown, the right id with another secret, the key in a query-ish header.
        [['authorization', `Bearer wak_${'a'.repeat(12)}_${'A'.repeat(43)}`]],
        [
          [
            'authorization',
            `Bearer ${creds.tenantKey.slice(0, -1)}${creds.tenantKey.endsWith('A') ? 'B' : 'A'}`,
          ],
        ],
        [['x-api-key', creds.tenantKey]],
      ] as [string, string][][]);
    case 'forged-session':
      return [
        ...portal,
        [
          'x-session-token',
          pick(['forged', 'a'.repeat(64), creds.sessionToken.slice(0, -1) + 'A', '\u00ff'.repeat(10)]),
        ],
        ['x-tenant', creds.ownTenant],
      ];
    case 'forged-headers':
      return [
        ...(isPortal
          ? [...portal, ...session]
          : ([['authorization', `Bearer ${isPublicApi ? creds.tenantKey : creds.adminKey}`]] as [
              string,
              string,
            ][])),
        ['x-tenant', pick([creds.otherTenant, '../admin', 'UPPER', 'x'.repeat(500), ''])],
        ['x-client-address', pick(['10.0.0.1', '127.0.0.1, 1.2.3.4', 'x'.repeat(5000), '::1'])],
        ['x-user-email', 'admin@example.com'],
        ['x-forwarded-for', '1.2.3.4'],
      ];
    case 'valid':
      if (isPortal) return [...portal, ...session, ['x-tenant', creds.ownTenant]];
      return [['authorization', `Bearer ${isPublicApi ? creds.tenantKey : creds.adminKey}`]];
  }
}

/** encodeURIComponent, except that a lone surrogate goes out as its (invalid) 3-byte CESU-8 form. */
function enc(text: string): string {
  return [...text]
    .map((ch) => {
      const code = ch.charCodeAt(0);
      if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
        const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
        return bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      }
      return encodeURIComponent(ch);
    })
    .join('');
}

/** A plausible value for a schema: the starting point each mutation then breaks. */
function sample(schema: Schema, name: string): unknown {
  const alt = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alt) return sample(alt, name);
  if (schema.enum?.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return schema.minItems ? [sample(schema.items ?? {}, name)] : [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties ?? {})) out[key] = sample(prop, key);
      return out;
    }
    default:
      if (schema.format === 'email' || /email/i.test(name)) return 'someone@example.com';
      if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      return 'a'.repeat(Math.max(schema.minLength ?? 0, 8));
  }
}
