import fp from 'fastify-plugin';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { WORKER_STATUSES } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { isKeyMatch } from './auth.ts';

export interface Metrics {
  registry: Registry;
}

/**
 * GET /metrics names every tenant (heartbeat age, queue depth per slug): with METRICS_TOKEN set, only a
 * scraper presenting `Authorization: Bearer <METRICS_TOKEN>` reads it. Unset, it stays open for a
 * scraper on a trusted network.
 */
export function requireMetricsToken(app: FastifyInstance): onRequestAsyncHookHandler {
  return async (request) => {
    const expected = app.config.METRICS_TOKEN;
    if (expected === undefined) return;
    const authorization = request.headers.authorization;
    const presented =
      typeof authorization === 'string' ? /^Bearer\s+(.+)$/i.exec(authorization)?.[1] : undefined;
    if (!isKeyMatch(presented?.trim(), expected)) {
      throw new AppError('UNAUTHENTICATED', 'metrics require Authorization: Bearer <METRICS_TOKEN>');
    }
  };
}

/**
 * Prometheus metrics on a registry of this app (not prom-client's global one, so several apps in one
 * process, as in tests, do not collide). Fleet gauges are read from Postgres and Redis at scrape time.
 */
export default fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'wa_control_plane_' });

    const httpDuration = new Histogram({
      name: 'wa_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    app.addHook('onResponse', async (request, reply) => {
      httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });

    new Gauge({
      name: 'wa_workers',
      help: 'Workers by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const rows = await app.db.workerProcess.groupBy({ by: ['status'], _count: { _all: true } });
        for (const status of WORKER_STATUSES) {
          this.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
        }
      },
    });

    new Gauge({
      name: 'wa_worker_heartbeat_age_seconds',
      help: 'Seconds since the last heartbeat of each tenant worker (database clock)',
      labelNames: ['tenant'],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await app.db.$queryRaw<{ slug: string; age: number }[]>`
          SELECT t.slug, extract(epoch FROM now() - w.last_heartbeat_at)::float8 AS age
          FROM worker_processes w JOIN tenants t ON t.id = w.tenant_id
          WHERE w.last_heartbeat_at IS NOT NULL`;
        for (const row of rows) this.set({ tenant: row.slug }, row.age);
      },
    });

    new Gauge({
      name: 'wa_send_queue_depth',
      help: 'Outbound sends waiting in each tenant queue',
      labelNames: ['tenant'],
      registers: [registry],
      async collect() {
        this.reset();
        const tenants = await app.db.tenant.findMany({ select: { id: true, slug: true } });
        for (const tenant of tenants) {
          const depth = await app.sendQueues.depth(tenant.id).catch(() => undefined);
          if (depth !== undefined) this.set({ tenant: tenant.slug }, depth);
        }
      },
    });

    app.decorate('metrics', { registry });
  },
  { name: 'metrics', dependencies: ['db', 'redis'] },
);
