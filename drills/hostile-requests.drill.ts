import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import { tableStates } from './lib/db-checksum.ts';
import { AUTHS, MUTATIONS, generate, routesOf, type OpenApi } from './lib/hostile-requests.ts';
import { sendRaw } from './lib/raw-http.ts';
import { DRILL_PASSWORD } from './lib/stack.ts';

const COUNT = 2000;
const PARALLEL = 8;
/** Fixed by default so a failure reproduces; DRILL_SEED picks another sequence. */
const SEED = Number(process.env.DRILL_SEED ?? 20261202);

export const drill: Drill = {
  description: `${COUNT} malformed or hostile requests built from the OpenAPI document across every route and method`,
  async run(stack, report) {
    report.note('seed (DRILL_SEED reproduces)', SEED);
    const own = await stack.createTenant();
    const other = await stack.createTenant();
    const token = await stack.signIn(own.operator);
    // A tenant admin of the same tenant makes a key with every scope, as the portal would.
    const ownAdmin = `admin@${own.slug}.local`;
    const adminUser = await stack.admin('POST', '/admin/users', {
      email: ownAdmin,
      name: 'Drill tenant admin',
      password: DRILL_PASSWORD,
      memberships: [{ tenant: own.slug, role: 'TENANT_ADMIN' }],
    });
    report.expect('tenant admin created', adminUser.status, 201);
    const keyRes = await stack.portal('POST', '/portal/tenant/current/api-keys', ownAdmin, own.slug, {
      name: 'drill key',
      scopes: ['messages:read', 'messages:send', 'session:read', 'webhooks:manage'],
    });
    report.expect('tenant API key created', keyRes.status, 201);
    const tenantKey = ((await keyRes.json()) as { secret: string }).secret;
    const doc = (await (await fetch(`${stack.baseUrl}/docs/json`)).json()) as OpenApi;
    const routes = routesOf(doc);
    report.step(
      `tenants ${own.slug} (signed in as its operator) and ${other.slug}; ${routes.length} route/method pairs in /docs/json`,
    );

    const requests = generate(
      routes,
      {
        adminKey: stack.adminKey,
        portalKey: stack.portalKey,
        sessionToken: token,
        tenantKey,
        ownTenant: own.slug,
        otherTenant: other.slug,
      },
      SEED,
      COUNT,
    );
    // Sessions and API keys are stamped on use (lastUsedAt): those tables are compared by row count only.
    const COUNT_ONLY = ['portal_sessions', 'api_keys'];
    const before = await tableStates(stack.db, COUNT_ONLY);
    const port = Number(new URL(stack.baseUrl).port);
    const byStatus = new Map<number, number>();
    const statuses: number[] = [];
    const failures: string[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < requests.length) {
          const index = next++;
          const req = requests[index]!;
          const status = await sendRaw(port, req);
          statuses[index] = status;
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          const isWrite = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
          if (status >= 500 || status === 0 || (isWrite && status < 300)) {
            failures.push(
              `#${index} ${req.method} ${req.target.toString('latin1').slice(0, 120)} [${req.mutation}, auth ${req.auth}] -> ${status || 'no response'} body ${req.body?.toString('latin1').slice(0, 160) ?? '-'}`,
            );
          }
        }
      }),
    );
    report.note('sent', `${requests.length} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const [status, n] of [...byStatus].sort(([a], [b]) => a - b))
      report.note(`HTTP ${status || 'no response'}`, n);
    const routesHit = new Set(requests.map((r) => `${r.route.method} ${r.route.path}`)).size;
    report.expect('route/method pairs covered', routesHit, routes.length);
    const withKey = requests
      .map((r, i) => ({ r, status: statuses[i] ?? 0 }))
      .filter(
        ({ r }) => r.route.path.startsWith('/v1/') && (r.auth === 'valid' || r.auth === 'forged-headers'),
      );
    report.note(
      '/v1 requests with the real tenant key (status: count)',
      [...new Set(withKey.map((w) => w.status))]
        .sort()
        .map((s) => `${s}: ${withKey.filter((w) => w.status === s).length}`)
        .join(', ') || 'none',
    );
    for (const m of MUTATIONS) report.note(`mutation ${m}`, requests.filter((r) => r.mutation === m).length);
    for (const a of AUTHS) report.note(`auth ${a}`, requests.filter((r) => r.auth === a).length);
    for (const f of failures.slice(0, 20)) report.step(`  ${f}`);
    report.expect(
      'responses >= 500',
      [...byStatus].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
      0,
    );
    report.expect('requests without a response', byStatus.get(0) ?? 0, 0);

    const health = await waitFor(
      'GET /health',
      async () => (await fetch(`${stack.baseUrl}/health`).catch(() => undefined))?.status,
      { timeoutMs: 10_000 },
    ).catch(() => 0);
    report.expect('GET /health after the burst', health, 200);
    report.expect('control plane still the same process', stack.isControlPlaneAlive(), true);

    const after = await tableStates(stack.db, COUNT_ONLY);
    let changed = 0;
    for (const [table, state] of before) {
      const now = after.get(table);
      if (!now || now.rows !== state.rows || now.checksum !== state.checksum) {
        changed++;
        report.step(
          `  table ${table}: ${state.rows} rows before, ${now?.rows ?? '?'} after${now?.checksum !== state.checksum ? ' (contents changed)' : ''}`,
        );
      }
    }
    report.note('tables compared (row count + content checksum)', before.size);
    report.expect('tables changed by the hostile requests', changed + (after.size - before.size), 0);

    // Positive control: the same credentials still do real work, and it shows up in the checksum.
    const res = await stack.portal('GET', '/portal/tenant/current', own.operator, own.slug);
    report.expect('positive control: the signed-in operator reads its tenant', res.status, 200);
    const keyRead = await fetch(`${stack.baseUrl}/v1/session`, {
      headers: { authorization: `Bearer ${tenantKey}` },
    });
    report.expect('positive control: the tenant key reads its session on /v1', keyRead.status, 200);
    const created = await stack.admin('POST', '/admin/tenants', {
      slug: 'drill-control',
      name: 'control',
      engine: 'simulator',
    });
    report.expect('positive control: a valid admin write is accepted', created.status, 201);
    const changedByControl = (await tableStates(stack.db, COUNT_ONLY)).get('tenants')?.rows ?? 0;
    report.expect(
      'positive control: the checksum sees that write (tenant rows)',
      changedByControl,
      (before.get('tenants')?.rows ?? 0) + 1,
    );
  },
};
