// A hung worker: its process SIGSTOPped, so it neither heartbeats nor exits. The stale checker must
// mark it ERROR within STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS, self-healing must kill it and start a
// new process, the status history must show each transition, and the customer messages that arrived
// while it hung must be stored once each by the new process.
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import {
  customersWrite,
  expectInboundStoredOnce,
  inboundStoreCounts,
  processExists,
  seconds,
  waitForWorker,
  workerPid,
} from './lib/worker-faults.ts';

const HEARTBEAT_MS = 1000;
const STALE_AFTER_MS = 4000;
const CHECK_MS = 1000;
const MESSAGES = 20;

export const drill: Drill = {
  description: `worker SIGSTOPped (hung) while ${MESSAGES} customer messages arrive; heartbeat ${HEARTBEAT_MS} ms, stale after ${STALE_AFTER_MS} ms, checked every ${CHECK_MS} ms`,
  env: () => ({
    HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS),
    STALE_AFTER_MS: String(STALE_AFTER_MS),
    STALE_CHECK_INTERVAL_MS: String(CHECK_MS),
  }),
  async run(stack, report, opts) {
    const tenant = await stack.createRunningTenant();
    report.step(`tenant ${tenant.slug} created through the admin API; worker RUNNING, session CONNECTED`);
    const pid = await workerPid(stack, tenant.slug);

    process.kill(pid, 'SIGSTOP');
    report.step(`worker pid ${pid} stopped with SIGSTOP (hung: alive, silent)`);
    // Watched from the SIGSTOP on; the messages below arrive meanwhile.
    const errorP = waitForWorker(stack, tenant.id, (w) => w.status === 'ERROR', 30_000, 50);
    const ids = await customersWrite(stack, tenant, 'hung', MESSAGES, 'api');
    report.step(`${MESSAGES} customer messages arrived through the simulate route while it hung`);

    const bound = STALE_AFTER_MS + CHECK_MS;
    const error = await errorP;
    const storedWhileHung = (await inboundStoreCounts(stack, tenant.id, ids)).size;
    report.expect('messages stored while it hung (the process cannot run)', storedWhileHung, 0);
    report.note(
      'time from SIGSTOP to ERROR',
      error ? `${seconds(error.waitedMs)} (bound ${seconds(bound)})` : 'not within 30 s',
    );
    report.expect(
      `ERROR within STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS (${bound} ms)`,
      error !== undefined && error.waitedMs <= bound,
      true,
    );

    const running = await waitForWorker(
      stack,
      tenant.id,
      (w) => w.status === 'RUNNING' && w.pid !== null && w.pid !== pid,
      60_000,
    );
    report.expect('worker RUNNING again as a new process (self-healing)', running !== undefined, true);
    report.note(
      'new pid / time from SIGSTOP to RUNNING again',
      running ? `${running.pid} / ${seconds(running.waitedMs)}` : 'none',
    );
    const gone = await waitFor('the hung process gone', async () => (processExists(pid) ? undefined : true), {
      timeoutMs: 15_000,
      intervalMs: 100,
    }).catch(() => false);
    report.expect(`hung pid ${pid} gone (kill -0 fails)`, gone, true);
    if (!gone) process.kill(pid, 'SIGKILL');

    const res = await stack.admin('GET', `/admin/tenants/${tenant.slug}/worker/history`);
    const { items } = (await res.json()) as {
      items: { from: string | null; to: string; actor: string | null; reason: string | null }[];
    };
    // Oldest first: the transitions since the hang began.
    const chain = items
      .slice()
      .reverse()
      .map((i) => `${i.from ?? '-'}->${i.to}`);
    report.note('status history (oldest first)', chain.join(', '));
    const since = chain.lastIndexOf('RUNNING->ERROR');
    report.expect(
      'history lists RUNNING->ERROR, ERROR->STARTING, STARTING->RUNNING in that order',
      since >= 0 && chain.slice(since).join() === 'RUNNING->ERROR,ERROR->STARTING,STARTING->RUNNING',
      true,
    );

    await expectInboundStoredOnce(stack, report, tenant.id, ids, opts.isFast ? 60_000 : 120_000);
  },
};
