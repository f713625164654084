import fp from 'fastify-plugin';
import { Pm2Client } from '../../services/pm2-client.ts';
import { WorkerLifecycle } from '../../services/worker-lifecycle.ts';
import { startRepeatingTask, type RepeatingTask } from '../../services/repeating-task.ts';
import { checkStaleWorkers } from '../../services/stale-worker-checker.ts';
import { reconcileWorkers } from '../../services/reconciler.ts';
import { runRetention } from '../../services/message-retention.ts';

export interface Pm2PluginOptions {
  pm2?: Pm2Client;
  /** Stale checker, reconciler and message retention; off in tests that only exercise routes. */
  runBackgroundJobs?: boolean;
}

/**
 * `app.pm2` and `app.workers`. Closing the app disconnects from the PM2 daemon but never kills it:
 * workers must outlive a control plane restart (the next one reconciles with them).
 */
export default fp<Pm2PluginOptions>(
  async (app, opts) => {
    const pm2 = opts.pm2 ?? new Pm2Client(app.config.PM2_HOME);
    const workers = new WorkerLifecycle({ config: app.config, db: app.db, pm2, log: app.log });
    app.decorate('pm2', pm2);
    app.decorate('workers', workers);

    // Filled once the app is ready; exposed so tests and diagnostics can see that passes keep happening.
    const tasks = new Map<string, RepeatingTask>();
    app.decorate('backgroundTasks', tasks as ReadonlyMap<string, RepeatingTask>);
    if (opts.runBackgroundJobs !== false) {
      app.addHook('onReady', async () => {
        const log = app.log.child({ component: 'background' });
        const reconcile = async () => {
          const result = await reconcileWorkers({ db: app.db, pm2, config: app.config, log });
          const changed = Object.values(result).some((list: string[]) => list.length > 0);
          if (changed) log.info({ result }, 'reconciled workers with PM2');
        };
        tasks.set(
          'stale-checker',
          startRepeatingTask(
            'stale-checker',
            app.config.STALE_CHECK_INTERVAL_MS,
            async () => {
              await checkStaleWorkers(app.db, app.config.STALE_AFTER_MS, log);
            },
            log,
          ),
        );
        if (app.config.MESSAGE_RETENTION_DAYS > 0) {
          tasks.set(
            'retention',
            startRepeatingTask(
              'retention',
              app.config.RETENTION_INTERVAL_MS,
              async () => {
                await runRetention(app.db, app.config.MESSAGE_RETENTION_DAYS, log);
              },
              log,
              { runNow: true },
            ),
          );
        }
        tasks.set(
          'reconciler',
          // The first pass runs at once. /ready answers 503 ("workers: reconciling") until it has
          // finished: a start request trusted before it could believe a RUNNING row left by a process
          // that died with the previous control plane.
          startRepeatingTask('reconciler', app.config.RECONCILE_INTERVAL_MS, reconcile, log, {
            runNow: true,
          }),
        );
      });
    }

    app.addHook('onClose', async () => {
      await Promise.all([...tasks.values()].map((t) => t.stop()));
      await workers.settle();
      if (!opts.pm2) await pm2.disconnect();
    });
  },
  { name: 'pm2', dependencies: ['config', 'db'] },
);
