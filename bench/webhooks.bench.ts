// Webhook delivery throughput: events written by the outbox triggers (inbound messages inserted in one
// transaction, as workers write them) until every one was POSTed, signed, to a local receiver and
// recorded as SUCCEEDED, against a bare HTTP POST loop to the same receiver in the same run (one request
// at a time, a new connection each, as the dispatcher makes them). One endpoint, so the dispatcher's
// per-endpoint ordering (one request in flight) applies; a second figure spreads the events over four
// endpoints of four tenants. Real embedded PostgreSQL and Redis. Run: pnpm bench [--quick] webhooks
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadControlPlaneConfig } from '@wa-fleet/config';
import { createDbClient } from '@wa-fleet/db';
import { deployMigrations } from '@wa-fleet/db/migrate';
import { startEmbeddedPostgres, startRedis, waitFor } from '@wa-fleet/devstack';
import { buildApp } from '../apps/control-plane/src/app.ts';
import { quick, report } from './lib/metric.ts';

const EVENTS = quick ? 300 : 2_000;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-hooks-'));
const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), isThrowaway: true });
const redis = await startRedis({ dir: path.join(tmp, 'redis') });
let received = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200).end('ok');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const port = (receiver.address() as AddressInfo).port;

try {
  await deployMigrations(pg.adminUrl, { log: () => undefined });
  const db = createDbClient(pg.adminUrl, { poolSize: 10, applicationName: 'bench' });
  const config = loadControlPlaneConfig({
    NODE_ENV: 'production',
    DATABASE_URL: pg.adminUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    ADMIN_API_KEY: randomBytes(24).toString('hex'),
    PORTAL_INTERNAL_KEY: randomBytes(24).toString('hex'),
    LOG_DIR: path.join(tmp, 'logs'),
    LOG_LEVEL: 'warn',
    PM2_HOME: path.join(tmp, 'pm2'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_SWEEP_INTERVAL_MS: '1000',
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
  });
  const app = await buildApp(config, { db, runBackgroundJobs: false, runWebhooks: true });
  await app.ready();

  const tenants: string[] = [];
  for (let i = 0; i < 4; i++) {
    const tenant = await db.tenant.create({ data: { slug: `bench-${i}`, name: `Bench ${i}` } });
    await db.webhookEndpoint.create({
      data: {
        tenantId: tenant.id,
        url: `http://127.0.0.1:${port}/hook/${i}`,
        secret: `whsec_${randomBytes(32).toString('base64url')}`,
        eventTypes: ['message.received'],
      },
    });
    tenants.push(tenant.id);
  }
  const body = 'Hello, is my order 1042 on its way? '.repeat(3);

  /** Inserts `n` inbound messages spread over `spread` tenants, then waits until all are delivered. */
  async function run(n: number, spread: number): Promise<number> {
    const start = received;
    const t0 = performance.now();
    await db.$transaction(async (tx) => {
      await tx.messageLog.createMany({
        data: Array.from({ length: n }, (_, i) => ({
          tenantId: tenants[i % spread]!,
          direction: 'IN' as const,
          fromNumber: '4915100000001',
          toNumber: '4915100000000',
          body,
          status: 'RECEIVED' as const,
          waMessageId: `bench-${spread}-${t0}-${i}`,
        })),
      });
    });
    await waitFor(
      `${n} deliveries`,
      async () =>
        received - start >= n && (await db.webhookDelivery.count({ where: { status: 'PENDING' } })) === 0,
      { timeoutMs: 600_000, intervalMs: 20 },
    );
    return performance.now() - t0;
  }

  // The same JSON size, posted one at a time to the same receiver.
  const sample = JSON.stringify({
    id: 'x'.repeat(36),
    type: 'message.received',
    tenant: 'bench-0',
    time: new Date().toISOString(),
    data: { body },
  });
  async function bare(n: number): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/bare',
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(sample) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(sample);
      });
    }
    return performance.now() - t0;
  }

  await run(50, 1); // warm-up: connections, prepared plans, JIT
  await bare(50);
  const baselineMs = await bare(EVENTS);
  const oneMs = await run(EVENTS, 1);
  const fourMs = await run(EVENTS, 4);
  const perBare = baselineMs / EVENTS;
  report({
    metric: 'webhooks.events_per_s.one_endpoint',
    value: EVENTS / (oneMs / 1000),
    unit: 'ev/s',
    baseline: EVENTS / (baselineMs / 1000),
    baselineLabel: 'bare sequential HTTP POST loop, same receiver',
    target: 20,
    compare: '>=',
  });
  report({
    metric: 'webhooks.per_event_ms.one_endpoint',
    value: oneMs / EVENTS,
    unit: 'ms',
    baseline: perBare,
    baselineLabel: 'one bare HTTP POST',
    target: 20 * perBare,
    compare: '<=',
    targetLabel: 'within 20x of a bare POST',
  });
  report({
    metric: 'webhooks.events_per_s.four_endpoints',
    value: EVENTS / (fourMs / 1000),
    unit: 'ev/s',
    baseline: EVENTS / (baselineMs / 1000),
    baselineLabel: 'bare sequential HTTP POST loop, same receiver',
    target: 20,
    compare: '>=',
  });
  await app.close();
  await db.$disconnect();
} finally {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await redis.stop();
  await pg.stop();
  rmSync(tmp, { recursive: true, force: true });
}
