// The PostgreSQL outage scenario, shared by the drills that stop the database under load: customers
// write and accepted sends wait while it is down (optionally with the worker kill -9ed in the middle),
// then everything must be stored once, sent once, acknowledged, and the worker RUNNING again.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '@wa-fleet/devstack';
import type { DrillOptions, Reporter } from './drill.ts';
import { customerWrites, networkSendAttempts, networkSendCounts, reportRepeatAttempts } from './network.ts';
import type { Stack } from './stack.ts';

export const INBOUND = 50;
export const SENDS = 50;

export function outageMs(opts: DrillOptions): number {
  return opts.isFast ? 15_000 : 60_000;
}

/** Sends go out one per 500 ms: 50 take 25 s, so most of them wait through the outage. */
export const OUTAGE_ENV = { SEND_RATE_PER_MIN: '120' };

export async function postgresOutage(
  stack: Stack,
  report: Reporter,
  opts: DrillOptions & { killWorkerMidway: boolean },
): Promise<void> {
  const tenant = await stack.createRunningTenant();
  report.step(`tenant ${tenant.slug} created through the admin API; worker RUNNING, session CONNECTED`);

  // Positive control: with the database up, the API path stores a message.
  const control = {
    from: '15550000001',
    text: 'control before the outage',
    id: `false_control_${tenant.id}`,
  };
  await customerWrites(stack, tenant, control, 'api');
  const controlCount = await waitFor(
    'the control message stored',
    async () => {
      const n = await stack.db.messageLog.count({ where: { tenantId: tenant.id, waMessageId: control.id } });
      return n > 0 ? n : undefined;
    },
    { timeoutMs: 15_000 },
  ).catch(() => 0);
  report.expect('control message stored through the simulate route (database up)', controlCount, 1);

  const sendIds: string[] = [];
  for (let i = 0; i < SENDS; i++) {
    const res = await stack.portal('POST', '/portal/tenant/current/messages', tenant.operator, tenant.slug, {
      to: `1444${String(i).padStart(7, '0')}`,
      text: `drill send ${i}`,
      idempotencyKey: `drill-${i}`,
    });
    if (res.status !== 202) throw new Error(`send ${i}: HTTP ${res.status} ${await res.text()}`);
    sendIds.push(((await res.json()) as { id: string }).id);
  }
  report.step(`${SENDS} sends accepted through the portal API (202 each)`);

  const workers = (await (await stack.admin('GET', '/admin/workers')).json()) as {
    items: { tenantSlug: string; pid: number | null }[];
  };
  const pid = workers.items.find((w) => w.tenantSlug === tenant.slug)?.pid ?? null;

  const downFor = outageMs(opts);
  await stack.stopPostgres();
  const downAt = Date.now();
  const sentBefore = [...(await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id)).keys()].filter(
    (r) => sendIds.includes(r),
  ).length;
  report.step(
    `PostgreSQL stopped for ${downFor / 1000} s; ${SENDS - sentBefore} of ${SENDS} sends still waiting`,
  );

  const inboundIds: string[] = [];
  for (let i = 0; i < INBOUND; i++) {
    const msg = {
      from: `1777${String(i).padStart(7, '0')}`,
      text: `outage message ${i}`,
      id: `false_drill_${tenant.id}_${i}`,
    };
    await customerWrites(stack, tenant, msg, 'network');
    inboundIds.push(msg.id);
  }
  report.step(`${INBOUND} customer messages arrived at the worker during the outage`);

  if (opts.killWorkerMidway) {
    await sleep(Math.max(0, downFor / 2 - (Date.now() - downAt)));
    if (!pid) throw new Error('no worker pid from /admin/workers');
    process.kill(pid, 'SIGKILL');
    report.step(`worker pid ${pid} killed with SIGKILL in the middle of the outage`);
    report.note('events in the spool on disk at the kill', spooledRecords(stack, tenant.id));
  }
  await sleep(Math.max(0, downFor - (Date.now() - downAt)));
  await stack.startPostgres();
  const upAt = Date.now();
  report.step(`PostgreSQL started again after ${((upAt - downAt) / 1000).toFixed(1)} s`);

  const deadline = opts.isFast ? 90_000 : 180_000;
  await waitFor(
    'every inbound stored and every send READ',
    async () => {
      const [stored, read] = await Promise.all([
        stack.db.messageLog.count({ where: { tenantId: tenant.id, waMessageId: { in: inboundIds } } }),
        stack.db.messageLog.count({ where: { id: { in: sendIds }, status: 'READ' } }),
      ]);
      return stored === INBOUND && read === SENDS ? true : undefined;
    },
    { timeoutMs: deadline, intervalMs: 500 },
  ).catch(() => report.step(`gave up waiting after ${deadline / 1000} s; counting what is there`));
  report.note(
    'time from PostgreSQL back to all stored and READ',
    `${((Date.now() - upAt) / 1000).toFixed(1)} s`,
  );

  const inboundRows = await stack.db.messageLog.findMany({
    where: { tenantId: tenant.id, direction: 'IN', waMessageId: { in: inboundIds } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { waMessageId: true },
  });
  const perInbound = new Map<string, number>();
  for (const r of inboundRows) perInbound.set(r.waMessageId!, (perInbound.get(r.waMessageId!) ?? 0) + 1);
  report.expect('inbound messages stored', perInbound.size, INBOUND);
  report.expect(
    'inbound messages stored more than once',
    [...perInbound.values()].filter((n) => n > 1).length,
    0,
  );
  report.expect(
    'inbound stored in arrival order',
    inboundRows.map((r) => r.waMessageId).join() === inboundIds.join(),
    true,
  );

  const sends = await stack.db.messageLog.findMany({
    where: { id: { in: sendIds } },
    select: { id: true, status: true },
  });
  const byStatus = new Map<string, number>();
  for (const s of sends) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  report.note('send rows by status', [...byStatus].map(([k, v]) => `${k} ${v}`).join(', '));
  const network = await networkSendCounts(stack.redis, stack.redisPrefix, tenant.id);
  report.expect('accepted sends the network sent', sendIds.filter((id) => network.has(id)).length, SENDS);
  report.expect(
    'sends the network sent more than once',
    sendIds.filter((id) => (network.get(id) ?? 0) > 1).length,
    0,
  );
  const attempts = await networkSendAttempts(stack.redis, stack.redisPrefix, tenant.id);
  reportRepeatAttempts(report, sendIds, (id) => attempts.get(id) ?? 0, opts.killWorkerMidway ? 1 : 0);
  report.expect('sends with every ack applied (READ)', byStatus.get('READ') ?? 0, SENDS);

  const worker = await waitFor(
    'the worker RUNNING',
    async () => {
      const w = await stack.db.workerProcess.findUnique({ where: { tenantId: tenant.id } });
      return w?.status === 'RUNNING' ? w : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch(() => undefined);
  report.expect('worker status after the drill', worker?.status ?? 'not RUNNING', 'RUNNING');
  if (opts.killWorkerMidway) {
    report.expect('worker runs as a new process', worker?.pid !== pid && worker?.pid != null, true);
    const health = (await (await stack.admin('GET', '/admin/workers')).json()) as {
      items: { tenantSlug: string; restartCount: number }[];
    };
    report.note(
      'worker restarts (PM2)',
      health.items.find((w) => w.tenantSlug === tenant.slug)?.restartCount ?? 'unknown',
    );
  }
}

/** Records in the tenant's spool files (what a kill -9 cannot take away). */
function spooledRecords(stack: Stack, tenantId: string): number {
  const dir = path.join(stack.spoolDir, tenantId);
  if (!existsSync(dir)) return 0;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .reduce(
      (n, f) =>
        n +
        readFileSync(path.join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => l !== '').length,
      0,
    );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
