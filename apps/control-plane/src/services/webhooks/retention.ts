import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from '../audit.ts';

const BATCH_SIZE = 5_000;

/**
 * Deletes webhook events older than `retentionDays` (database clock), with their deliveries and attempts
 * (cascade), in batches. An event with a delivery still PENDING is kept however old: it is still owed.
 */
export async function pruneWebhookEvents(db: DbClient, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0;
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM webhook_events WHERE id IN (
        SELECT e.id FROM webhook_events e
        WHERE e.created_at < now() - make_interval(days => ${retentionDays}::int)
          AND e.dispatched_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'PENDING')
        LIMIT ${BATCH_SIZE}
      )`;
    total += deleted;
    if (deleted < BATCH_SIZE) return total;
  }
}

export async function runWebhookRetention(db: DbClient, retentionDays: number, log: Logger): Promise<number> {
  const deleted = await pruneWebhookEvents(db, retentionDays);
  if (deleted > 0) {
    log.info({ deleted, retentionDays }, 'old webhook events deleted');
    await writeAudit(db, {
      actor: 'system:retention',
      action: 'webhooks.pruned',
      details: { deleted, olderThanDays: retentionDays },
    });
  }
  return deleted;
}
