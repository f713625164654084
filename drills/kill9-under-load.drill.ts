// A worker kill -9ed while customers write 50 messages a second and 50 sends a second are accepted:
// PM2 starts a new process, which must store every customer message once (live or by backfill) and send
// every accepted send once, and be RUNNING again within 10 s of the kill.
import type { Drill } from './lib/drill.ts';
import { customerWrites } from './lib/network.ts';
import {
  acceptSend,
  expectInboundStoredOnce,
  expectSentOnce,
  inboundMessage,
  seconds,
  sleep,
  waitForWorker,
  workerPid,
} from './lib/worker-faults.ts';

const PER_SECOND = 50;
const TICK_MS = 100;
const RUNNING_WITHIN_MS = 10_000;
/** 6000 a minute: one send every 10 ms, so the limiter allows more than the 50 a second offered. */
const SEND_RATE_PER_MIN = '6000';

export const drill: Drill = {
  description: `worker kill -9ed in the middle of ${PER_SECOND} customer messages + ${PER_SECOND} accepted sends a second for 30 s (10 s with --fast)`,
  env: () => ({ SEND_RATE_PER_MIN }),
  async run(stack, report, opts) {
    const loadMs = opts.isFast ? 10_000 : 30_000;
    report.note('SEND_RATE_PER_MIN of the drill stack (default 60)', SEND_RATE_PER_MIN);
    const tenant = await stack.createRunningTenant();
    report.step(`tenant ${tenant.slug} created through the admin API; worker RUNNING, session CONNECTED`);
    const pid = await workerPid(stack, tenant.slug);

    const inboundIds: string[] = [];
    const pending: Promise<unknown>[] = [];
    const sendIds: string[] = [];
    const failures: string[] = [];
    const retries = { retried: 0 };
    const ticks = loadMs / TICK_MS;
    const perTick = (PER_SECOND * TICK_MS) / 1000;
    const startedAt = Date.now();
    let back: ReturnType<typeof waitForWorker> | undefined;
    let delivered = 0;
    let lastDeliveredAt = 0;
    let lastAcceptedAt = 0;
    let acceptedAtKill = 0;
    report.step(`load on: ${PER_SECOND} inbound + ${PER_SECOND} sends a second for ${loadMs / 1000} s`);
    for (let tick = 0; tick < ticks; tick++) {
      for (let j = 0; j < perTick; j++) {
        const i = tick * perTick + j;
        const msg = inboundMessage(tenant, 'load', i);
        inboundIds.push(msg.id);
        pending.push(
          customerWrites(stack, tenant, msg, 'network').then(
            () => {
              delivered++;
              lastDeliveredAt = Date.now();
            },
            (e: unknown) => failures.push(String(e)),
          ),
          acceptSend(stack, tenant, 'load', i, retries).then(
            (id) => {
              sendIds.push(id);
              lastAcceptedAt = Date.now();
            },
            (e: unknown) => failures.push(String(e)),
          ),
        );
      }
      if (tick === ticks / 2) {
        process.kill(pid, 'SIGKILL');
        acceptedAtKill = sendIds.length;
        // Watched from the kill on, while the load goes on: the wait is the time to RUNNING again.
        back = waitForWorker(
          stack,
          tenant.id,
          (w) => w.status === 'RUNNING' && w.pid !== null && w.pid !== pid,
          60_000,
        );
        report.step(
          `worker pid ${pid} killed with SIGKILL at ${seconds(Date.now() - startedAt)} into the load`,
        );
      }
      await sleep(Math.max(0, startedAt + (tick + 1) * TICK_MS - Date.now()));
    }
    const issuedMs = Date.now() - startedAt;
    report.step(
      `${ticks * perTick} customer messages and ${ticks * perTick} sends issued in ${seconds(issuedMs)}; ${acceptedAtKill} sends accepted before the kill`,
    );
    await Promise.all(pending);
    // What the stack really took: the API answers more slowly than the load is offered on a busy machine.
    const rate = (n: number, at: number) => `${(n / ((at - startedAt) / 1000)).toFixed(1)}/s`;
    report.note(
      'inbound delivered to the network',
      `${delivered} by ${seconds(lastDeliveredAt - startedAt)} (${rate(delivered, lastDeliveredAt)})`,
    );
    report.note(
      'sends accepted (202) by the API',
      `${sendIds.length} by ${seconds(lastAcceptedAt - startedAt)} (${rate(sendIds.length, lastAcceptedAt)})`,
    );
    report.note(
      'send requests retried with the same idempotency key after no answer or a 503',
      retries.retried,
    );
    report.expect('customer messages delivered to the network', delivered, ticks * perTick);
    report.expect('sends accepted (202)', sendIds.length, ticks * perTick);
    if (failures.length > 0) report.note('first load failure', failures[0]!);

    const restarted = await back;
    report.note('worker RUNNING as a new process', restarted ? `pid ${restarted.pid}` : 'not within 60 s');
    report.note('time from the kill to RUNNING again', restarted ? seconds(restarted.waitedMs) : 'over 60 s');
    report.expect(
      `RUNNING again within ${RUNNING_WITHIN_MS / 1000} s of the kill`,
      restarted !== undefined && restarted.waitedMs <= RUNNING_WITHIN_MS,
      true,
    );
    await expectInboundStoredOnce(stack, report, tenant.id, inboundIds, opts.isFast ? 60_000 : 120_000);
    await expectSentOnce(stack, report, tenant.id, sendIds, opts.isFast ? 60_000 : 120_000, 1);
  },
};
