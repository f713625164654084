import fp from 'fastify-plugin';
import { startRepeatingTask, type RepeatingTask } from '../../services/repeating-task.ts';
import { WebhookDispatcher, webhookSettings } from '../../services/webhooks/dispatcher.ts';
import { runWebhookRetention } from '../../services/webhooks/retention.ts';

export interface WebhooksPluginOptions {
  /** Run the dispatcher (LISTEN, BullMQ worker, sweep) and the webhook retention. */
  run: boolean;
}

/**
 * `app.webhooks`: the webhook dispatcher. Its queue producer always exists (routes wake endpoints);
 * the dispatching itself runs from onReady when `run` is set and stops first on close.
 */
export default fp<WebhooksPluginOptions>(
  async (app, opts) => {
    const dispatcher = new WebhookDispatcher({
      db: app.db,
      databaseUrl: app.config.DATABASE_URL,
      redis: app.redis,
      redisUrl: app.config.REDIS_URL,
      prefix: app.config.REDIS_PREFIX,
      settings: webhookSettings(app.config),
      log: app.log.child({ component: 'webhooks' }),
    });
    app.decorate('webhooks', dispatcher);
    let retention: RepeatingTask | null = null;
    if (opts.run) {
      app.addHook('onReady', async () => {
        await dispatcher.start();
        if (app.config.WEBHOOK_RETENTION_DAYS > 0) {
          retention = startRepeatingTask(
            'webhook-retention',
            app.config.RETENTION_INTERVAL_MS,
            async () => {
              await runWebhookRetention(app.db, app.config.WEBHOOK_RETENTION_DAYS, app.log);
            },
            app.log,
            { runNow: true },
          );
        }
      });
    }
    app.addHook('onClose', async () => {
      await retention?.stop();
      await dispatcher.stop();
    });
  },
  { name: 'webhooks', dependencies: ['config', 'db', 'redis'] },
);
