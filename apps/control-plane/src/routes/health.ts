import type { FastifyPluginAsync } from 'fastify';
import { probePostgres, probeRedis } from '@wa-fleet/shared/health';
import { requireMetricsToken } from '../plugins/app/metrics.ts';
import { serve } from './serve.ts';

const CHECK_TIMEOUT_MS = 2_000;

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /health', async () => ({ status: 'ok' as const }));

  serve(app, 'GET /ready', async (_request, reply) => {
    // ok, unreachable, auth_failed or error (the shared probe's states).
    const [database, redis] = await Promise.all([
      probePostgres(() => app.db.$queryRaw`SELECT 1`, { timeoutMs: CHECK_TIMEOUT_MS }).then((r) => r.state),
      probeRedis(app.redis, { timeoutMs: CHECK_TIMEOUT_MS }).then((r) => r.state),
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
  });

  serve(app, 'GET /metrics', { onRequest: requireMetricsToken(app) }, async (_request, reply) => {
    const text = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(text);
  });
};

export default routes;
