// Message reads: the list (GET /portal/tenant/current/logs) at the first page, at 90 % depth, filtered,
// in a date range and searched, and the CSV export (GET /portal/tenant/current/logs/export), through a
// real control plane listening on 127.0.0.1 (HTTP, auth, validation, serialization) against the same SQL
// run directly with pg in the same run.
// Full: one tenant of 500 k rows in a table of 5 M (10 tenants). --quick: 50 k in 500 k.
// Run: pnpm bench message-reads [--quick]   (BENCH_PG_DIR=<dir> keeps the seeded database between runs)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadControlPlaneConfig } from '@wa-fleet/config';
import { createDbClient } from '@wa-fleet/db';
import { startRedis } from '@wa-fleet/devstack';
import { buildApp } from '../apps/control-plane/src/app.ts';
import {
  listTenantMessages,
  messageExportSql,
  messagePageSql,
} from '../apps/control-plane/src/services/message-queries.ts';
import { createSession } from '../apps/control-plane/src/services/sessions.ts';
import { startBenchDatabase, seedMessages } from './lib/message-data.ts';
import { percentile, quick, report, timeRuns } from './lib/metric.ts';

const SIZE = {
  tenants: Number(process.env.BENCH_READS_TENANTS ?? 10),
  rowsPerTenant: Number(process.env.BENCH_READS_ROWS ?? (quick ? 50_000 : 500_000)),
};
const RUNS = quick ? 30 : 60;
const EXPORT_ROWS = quick ? 20_000 : 100_000;
const log = (m: string) => console.log(m);

const database = await startBenchDatabase('wa_bench_reads', SIZE);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-reads-'));
const redis = await startRedis({ dir: path.join(tmp, 'redis') });
try {
  const t0 = Date.now();
  const [tenantId] = await seedMessages(database.url, SIZE, log);
  log(`data ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const direct = new pg.Pool({ connectionString: database.url, max: 2 });
  const db = createDbClient(database.url, { poolSize: 5, applicationName: 'bench-reads' });
  const portalKey = randomBytes(24).toString('hex');
  const config = loadControlPlaneConfig({
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    ADMIN_API_KEY: randomBytes(24).toString('hex'),
    PORTAL_INTERNAL_KEY: portalKey,
    LOG_DIR: path.join(tmp, 'logs'),
    LOG_LEVEL: 'warn',
    PM2_HOME: path.join(tmp, 'pm2'),
    CONTROL_PLANE_PORT: '0',
    WA_ENGINE: 'simulator',
    MESSAGE_EXPORT_MAX_ROWS: String(EXPORT_ROWS),
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
  });
  const app = await buildApp(config, { db, runBackgroundJobs: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const email = `bench-${Date.now()}@bench.test`;
  const user = await db.user.create({
    data: {
      email,
      name: 'bench',
      passwordHash: 'x',
      memberships: { create: [{ tenantId: tenantId!, role: 'VIEWER' }] },
    },
  });
  const { token } = await createSession(db, { userId: user.id, ttlMs: 3_600_000 });
  const headers = { 'x-portal-key': portalKey, 'x-session-token': token };

  // The cursor of the row at 90 % depth, and a one-day window in the middle of the tenant's history.
  const depth = Math.floor(SIZE.rowsPerTenant * 0.9);
  const deep = await direct.query<{ created_at: Date; id: string }>(
    `SELECT created_at, id FROM message_logs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [tenantId, depth],
  );
  const deepCursor = Buffer.from(`${deep.rows[0]!.created_at.toISOString()}|${deep.rows[0]!.id}`).toString(
    'base64url',
  );
  const mid = new Date(Date.parse('2026-11-01T00:00:00Z') - (SIZE.rowsPerTenant / 2) * 1000);
  const cases: { name: string; query: Record<string, string | number> }[] = [
    { name: 'first_page', query: { limit: 50 } },
    { name: 'deep_page', query: { limit: 50, cursor: deepCursor } },
    { name: 'filter_direction', query: { limit: 50, direction: 'OUT', cursor: deepCursor } },
    { name: 'filter_status', query: { limit: 50, status: 'FAILED' } },
    { name: 'filter_status_deep', query: { limit: 50, status: 'FAILED', cursor: deepCursor } },
    {
      name: 'date_range',
      query: { limit: 50, from: new Date(mid.getTime() - 86_400_000).toISOString(), to: mid.toISOString() },
    },
    { name: 'search_word', query: { limit: 50, q: 'pizza' } },
    { name: 'search_word_newest', query: { limit: 50, q: 'pizza', sort: 'newest' } },
    { name: 'search_phone', query: { limit: 50, q: '491700012345' } },
  ];

  for (const c of cases) {
    const sql = messagePageSql(tenantId!, c.query);
    const params = new URLSearchParams(
      Object.entries(c.query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const url = `${base}/portal/tenant/current/logs?${params.toString()}`;
    let count = 0;
    const viaPg = await timeRuns(async () => {
      count = (await direct.query(sql.text, sql.values)).rowCount ?? 0;
    }, RUNS);
    // The service alone (Prisma $queryRaw + DTO mapping, no HTTP, no auth): where the endpoint's time goes.
    const viaService = await timeRuns(() => listTenantMessages(db, tenantId!, c.query), RUNS);
    const viaHttp = await timeRuns(async () => {
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
      await res.json();
    }, RUNS);
    log(
      `${c.name}: ${count} rows; pg p50 ${percentile(viaPg, 50).toFixed(2)} p95 ${percentile(viaPg, 95).toFixed(2)} ms; ` +
        `service p50 ${percentile(viaService, 50).toFixed(2)} p95 ${percentile(viaService, 95).toFixed(2)} ms; ` +
        `endpoint p50 ${percentile(viaHttp, 50).toFixed(2)} p95 ${percentile(viaHttp, 95).toFixed(2)} ms`,
    );
    report({
      metric: `reads.${c.name}.endpoint_p95`,
      value: percentile(viaHttp, 95),
      unit: 'ms',
      baseline: percentile(viaPg, 95),
      baselineLabel: 'same SQL through pg, p95',
      target: 20,
      compare: '<=',
    });
    const overhead = percentile(viaHttp, 50) - percentile(viaPg, 50);
    report({
      metric: `reads.${c.name}.endpoint_overhead_p50`,
      value: overhead,
      unit: 'ms',
      baseline: percentile(viaPg, 50),
      baselineLabel: 'same SQL through pg, p50',
      target: 3,
      compare: '<=',
    });
  }

  // Export: the newest EXPORT_ROWS rows (a date range holding exactly that many), streamed, against one
  // pg query returning the same rows. RSS is sampled every 10 ms during each.
  const edge = await direct.query<{ created_at: Date }>(
    `SELECT created_at FROM message_logs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [tenantId, EXPORT_ROWS - 1],
  );
  const filter = { from: edge.rows[0]!.created_at.toISOString() };
  const sampleRss = async (fn: () => Promise<number>) => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const t = process.hrtime.bigint();
    const n = await fn();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ms, n, rssDeltaMb: (peak - before) / 1024 / 1024 };
  };
  const exportOnce = () =>
    sampleRss(async () => {
      const res = await fetch(
        `${base}/portal/tenant/current/logs/export?${new URLSearchParams(filter).toString()}`,
        {
          headers,
        },
      );
      if (!res.ok || !res.body) throw new Error(`export: ${res.status} ${await res.text()}`);
      let lines = 0;
      for await (const chunk of res.body) for (const b of chunk as Uint8Array) if (b === 10) lines++;
      return lines - 1;
    });
  const queryOnce = () =>
    sampleRss(async () => {
      const sql = messageExportSql(tenantId!, filter);
      return (await direct.query(sql.text, sql.values)).rowCount ?? 0;
    });
  await exportOnce(); // warm-up
  const exp = [await exportOnce(), await exportOnce(), await exportOnce()];
  await queryOnce();
  const qry = [await queryOnce(), await queryOnce(), await queryOnce()];
  const med = (xs: { ms: number }[]) => [...xs].sort((a, b) => a.ms - b.ms)[1]!;
  if (exp.some((e) => e.n !== EXPORT_ROWS) || qry.some((q) => q.n !== EXPORT_ROWS))
    throw new Error(`export/query row counts ${exp.map((e) => e.n).join()} / ${qry.map((q) => q.n).join()}`);
  log(
    `export of ${EXPORT_ROWS} rows: ${exp.map((e) => e.ms.toFixed(0)).join(', ')} ms; query ${qry.map((q) => q.ms.toFixed(0)).join(', ')} ms`,
  );
  report({
    metric: 'export.duration',
    value: med(exp).ms,
    unit: 'ms',
    baseline: med(qry).ms,
    baselineLabel: `one pg query of the same ${EXPORT_ROWS} rows`,
    target: 3 * med(qry).ms,
    compare: '<=',
    targetLabel: 'within 3x of the baseline',
  });
  const peakExport = Math.max(...exp.map((e) => e.rssDeltaMb));
  report({
    metric: 'export.peak_rss_delta',
    value: peakExport,
    unit: 'MB',
    baseline: Math.max(...qry.map((q) => q.rssDeltaMb)),
    baselineLabel: 'the same rows loaded by one pg query',
    target: 64,
    compare: '<=',
    targetLabel: '<= 64 MB (flat: cursor batches of 500 rows)',
  });

  await app.close();
  await db.$disconnect();
  await direct.end();
} finally {
  await redis.stop();
  await database.stop();
  rmSync(tmp, { recursive: true, force: true });
}
