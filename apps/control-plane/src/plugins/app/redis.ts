import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { SendQueues } from '../../services/send-queues.ts';

/** `app.redis` (publish, health) and `app.sendQueues` (BullMQ producers, one per tenant). */
export default fp(
  async (app) => {
    const redis = new Redis(app.config.REDIS_URL, {
      // Commands fail fast while Redis is down instead of piling up: a send stays QUEUED in Postgres.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      lazyConnect: false,
    });
    redis.on('error', (err) => app.log.warn({ err: { message: err.message } }, 'redis connection error'));
    const sendQueues = new SendQueues(redis, app.config.REDIS_PREFIX);
    app.decorate('redis', redis);
    app.decorate('sendQueues', sendQueues);
    app.addHook('onClose', async () => {
      await sendQueues.close();
      redis.disconnect();
    });
  },
  { name: 'redis', dependencies: ['config'] },
);
