import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import { createServiceLogger, type Logger } from '@wa-fleet/logger';
import './types.ts';
import swagger from './plugins/external/swagger.ts';
import rateLimit from './plugins/external/rate-limit.ts';
import errorHandler from './plugins/app/error-handler.ts';
import dbPlugin from './plugins/app/db.ts';
import redisPlugin from './plugins/app/redis.ts';
import driverPlugin from './plugins/app/driver.ts';
import authPlugin from './plugins/app/auth.ts';
import metricsPlugin from './plugins/app/metrics.ts';
import requestLogPlugin from './plugins/app/request-log.ts';
import webhooksPlugin from './plugins/app/webhooks.ts';
import healthRoutes from './routes/health.ts';
import adminRoutes from './routes/admin/index.ts';
import portalRoutes from './routes/portal/index.ts';
import publicApiRoutes from './routes/v1/index.ts';
import type { ProcessDriver } from './services/process-driver.ts';

export interface AppDeps {
  /** The project logger (server.ts passes the control-plane.log one); silent when absent. */
  logger?: Logger;
  /** A Prisma client owned by the caller (not closed with the app). */
  db?: DbClient;
  /** A process driver owned by the caller (not disconnected with the app). Default: PM2. */
  driver?: ProcessDriver;
  /** Stale checker + reconciler timers. Default true. */
  runBackgroundJobs?: boolean;
  /** The webhook dispatcher (LISTEN, delivery worker, sweep, retention). Default: runBackgroundJobs. */
  runWebhooks?: boolean;
}

/**
 * Builds the control plane as a plugin tree: external plugins, then the app's decorators (config, db,
 * redis, process driver, auth, metrics), then routes. It never listens: server.ts owns the process, tests inject.
 */
export async function buildApp(config: ControlPlaneConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance keeps Fastify's default generics (plugins expect them).
  const logger: FastifyBaseLogger =
    deps.logger ?? (await createServiceLogger({ service: 'control-plane', stdout: false }));
  const app = Fastify({
    loggerInstance: logger,
    requestIdHeader: 'x-request-id',
    // Fastify's own two lines per request drown the log under portal polling; request-log.ts writes one.
    logController: new LogController({ disableRequestLogging: true }),
    // Slugs and uuids are short; anything long in a path is not ours.
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 256 * 1024,
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  await app.register(errorHandler);
  await app.register(swagger);

  await app.register(
    fp(
      async (instance) => {
        instance.decorate('config', config);
      },
      { name: 'config' },
    ),
  );
  await app.register(dbPlugin, { db: deps.db });
  await app.register(redisPlugin);
  await app.register(rateLimit);
  await app.register(driverPlugin, { driver: deps.driver, runBackgroundJobs: deps.runBackgroundJobs });
  await app.register(webhooksPlugin, { run: deps.runWebhooks ?? deps.runBackgroundJobs !== false });
  await app.register(authPlugin);
  await app.register(metricsPlugin);
  await app.register(requestLogPlugin);

  await app.register(healthRoutes);
  await app.register(adminRoutes, { prefix: '/admin' });
  await app.register(portalRoutes, { prefix: '/portal' });
  await app.register(publicApiRoutes, { prefix: '/v1' });
  return app;
}
