// The simulated WhatsApp network as a drill sees it: customers writing to a tenant's number, and what the
// network really sent. The one place that knows how the simulator is reached, so drills keep working
// when the simulator moves (only this file changes).
//
// Customers write through the control plane's admin `simulate` route while PostgreSQL is up. That route
// resolves the tenant and writes an audit row, so it answers 500 during a database outage, while
// WhatsApp customers go on writing: then the message is appended to the number's inbox on the simulated
// network (@wa-fleet/simulator) directly, which is what the route does too. The phone keeps it whether
// or not a worker runs; the worker takes it live, or by backfill when it connects again.
import type { Redis } from 'ioredis';
import { SimulatorNetwork } from '@wa-fleet/simulator';
import type { Reporter } from './drill.ts';
import type { Stack } from './stack.ts';

export interface CustomerMessage {
  from: string;
  text: string;
  /** WhatsApp's id of the message, so the drill can count it in message_logs. */
  id: string;
}

export async function customerWrites(
  stack: Stack,
  tenant: { id: string; slug: string },
  msg: CustomerMessage,
  via: 'api' | 'network',
): Promise<void> {
  if (via === 'api') {
    const res = await stack.admin('POST', `/admin/tenants/${tenant.slug}/simulate`, {
      type: 'inbound',
      ...msg,
    });
    if (res.status !== 202) throw new Error(`simulate answered ${res.status}: ${await res.text()}`);
    const { waMessageId } = (await res.json()) as { waMessageId?: string };
    if (waMessageId !== msg.id) throw new Error(`simulate stored ${waMessageId ?? 'nothing'}, not ${msg.id}`);
    return;
  }
  const { waMessageId } = await new SimulatorNetwork(stack.redis, stack.redisPrefix).deliverInbound(
    tenant.id,
    msg,
  );
  if (waMessageId !== msg.id) throw new Error(`the network stored ${waMessageId}, not ${msg.id}`);
}

/**
 * How often clients asked the network to send each client reference, refused repeats included. The
 * simulated network sends a repeated reference only once, so `networkSendCounts` alone cannot show a
 * client that sent twice; these counts can (real WhatsApp would have delivered every attempt).
 */
export async function networkSendAttempts(
  redis: Redis,
  prefix: string,
  tenantId: string,
): Promise<Map<string, number>> {
  return new SimulatorNetwork(redis, prefix).sendAttempts(tenantId);
}

/**
 * Reports how many of `ids` the network was asked to send more than once: 0 when nothing was killed,
 * at most one per SIGKILL of the worker (`kills`: the send in flight at the kill). A double send by the
 * code (a sweep re-sending a SENT row, two workers on one queue) is over the bound and fails the drill.
 */
export function reportRepeatAttempts(
  report: Reporter,
  ids: string[],
  attempts: (id: string) => number,
  kills = 0,
): void {
  const repeated = ids.filter((id) => attempts(id) > 1);
  const label = 'accepted sends asked of the network more than once (repeats it refused)';
  if (kills === 0) report.expect(label, repeated.length, 0);
  else report.atMost(`${label}, one per kill -9`, repeated.length, kills);
  report.note(
    'send attempts the network counted',
    `${ids.reduce((n, id) => n + attempts(id), 0)} for ${ids.length} accepted sends`,
  );
}

/** How often the network sent each client reference (the message row id): 1 each, or a duplicate. */
export async function networkSendCounts(
  redis: Redis,
  prefix: string,
  tenantId: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { clientRef } of await new SimulatorNetwork(redis, prefix).sends(tenantId)) {
    counts.set(clientRef, (counts.get(clientRef) ?? 0) + 1);
  }
  return counts;
}
