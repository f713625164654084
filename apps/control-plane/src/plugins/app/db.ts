import fp from 'fastify-plugin';
import { createDbClient, type DbClient } from '@wa-fleet/db';

/** `app.db`: the Prisma client. One given by the caller (tests) is the caller's to close. */
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
  },
  { name: 'db', dependencies: ['config'] },
);
