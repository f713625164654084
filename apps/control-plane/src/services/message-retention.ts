import type { DbClient } from '@wa-fleet/db';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { writeAudit } from './audit.ts';
import { mediaStore, removeUnusedMedia } from './message-media.ts';

/** Rows deleted per statement: short transactions, so workers writing messages never wait long. */
const BATCH_SIZE = 5_000;

/**
 * Deletes message log rows older than `retentionDays` (database clock), in batches. Hourly statistics
 * live in their own table and are untouched, so charts keep their history. QUEUED rows are never
 * deleted, however old: they are sends that were accepted and not yet made, and a 202 is a promise.
 * With `mediaDir`, the files of deleted rows go too, unless another row of the tenant still uses them.
 */
export async function pruneMessages(
  db: DbClient,
  retentionDays: number,
  mediaDir?: string,
): Promise<{ deleted: number; mediaFiles: number }> {
  if (retentionDays <= 0) return { deleted: 0, mediaFiles: 0 };
  const store = mediaDir ? mediaStore(mediaDir) : undefined;
  let total = 0;
  let mediaFiles = 0;
  for (;;) {
    // The files of the deleted rows come back with the count; each goes once no row uses it any more.
    const [result] = await db.$queryRaw<{ deleted: number; media: { tenantId: string; sha256: string }[] }[]>`
      WITH gone AS (
        DELETE FROM message_logs WHERE id IN (
          SELECT id FROM message_logs
          WHERE created_at < now() - make_interval(days => ${retentionDays}::int) AND status <> 'QUEUED'
          LIMIT ${BATCH_SIZE}
        )
        RETURNING tenant_id, media_sha256
      )
      SELECT count(*)::int AS deleted,
        COALESCE(json_agg(DISTINCT jsonb_build_object('tenantId', tenant_id, 'sha256', media_sha256))
          FILTER (WHERE media_sha256 IS NOT NULL), '[]') AS media
      FROM gone`;
    const deleted = result?.deleted ?? 0;
    total += deleted;
    if (store && result && result.media.length > 0) {
      mediaFiles += await removeUnusedMedia(db, store, result.media);
    }
    if (deleted < BATCH_SIZE) return { deleted: total, mediaFiles };
  }
}

/** One retention pass: prune, then log and audit what went (nothing is logged when nothing went). */
export async function runRetention(
  db: DbClient,
  retentionDays: number,
  log: Logger,
  mediaDir?: string,
): Promise<number> {
  const { deleted, mediaFiles } = await pruneMessages(db, retentionDays, mediaDir);
  if (deleted > 0) {
    log.info({ deleted, mediaFiles, retentionDays }, 'old message log rows deleted');
    await writeAudit(db, {
      actor: 'system:retention',
      action: 'messages.pruned',
      details: { deleted, olderThanDays: retentionDays, ...(mediaFiles > 0 ? { mediaFiles } : {}) },
    });
  }
  return deleted;
}
