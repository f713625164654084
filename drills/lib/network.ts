// The simulated WhatsApp network as a drill sees it: customers writing to a tenant's number, and what the
// network really sent. The one place that knows how the simulator is reached, so drills keep working
// when the simulator moves (only this file changes).
//
// Customers write through the control plane's admin `simulate` route while PostgreSQL is up. That route
// resolves the tenant and writes an audit row, so it answers 500 during a database outage, while
// WhatsApp customers go on writing: then the message goes onto the simulator's command channel in Redis
// directly, which is what the route publishes.
import type { Redis } from 'ioredis';
import { simulatorChannel, type SimulatorCommand } from '@wa-fleet/shared';
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
  const command: SimulatorCommand = { type: 'inbound', ...msg };
  if (via === 'api') {
    const res = await stack.admin('POST', `/admin/tenants/${tenant.slug}/simulate`, command);
    if (res.status !== 202) throw new Error(`simulate answered ${res.status}: ${await res.text()}`);
    return;
  }
  const receivers = await stack.redis.publish(
    simulatorChannel(stack.redisPrefix, tenant.id),
    JSON.stringify(command),
  );
  if (receivers < 1) throw new Error('no simulator listens for the tenant (worker not running?)');
}

/** How often the network sent each client reference (the message row id): 1 each, or a duplicate. */
export async function networkSendCounts(
  redis: Redis,
  prefix: string,
  tenantId: string,
): Promise<Map<string, number>> {
  const raw = await redis.lrange(`${prefix}:sim:${tenantId}:sent`, 0, -1);
  const counts = new Map<string, number>();
  for (const line of raw) {
    const { clientRef } = JSON.parse(line) as { clientRef: string };
    counts.set(clientRef, (counts.get(clientRef) ?? 0) + 1);
  }
  return counts;
}
