// Shared by the drills that break a tenant's worker process (kill -9, stop through the API, SIGSTOP):
// where its pid is, its status as the database records it, and how many times each customer message
// and each accepted send survived.
import { waitFor } from '@wa-fleet/devstack';
import type { Reporter } from './drill.ts';
import { customerWrites, networkSendAttempts, networkSendCounts, reportRepeatAttempts } from './network.ts';
import type { Stack } from './stack.ts';

export interface DrillTenant {
  id: string;
  slug: string;
  operator: string;
}

/** The worker's pid as the control plane reports it (process driver first, database row second). */
export async function workerPid(stack: Stack, slug: string): Promise<number> {
  const res = await stack.admin('GET', '/admin/workers');
  const { items } = (await res.json()) as { items: { tenantSlug: string; pid: number | null }[] };
  const pid = items.find((w) => w.tenantSlug === slug)?.pid;
  if (!pid) throw new Error(`no worker pid for ${slug} from /admin/workers`);
  return pid;
}

/** Polls the worker row until `isDone` holds; resolves with the row and the wait, or undefined. */
export async function waitForWorker(
  stack: Stack,
  tenantId: string,
  isDone: (w: { status: string; pid: number | null }) => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<{ status: string; pid: number | null; waitedMs: number } | undefined> {
  const since = Date.now();
  return waitFor(
    'the worker state',
    async () => {
      const w = await stack.db.workerProcess.findUnique({ where: { tenantId } });
      return w && isDone(w) ? { status: w.status, pid: w.pid, waitedMs: Date.now() - since } : undefined;
    },
    { timeoutMs, intervalMs },
  ).catch(() => undefined);
}

/** Whether a process with this pid still exists (kill -0). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function inboundMessage(tenant: DrillTenant, tag: string, i: number) {
  return {
    from: `1777${String(i).padStart(7, '0')}`,
    text: `${tag} message ${i}`,
    id: `false_${tag}_${tenant.id}_${i}`,
  };
}

/** Writes `count` customer messages; returns their WhatsApp ids in arrival order. */
export async function customersWrite(
  stack: Stack,
  tenant: DrillTenant,
  tag: string,
  count: number,
  via: 'api' | 'network',
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const msg = inboundMessage(tenant, tag, i);
    await customerWrites(stack, tenant, msg, via);
    ids.push(msg.id);
  }
  return ids;
}

/** How many times each of these inbound messages is stored in message_logs. */
export async function inboundStoreCounts(
  stack: Stack,
  tenantId: string,
  ids: string[],
): Promise<Map<string, number>> {
  const rows = await stack.db.messageLog.findMany({
    where: { tenantId, direction: 'IN', waMessageId: { in: ids } },
    select: { waMessageId: true },
  });
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.waMessageId!, (counts.get(r.waMessageId!) ?? 0) + 1);
  return counts;
}

/** Waits (with a deadline) until every inbound id is stored, then reports stored and duplicated. */
export async function expectInboundStoredOnce(
  stack: Stack,
  report: Reporter,
  tenantId: string,
  ids: string[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'every inbound message stored',
    async () => ((await inboundStoreCounts(stack, tenantId, ids)).size === ids.length ? true : undefined),
    { timeoutMs, intervalMs: 250 },
  ).catch(() => report.step(`gave up waiting after ${timeoutMs / 1000} s; counting what is there`));
  const counts = await inboundStoreCounts(stack, tenantId, ids);
  report.expect('inbound messages stored', counts.size, ids.length);
  report.expect(
    'inbound messages stored more than once',
    [...counts.values()].filter((n) => n > 1).length,
    0,
  );
}

/** Client retries of sends whose request failed before any answer (connection refused or reset). */
export interface SendRetries {
  retried: number;
}

const SEND_ATTEMPTS = 6;

/**
 * Accepts one send through the portal API (what an operator's click does); returns the row id. A request
 * that gets no answer at all (an overloaded machine refuses or resets the connection) or a 503 (the
 * database busy or down, with Retry-After) is retried with the same idempotency key, as a client should: the key makes a retry of a send that was in fact stored
 * return the same row, so the drills' sent-once counts also check that retries never send twice.
 */
export async function acceptSend(
  stack: Stack,
  tenant: DrillTenant,
  tag: string,
  i: number,
  retries?: SendRetries,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await stack.portal('POST', '/portal/tenant/current/messages', tenant.operator, tenant.slug, {
        to: `1444${String(i).padStart(7, '0')}`,
        text: `${tag} send ${i}`,
        idempotencyKey: `${tag}-${i}`,
      });
    } catch (err) {
      if (attempt >= SEND_ATTEMPTS)
        throw new Error(`send ${i}: no answer after ${attempt} attempts: ${describe(err)}`);
      if (retries) retries.retried += 1;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      continue;
    }
    if (res.status === 503 && attempt < SEND_ATTEMPTS) {
      // The database was busy or down: the API says so and when to come back.
      await res.text();
      if (retries) retries.retried += 1;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (res.status !== 202) throw new Error(`send ${i}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }
}

/** A fetch failure with its cause (undici puts the socket error there). */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${String(err)} (${detail})` : String(err);
}

/**
 * Waits until the network sent every accepted send, then reports sent, sent twice, and asked for twice
 * (a repeat the simulated network refused, which real WhatsApp would have delivered). `kills` is how
 * many times the worker was killed with SIGKILL: each kill may leave one send (concurrency 1) out on the
 * network but not yet marked SENT, which the next process asks for again; nothing else may repeat.
 */
export async function expectSentOnce(
  stack: Stack,
  report: Reporter,
  tenantId: string,
  sendIds: string[],
  timeoutMs: number,
  kills = 0,
): Promise<void> {
  const sentCount = async () => {
    const network = await networkSendCounts(stack.redis, stack.redisPrefix, tenantId);
    return sendIds.filter((id) => network.has(id)).length;
  };
  await waitFor(
    'every accepted send sent by the network',
    async () => ((await sentCount()) === sendIds.length ? true : undefined),
    { timeoutMs, intervalMs: 500 },
  ).catch(() => report.step(`gave up waiting after ${timeoutMs / 1000} s; counting what is there`));
  const network = await networkSendCounts(stack.redis, stack.redisPrefix, tenantId);
  report.expect(
    'accepted sends the network sent',
    sendIds.filter((id) => network.has(id)).length,
    sendIds.length,
  );
  report.expect(
    'accepted sends the network sent more than once',
    sendIds.filter((id) => (network.get(id) ?? 0) > 1).length,
    0,
  );
  const attempts = await networkSendAttempts(stack.redis, stack.redisPrefix, tenantId);
  reportRepeatAttempts(report, sendIds, (id) => attempts.get(id) ?? 0, kills);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
