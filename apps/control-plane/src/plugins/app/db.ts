import fp from 'fastify-plugin';
import pg from 'pg';
import { createDbClient, type DbClient } from '@wa-fleet/db';

/** As the Prisma client's pool: fail fast rather than hang when the database is unreachable. */
const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * `app.db`: the Prisma client. One given by the caller (tests) is the caller's to close. `app.sql`: a
 * small node-postgres pool of this app's own for hot reads, closed with the app.
 */
export default fp<{ db?: DbClient }>(
  async (app, opts) => {
    const db =
      opts.db ??
      createDbClient(app.config.DATABASE_URL, {
        poolSize: app.config.DATABASE_POOL_SIZE,
        applicationName: 'wa-control-plane',
      });
    app.decorate('db', db);
    if (!opts.db) app.addHook('onClose', async () => db.$disconnect());
    // Plain node-postgres for the few reads every page poll makes (the portal's session and tenant, the
    // admin worker list): through Prisma each cost about a fifth of the request's CPU in Prisma itself.
    const sql = new pg.Pool({
      connectionString: app.config.DATABASE_URL,
      max: Math.max(2, Math.ceil(app.config.DATABASE_POOL_SIZE / 2)),
      application_name: 'wa-control-plane',
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    });
    // An idle connection the server dropped (restart, outage) is replaced on the next query.
    sql.on('error', (err) => app.log.warn({ err }, 'idle database connection failed'));
    app.decorate('sql', sql);
    app.addHook('onClose', async () => sql.end());
  },
  { name: 'db', dependencies: ['config'] },
);
