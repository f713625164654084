import fp from 'fastify-plugin';
import { Pm2Driver } from '../../services/pm2-driver.ts';
import type { ProcessDriver } from '../../services/process-driver.ts';
import { WorkerLifecycle } from '../../services/worker-lifecycle.ts';
import { ProcessView } from '../../services/process-view.ts';

/** How often GET /admin/workers' process snapshot is refreshed while it is being read. */
const PROCESS_VIEW_REFRESH_MS = 1_000;
import { startRepeatingTask, type RepeatingTask } from '../../services/repeating-task.ts';
import { checkStaleWorkers } from '../../services/stale-worker-checker.ts';
import { healStaleWorkers } from '../../services/worker-healer.ts';
import { reconcileWorkers } from '../../services/reconciler.ts';
import { runRetention } from '../../services/message-retention.ts';

export interface DriverPluginOptions {
  /** A process driver owned by the caller (not disconnected with the app). Default: PM2 under PM2_HOME. */
  driver?: ProcessDriver;
  /** Stale checker, reconciler and message retention; off in tests that only exercise routes. */
  runBackgroundJobs?: boolean;
}

/**
 * `app.driver` (the process driver: PM2 unless the caller brings one) and `app.workers`. Closing the app
 * disconnects from the driver but never stops workers: they must outlive a control plane restart (the
 * next one reconciles with them).
 */
export default fp<DriverPluginOptions>(
  async (app, opts) => {
    const driver =
      opts.driver ??
      new Pm2Driver({ home: app.config.PM2_HOME, daemonEnv: app.config.WORKER_PASSTHROUGH_ENV });
    const processView = new ProcessView(driver, app.log, { refreshMs: PROCESS_VIEW_REFRESH_MS });
    const workers = new WorkerLifecycle({
      config: app.config,
      db: app.db,
      driver,
      log: app.log,
      onProcessChange: () => processView.invalidate(),
    });
    app.decorate('processView', processView);
    app.decorate('driver', driver);
    app.decorate('workers', workers);

    // Filled once the app is ready; exposed so tests and diagnostics can see that passes keep happening.
    const tasks = new Map<string, RepeatingTask>();
    app.decorate('backgroundTasks', tasks as ReadonlyMap<string, RepeatingTask>);
    if (opts.runBackgroundJobs !== false) {
      app.addHook('onReady', async () => {
        const log = app.log.child({ component: 'background' });
        const reconcile = async () => {
          const result = await reconcileWorkers({ db: app.db, driver, config: app.config, log });
          const changed = Object.values(result).some((list: string[]) => list.length > 0);
          if (changed) log.info({ result }, 'reconciled workers with the process driver');
        };
        tasks.set(
          'stale-checker',
          startRepeatingTask(
            'stale-checker',
            app.config.STALE_CHECK_INTERVAL_MS,
            async () => {
              await checkStaleWorkers(app.db, app.config.STALE_AFTER_MS, log);
              // Same pass: a worker marked ERROR just now is restarted without waiting another interval.
              await healStaleWorkers({ db: app.db, workers, config: app.config, log });
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
                await runRetention(app.db, app.config.MESSAGE_RETENTION_DAYS, log, app.config.MEDIA_DIR);
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
      processView.close();
      await Promise.all([...tasks.values()].map((t) => t.stop()));
      await workers.settle();
      if (!opts.driver) await driver.disconnect();
    });
  },
  { name: 'driver', dependencies: ['config', 'db'] },
);
