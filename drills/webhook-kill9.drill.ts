// Webhooks across kill -9: a real HTTP receiver on 127.0.0.1 in the drill process records every POST
// (event id, type, signature checked with the endpoint's secret as docs/INTEGRATIONS.md says). Then
// (a) the control plane is killed with SIGKILL while customer messages arrive and accepted sends go out
// (the worker stores them, so their events wait in the outbox) and started again; (b) the worker is
// killed with SIGKILL in the middle of customer messages. Every stored inbound message must reach the
// receiver as message.received at least once, under one event id however often it arrives; every
// accepted send as message.status "sent"; every signature valid. Duplicates are allowed (at least once)
// and printed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@wa-fleet/devstack';
import type { Drill, Reporter } from './lib/drill.ts';
import { customerWrites } from './lib/network.ts';
import type { Stack } from './lib/stack.ts';
import {
  acceptSend,
  inboundMessage,
  inboundStoreCounts,
  seconds,
  waitForWorker,
  workerPid,
} from './lib/worker-faults.ts';

const DOWN_INBOUND = 20;
const DOWN_SENDS = 10;
const LOAD_INBOUND = 40;

interface Received {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
  signatureValid: boolean;
}

export const drill: Drill = {
  description: `webhooks across kill -9: the control plane killed while ${DOWN_INBOUND} customer messages arrive and ${DOWN_SENDS} sends go out, then the worker killed amid ${LOAD_INBOUND} more; every event must reach a real receiver`,
  env: () => ({
    SEND_RATE_PER_MIN: '600',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_RETRY_MAX_DELAY_MS: '1000',
    WEBHOOK_MAX_ATTEMPTS: '50',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_SWEEP_INTERVAL_MS: '500',
  }),
  async run(stack, report, opts) {
    const deadlineMs = opts.isFast ? 60_000 : 120_000;
    const downMs = opts.isFast ? 3_000 : 15_000;
    const receiver = await startReceiver();
    try {
      const tenant = await stack.createRunningTenant();
      const admin = await tenantAdmin(stack, tenant.slug);
      const created = await stack.portal('POST', '/portal/tenant/current/webhooks', admin, tenant.slug, {
        url: receiver.url,
        eventTypes: ['message.received', 'message.status'],
      });
      if (created.status !== 201)
        throw new Error(`webhook create: HTTP ${created.status} ${await created.text()}`);
      receiver.secret = ((await created.json()) as { secret: string }).secret;
      report.step(`tenant ${tenant.slug} running; endpoint ${receiver.url} created through the portal API`);

      // Positive control: with everything up, one customer message reaches the receiver.
      const control = inboundMessage(tenant, 'hook-control', 0);
      await customerWrites(stack, tenant, control, 'network');
      const controlSeen = await waitFor(
        'the control event delivered',
        async () => (receivedFor(receiver.received, control.id).length > 0 ? true : undefined),
        { timeoutMs: deadlineMs, intervalMs: 100 },
      ).catch(() => false);
      report.expect('positive control: message.received delivered with everything up', controlSeen, true);

      // (a) The control plane killed: sends accepted just before, customer messages during the outage.
      const sendIds: string[] = [];
      for (let i = 0; i < DOWN_SENDS; i++) sendIds.push(await acceptSend(stack, tenant, 'hook-down', i));
      const cpPid = await stack.killControlPlane();
      const downAt = Date.now();
      const postsAtKill = receiver.received.length;
      report.step(`${DOWN_SENDS} sends accepted; control plane pid ${cpPid} killed with SIGKILL`);
      const downIds: string[] = [];
      for (let i = 0; i < DOWN_INBOUND; i++) {
        const msg = inboundMessage(tenant, 'hook-down', i);
        await customerWrites(stack, tenant, msg, 'network');
        downIds.push(msg.id);
      }
      // Held down until the worker stored every message and sent every send (their events are then in
      // the outbox), and for at least downMs.
      const stored = await waitFor(
        'inbound stored and sends sent while the control plane is down',
        async () => {
          const [inbound, sent] = await Promise.all([
            inboundStoreCounts(stack, tenant.id, downIds),
            stack.db.messageLog.count({
              where: { id: { in: sendIds }, status: { in: ['SENT', 'DELIVERED', 'READ'] } },
            }),
          ]);
          return inbound.size === DOWN_INBOUND && sent === DOWN_SENDS && Date.now() - downAt >= downMs
            ? { inbound: inbound.size, sent }
            : undefined;
        },
        { timeoutMs: downMs + deadlineMs, intervalMs: 250 },
      ).catch(() => ({ inbound: -1, sent: -1 }));
      report.expect('inbound stored while the control plane was down', stored.inbound, DOWN_INBOUND);
      report.expect('sends sent while the control plane was down', stored.sent, DOWN_SENDS);
      const waiting = await stack.db.webhookEvent.count({
        where: { tenantId: tenant.id, createdAt: { gte: new Date(downAt) } },
      });
      report.note('events recorded in the outbox while the control plane was down', waiting);
      report.expect(
        'POSTs received while the control plane was down',
        receiver.received.length - postsAtKill,
        0,
      );
      await stack.startControlPlane();
      report.step(`control plane started again after ${seconds(Date.now() - downAt)}; /ready answered 200`);
      await waitFor(
        'every event of the outage delivered',
        async () =>
          downIds.every((id) => receivedFor(receiver.received, id).length > 0) &&
          sendIds.every((id) => statusSent(receiver.received, id).length > 0)
            ? true
            : undefined,
        { timeoutMs: deadlineMs, intervalMs: 250 },
      ).catch(() => report.step('gave up waiting for the outage events; counting what is there'));
      countInbound(report, receiver.received, 'control plane kill', downIds, DOWN_INBOUND);
      report.expect(
        'control plane kill: sends with message.status "sent" delivered',
        sendIds.filter((id) => statusSent(receiver.received, id).length > 0).length,
        DOWN_SENDS,
      );
      report.expect(
        'control plane kill: sends delivered as "sent" under more than one event id',
        sendIds.filter((id) => new Set(statusSent(receiver.received, id).map((r) => r.eventId)).size > 1)
          .length,
        0,
      );
      report.atMost(
        'control plane kill: duplicate message.status "sent" deliveries (at least once allowed)',
        sendIds.reduce((n, id) => n + Math.max(0, statusSent(receiver.received, id).length - 1), 0),
        DOWN_SENDS,
      );

      // (b) The worker killed with SIGKILL halfway through customer messages.
      const pid = await workerPid(stack, tenant.slug);
      const loadIds: string[] = [];
      let back: ReturnType<typeof waitForWorker> | undefined;
      for (let i = 0; i < LOAD_INBOUND; i++) {
        if (i === LOAD_INBOUND / 2) {
          process.kill(pid, 'SIGKILL');
          back = waitForWorker(stack, tenant.id, (w) => w.status === 'RUNNING' && w.pid !== pid, 60_000);
          report.step(
            `worker pid ${pid} killed with SIGKILL after ${i} of ${LOAD_INBOUND} customer messages`,
          );
        }
        const msg = inboundMessage(tenant, 'hook-load', i);
        await customerWrites(stack, tenant, msg, 'network');
        loadIds.push(msg.id);
      }
      const restarted = await back;
      report.expect('worker RUNNING again as a new process', restarted !== undefined, true);
      await waitFor(
        'every customer message of the worker kill stored and delivered',
        async () =>
          (await inboundStoreCounts(stack, tenant.id, loadIds)).size === LOAD_INBOUND &&
          loadIds.every((id) => receivedFor(receiver.received, id).length > 0)
            ? true
            : undefined,
        { timeoutMs: deadlineMs, intervalMs: 250 },
      ).catch(() => report.step('gave up waiting for the worker-kill events; counting what is there'));
      report.expect(
        'worker kill: inbound stored',
        (await inboundStoreCounts(stack, tenant.id, loadIds)).size,
        LOAD_INBOUND,
      );
      countInbound(report, receiver.received, 'worker kill', loadIds, LOAD_INBOUND);

      report.note('POSTs received in all', receiver.received.length);
      report.expect(
        'POSTs with an invalid signature',
        receiver.received.filter((r) => !r.signatureValid).length,
        0,
      );
    } finally {
      await receiver.close();
    }
  },
};

/** message.received deliveries of one stored inbound message (by WhatsApp id). */
function receivedFor(all: Received[], waMessageId: string): Received[] {
  return all.filter((r) => r.type === 'message.received' && r.data.waMessageId === waMessageId);
}

function statusSent(all: Received[], messageId: string): Received[] {
  return all.filter(
    (r) => r.type === 'message.status' && r.data.messageId === messageId && r.data.status === 'sent',
  );
}

function countInbound(report: Reporter, all: Received[], phase: string, ids: string[], expected: number) {
  const per = ids.map((id) => receivedFor(all, id));
  report.expect(
    `${phase}: inbound with message.received delivered`,
    per.filter((p) => p.length > 0).length,
    expected,
  );
  report.expect(
    `${phase}: inbound delivered under more than one event id`,
    per.filter((p) => new Set(p.map((r) => r.eventId)).size > 1).length,
    0,
  );
  // Allowed (at least once) but counted: at most one repeat per event on average.
  report.atMost(
    `${phase}: duplicate message.received deliveries (at least once allowed)`,
    per.reduce((n, p) => n + Math.max(0, p.length - 1), 0),
    expected,
  );
}

/** A TENANT_ADMIN of the tenant (webhooks are managed by tenant admins); its email. */
async function tenantAdmin(stack: Stack, slug: string): Promise<string> {
  const email = `admin@${slug}.local`;
  const res = await stack.admin('POST', '/admin/users', {
    email,
    name: 'Drill tenant admin',
    password: 'drill-password',
    memberships: [{ tenant: slug, role: 'TENANT_ADMIN' }],
  });
  if (res.status !== 201) throw new Error(`tenant admin: HTTP ${res.status} ${await res.text()}`);
  return email;
}

/** The receiver: records every POST, checks its signature with `secret` (the documented recipe). */
async function startReceiver(): Promise<{
  url: string;
  secret: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const state = { secret: '', received: [] as Received[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      try {
        const body = JSON.parse(raw.toString('utf8')) as {
          id: string;
          type: string;
          data: Record<string, unknown>;
        };
        state.received.push({
          eventId: body.id,
          type: body.type,
          data: body.data,
          signatureValid:
            body.id === req.headers['wa-fleet-event-id'] &&
            verifySignature(raw, String(req.headers['wa-fleet-signature'] ?? ''), state.secret),
        });
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get secret() {
      return state.secret;
    },
    set secret(s: string) {
      state.secret = s;
    },
    received: state.received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** docs/INTEGRATIONS.md "Verifying the signature", as a receiver would write it. */
function verifySignature(rawBody: Buffer, header: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
  const t = Number(parts.t);
  if (!secret || !Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
