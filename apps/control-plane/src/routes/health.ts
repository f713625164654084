import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireMetricsToken } from '../plugins/app/metrics.ts';
import { ErrorBody, errorResponses } from '../schemas/common.ts';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const Checks = Type.Object({
  database: Type.String(),
  redis: Type.String(),
  /** 'reconciling' until the first pass of bringing the database and PM2 to agree has finished. */
  workers: Type.String(),
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: Postgres and Redis reachable (503 naming what is down)',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Checks }),
          503: Type.Object({ ...ErrorBody.properties, checks: Checks }),
        },
      },
    },
    async (_request, reply) => {
      const [database, redis] = await Promise.all([
        withTimeout(app.db.$queryRaw`SELECT 1`).then(
          () => 'ok',
          () => 'down',
        ),
        withTimeout(app.redis.ping()).then(
          () => 'ok',
          () => 'down',
        ),
      ]);
      const reconciler = app.backgroundTasks.get('reconciler');
      // Without background jobs (route-only tests) there is nothing to wait for.
      const workers = !reconciler || reconciler.completedRuns > 0 ? 'ok' : 'reconciling';
      const checks = { database, redis, workers };
      const problems = Object.entries(checks)
        .filter(([, v]) => v !== 'ok')
        .map(([k, v]) => `${k} ${v}`);
      if (problems.length === 0) return { status: 'ready' as const, checks };
      return reply.status(503).send({
        error: { code: 'DEPENDENCY_DOWN', message: `not ready: ${problems.join(', ')}` },
        checks,
      });
    },
  );

  app.get(
    '/metrics',
    {
      onRequest: requireMetricsToken(app),
      schema: {
        tags: ['health'],
        summary:
          'Prometheus metrics: workers by status, heartbeat age and queue depth per tenant, HTTP latency (Bearer METRICS_TOKEN when set)',
        response: {
          200: {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const text = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(text);
    },
  );
};

export default routes;
