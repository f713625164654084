// The control plane process killed with SIGKILL under load and started again. Workers run under the PM2
// daemon, not under the control plane, so they must not notice: same pids, heartbeats going on, customer
// messages stored while the control plane is down, accepted sends going out. After the restart the
// control plane must find the same workers (RUNNING, same pids) rather than start new ones.
import { waitFor } from '@wa-fleet/devstack';
import type { Drill } from './lib/drill.ts';
import {
  customerWrites,
  networkSendAttempts,
  networkSendCounts,
  reportRepeatAttempts,
} from './lib/network.ts';

const SENDS = 30;
const INBOUND = 20;

interface WorkerItem {
  tenantSlug: string;
  pid: number | null;
  status: string;
}

export const drill: Drill = {
  description: `the control plane killed with SIGKILL while ${SENDS} accepted sends go out, ${INBOUND} customer messages arrive during the outage, then started again`,
  env: () => ({ SEND_RATE_PER_MIN: '120' }),
  async run(stack, report, opts) {
    const downMs = opts.isFast ? 5_000 : 30_000;
    report.note('control plane down for at least', `${downMs / 1000} s`);
    const tenant = await stack.createRunningTenant();
    const tenants = [tenant, await stack.createRunningTenant()];
    report.step(
      `tenants ${tenants.map((t) => t.slug).join(', ')} created; workers RUNNING, sessions CONNECTED`,
    );

    const sendIds: string[] = [];
    for (let i = 0; i < SENDS; i++) {
      const res = await stack.portal(
        'POST',
        '/portal/tenant/current/messages',
        tenant.operator,
        tenant.slug,
        {
          to: `1444${String(i).padStart(7, '0')}`,
          text: `control plane drill send ${i}`,
          idempotencyKey: `cp-drill-${i}`,
        },
      );
      if (res.status !== 202) throw new Error(`send ${i}: HTTP ${res.status} ${await res.text()}`);
      sendIds.push(((await res.json()) as { id: string }).id);
    }
    report.step(`${SENDS} sends accepted through the portal API (202 each)`);

    const workersBefore = await workerRows(
      stack,
      tenants.map((t) => t.id),
    );
    const cpPid = await stack.killControlPlane();
    const downAt = new Date();
    const sentAtKill = [
      ...(await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id)).keys(),
    ].filter((id) => sendIds.includes(id)).length;
    report.step(
      `control plane pid ${cpPid} killed with SIGKILL; ${SENDS - sentAtKill} of ${SENDS} sends still waiting`,
    );
    const adminDown = await stack.admin('GET', '/admin/workers').then(
      () => 'answered',
      () => 'refused',
    );
    report.expect('admin API while the control plane is down', adminDown, 'refused');

    const inboundIds: string[] = [];
    for (let i = 0; i < INBOUND; i++) {
      const msg = {
        from: `1777${String(i).padStart(7, '0')}`,
        text: `while down ${i}`,
        id: `false_cp_${tenant.id}_${i}`,
      };
      await customerWrites(stack, tenant, msg, 'network');
      inboundIds.push(msg.id);
    }
    // Hold the control plane down until the workers have shown they carry on without it (or a deadline).
    const whileDown = await waitFor(
      'inbound stored and heartbeats newer than the kill',
      async () => {
        const [stored, rows] = await Promise.all([
          stack.db.messageLog.count({ where: { tenantId: tenant.id, waMessageId: { in: inboundIds } } }),
          workerRows(
            stack,
            tenants.map((t) => t.id),
          ),
        ]);
        const beating = rows.filter((w) => w.lastHeartbeatAt && w.lastHeartbeatAt > downAt).length;
        return stored === INBOUND && beating === tenants.length && Date.now() - downAt.getTime() >= downMs
          ? { stored, beating }
          : undefined;
      },
      { timeoutMs: downMs + 30_000, intervalMs: 250 },
    ).catch(() => undefined);
    const rowsDown = await workerRows(
      stack,
      tenants.map((t) => t.id),
    );
    report.expect('inbound stored while the control plane was down', whileDown?.stored ?? 0, INBOUND);
    report.expect(
      'workers heartbeating after the kill (control plane down)',
      rowsDown.filter((w) => w.lastHeartbeatAt && w.lastHeartbeatAt > downAt).length,
      tenants.length,
    );
    report.expect(
      'workers with the same pid while down',
      rowsDown.filter(
        (w) => w.pid != null && w.pid === workersBefore.find((b) => b.tenantId === w.tenantId)?.pid,
      ).length,
      tenants.length,
    );
    report.step(`kept down for ${((Date.now() - downAt.getTime()) / 1000).toFixed(1)} s`);

    await stack.startControlPlane();
    report.step('control plane started again; /ready answered 200');
    const ready = await stack.admin('GET', '/ready');
    report.expect('/ready after the restart', ready.status, 200);
    const listed = await waitFor(
      'both workers RUNNING in /admin/workers',
      async () => {
        const { items } = (await (await stack.admin('GET', '/admin/workers')).json()) as {
          items: WorkerItem[];
        };
        const mine = items.filter((w) => tenants.some((t) => t.slug === w.tenantSlug));
        return mine.length === tenants.length && mine.every((w) => w.status === 'RUNNING') ? mine : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch(() => [] as WorkerItem[]);
    report.expect('workers RUNNING in /admin/workers after the restart', listed.length, tenants.length);
    report.expect(
      'workers listed with the pid they had before the kill',
      listed.filter((w) => {
        const id = tenants.find((t) => t.slug === w.tenantSlug)?.id;
        return w.pid != null && w.pid === workersBefore.find((b) => b.tenantId === id)?.pid;
      }).length,
      tenants.length,
    );

    await waitFor(
      'every send sent',
      async () => {
        const n = await stack.db.messageLog.count({
          where: { id: { in: sendIds }, status: { in: ['SENT', 'DELIVERED', 'READ'] } },
        });
        return n === SENDS ? true : undefined;
      },
      { timeoutMs: opts.isFast ? 60_000 : 120_000, intervalMs: 500 },
    ).catch(() => report.step('gave up waiting for the sends; counting what is there'));
    const network = await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id);
    report.expect('accepted sends the network sent', sendIds.filter((id) => network.has(id)).length, SENDS);
    report.expect(
      'sends the network sent more than once',
      sendIds.filter((id) => (network.get(id) ?? 0) > 1).length,
      0,
    );
    const attempts = await networkSendAttempts(stack.redis, stack.redisPrefix, tenant.id);
    reportRepeatAttempts(report, sendIds, (id) => attempts.get(id) ?? 0);
    report.expect(
      'send rows still QUEUED',
      await stack.db.messageLog.count({ where: { id: { in: sendIds }, status: 'QUEUED' } }),
      0,
    );
    const restarts = (
      await workerRows(
        stack,
        tenants.map((t) => t.id),
      )
    ).reduce((n, w) => n + w.restartCount, 0);
    report.note('worker restarts recorded (PM2)', restarts);
  },
};

function workerRows(stack: Parameters<Drill['run']>[0], tenantIds: string[]) {
  return stack.db.workerProcess.findMany({
    where: { tenantId: { in: tenantIds } },
    select: { tenantId: true, pid: true, lastHeartbeatAt: true, restartCount: true },
  });
}
