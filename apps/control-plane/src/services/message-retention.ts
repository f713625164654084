import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from './audit.ts';

/** Rows deleted per statement: short transactions, so workers writing messages never wait long. */
const BATCH_SIZE = 5_000;

/**
 * Deletes message log rows older than `retentionDays` (database clock), in batches. Hourly statistics
 * live in their own table and are untouched, so charts keep their history. QUEUED rows are never
 * deleted, however old: they are sends that were accepted and not yet made, and a 202 is a promise.
 */
export async function pruneMessages(db: DbClient, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0;
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM message_logs WHERE id IN (
        SELECT id FROM message_logs
        WHERE created_at < now() - make_interval(days => ${retentionDays}::int) AND status <> 'QUEUED'
        LIMIT ${BATCH_SIZE}
      )`;
    total += deleted;
    if (deleted < BATCH_SIZE) return total;
  }
}

/** One retention pass: prune, then log and audit what went (nothing is logged when nothing went). */
export async function runRetention(db: DbClient, retentionDays: number, log: Logger): Promise<number> {
  const deleted = await pruneMessages(db, retentionDays);
  if (deleted > 0) {
    log.info({ deleted, retentionDays }, 'old message log rows deleted');
    await writeAudit(db, {
      actor: 'system:retention',
      action: 'messages.pruned',
      details: { deleted, olderThanDays: retentionDays },
    });
  }
  return deleted;
}
