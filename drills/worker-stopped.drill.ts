// A worker stopped through the admin API for 60 s (10 s with --fast) while 30 customers write: nothing
// is stored while it is down (the positive control that it really stopped), and all 30 are stored once
// each after it is started again (the phone kept them; the new worker backfills them).
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import {
  customersWrite,
  expectInboundStoredOnce,
  inboundStoreCounts,
  seconds,
  sleep,
  waitForWorker,
  workerPid,
} from './lib/worker-faults.ts';

const MESSAGES = 30;

export const drill: Drill = {
  description: `worker stopped through the admin API for 60 s (10 s with --fast) while ${MESSAGES} customer messages arrive`,
  async run(stack, report, opts) {
    const downMs = opts.isFast ? 10_000 : 60_000;
    const tenant = await stack.createRunningTenant();
    report.step(`tenant ${tenant.slug} created through the admin API; worker RUNNING, session CONNECTED`);

    // Positive control: a message while the worker runs is stored.
    const [control] = await customersWrite(stack, tenant, 'control', 1, 'api');
    const controlStored = await waitFor(
      'the control message stored',
      async () => ((await inboundStoreCounts(stack, tenant.id, [control!])).size === 1 ? 1 : undefined),
      { timeoutMs: 15_000 },
    ).catch(() => 0);
    report.expect('control message stored while the worker runs', controlStored, 1);

    const pid = await workerPid(stack, tenant.slug);
    const stop = await stack.admin('POST', `/admin/tenants/${tenant.slug}/worker/stop`);
    report.expect('POST /admin/tenants/:tenant/worker/stop answers', stop.status, 202);
    const stopped = await waitForWorker(stack, tenant.id, (w) => w.status === 'STOPPED', 30_000);
    report.expect('worker status after the stop', stopped?.status ?? 'not STOPPED', 'STOPPED');
    const stoppedAt = Date.now();
    report.step(
      `worker pid ${pid} stopped after ${seconds(stopped?.waitedMs ?? 0)}; down for ${downMs / 1000} s`,
    );

    const ids = await customersWrite(stack, tenant, 'stopped', MESSAGES, 'api');
    report.step(`${MESSAGES} customer messages arrived through the simulate route while it was stopped`);
    await sleep(Math.max(0, downMs - (Date.now() - stoppedAt)));
    const storedWhileDown = (await inboundStoreCounts(stack, tenant.id, ids)).size;
    report.expect('messages stored while the worker was stopped (nobody to store them)', storedWhileDown, 0);

    const start = await stack.admin('POST', `/admin/tenants/${tenant.slug}/worker/start`);
    report.expect('POST /admin/tenants/:tenant/worker/start answers', start.status, 202);
    const running = await waitForWorker(
      stack,
      tenant.id,
      (w) => w.status === 'RUNNING' && w.pid !== null && w.pid !== pid,
      60_000,
    );
    report.expect('worker RUNNING again as a new process', running !== undefined, true);
    report.note('time from start to RUNNING', running ? seconds(running.waitedMs) : 'over 60 s');
    await expectInboundStoredOnce(stack, report, tenant.id, ids, opts.isFast ? 60_000 : 120_000);
  },
};
