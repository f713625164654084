// A hung worker: its process SIGSTOPped, so it neither heartbeats nor exits. The stale checker must
// mark it ERROR within STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS, self-healing must kill it and start a
// new process, the status history must show each transition, and the customer messages that arrived
// while it hung must be stored once each by the new process.
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import type { Stack } from './lib/stack.ts';
import {
  customersWrite,
  expectInboundStoredOnce,
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
    const stoppedAt = Date.now();
    report.step(`worker pid ${pid} stopped with SIGSTOP (hung: alive, silent)`);
    const ids = await customersWrite(stack, tenant, 'hung', MESSAGES, 'api');
    report.step(`${MESSAGES} customer messages arrived through the simulate route while it hung`);

    // Self-healing restarts the worker right after the checker marks it, so ERROR may last only
    // milliseconds: the status history (written in the same statement) has the moment it happened.
    const marked = await waitFor(
      'RUNNING->ERROR in the status history',
      async () => (await history(stack, tenant.slug)).find((h) => h.from === 'RUNNING' && h.to === 'ERROR'),
      { timeoutMs: 30_000, intervalMs: 100 },
    ).catch(() => undefined);
    const bound = STALE_AFTER_MS + CHECK_MS;
    const errorAfterMs = marked ? Date.parse(marked.at) - stoppedAt : undefined;
    report.note(
      'time from SIGSTOP to ERROR',
      errorAfterMs === undefined ? 'not within 30 s' : `${seconds(errorAfterMs)} (bound ${seconds(bound)})`,
    );
    report.expect(
      `ERROR within STALE_AFTER_MS + STALE_CHECK_INTERVAL_MS (${bound} ms)`,
      errorAfterMs !== undefined && errorAfterMs <= bound,
      true,
    );
    report.note('reason recorded with ERROR', marked?.reason ?? 'none');

    const running = await waitForWorker(
      stack,
      tenant.id,
      (w) => w.status === 'RUNNING' && w.pid !== null && w.pid !== pid,
      60_000,
    );
    report.expect('worker RUNNING again as a new process (self-healing)', running !== undefined, true);
    report.note(
      'new pid / time from SIGSTOP to RUNNING again',
      running ? `${running.pid} / ${seconds(Date.now() - stoppedAt)}` : 'none',
    );
    const gone = await waitFor('the hung process gone', async () => (processExists(pid) ? undefined : true), {
      timeoutMs: 15_000,
      intervalMs: 100,
    }).catch(() => false);
    report.expect(`hung pid ${pid} gone (kill -0 fails)`, gone, true);
    if (!gone) process.kill(pid, 'SIGKILL');

    const items = await history(stack, tenant.slug);
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
    // Negative beside the positive count above: the hung process itself stored none of them.
    const storedBeforeError = marked
      ? await stack.db.messageLog.count({
          where: { tenantId: tenant.id, waMessageId: { in: ids }, createdAt: { lt: new Date(marked.at) } },
        })
      : -1;
    report.expect('messages stored before the hung worker was marked ERROR', storedBeforeError, 0);
  },
};

interface HistoryEntry {
  at: string;
  from: string | null;
  to: string;
  reason: string | null;
}

/** The worker's status history through the admin API, newest first. */
async function history(stack: Stack, slug: string): Promise<HistoryEntry[]> {
  const res = await stack.admin('GET', `/admin/tenants/${slug}/worker/history`);
  if (res.status !== 200) throw new Error(`worker history: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: HistoryEntry[] }).items;
}
