// Rich messages on the control plane's side: their type, metadata and file in the message DTO, the
// file itself for the portal (tenant-checked, thumbnails made here), and the deletion of files no row
// uses any more (retention, message deletion).
import type { DbClient, Prisma } from '@wa-fleet/db';
import { LocalMediaStore } from '@wa-fleet/media';
import { cleanMessageMeta } from '@wa-fleet/shared';

type MessageRow = Prisma.MessageLogGetPayload<object>;

/** The message DTO's type, rawType, meta and media fields. */
export function richFields(m: MessageRow) {
  return {
    type: m.type,
    rawType: m.rawType,
    meta: cleanMessageMeta(m.meta),
    media: m.mediaStatus
      ? {
          status: m.mediaStatus,
          mimeType: m.mediaMime,
          size: m.mediaSize,
          attempts: m.mediaAttempts,
          error: m.mediaError,
        }
      : null,
  };
}

/**
 * The store is only read and pruned here: the workers write it. Its size caps are the workers'
 * business (a put is never made by the control plane), so they are given as unbounded.
 */
export function mediaStore(mediaDir: string): LocalMediaStore {
  return new LocalMediaStore(mediaDir, {
    maxFileBytes: Number.MAX_SAFE_INTEGER,
    maxTenantBytes: Number.MAX_SAFE_INTEGER,
  });
}

/** Longest side of a thumbnail, in pixels. */
const THUMBNAIL_PX = 320;
/** Types sharp can make a thumbnail of (what WhatsApp sends as images and stickers). */
const THUMBNAILABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);

export type MediaFile =
  | { ok: true; data: Buffer; mimeType: string; fileName: string | undefined }
  | { ok: false; reason: 'not_found' | 'not_stored' | 'no_thumbnail' };

/**
 * The file of message `id` of `tenantId` (another tenant's id is as unknown as a made-up one), or its
 * thumbnail: a JPEG of at most THUMBNAIL_PX, made here with sharp (loaded on first use only).
 */
export async function readMessageMedia(
  db: DbClient,
  store: LocalMediaStore,
  tenantId: string,
  id: string,
  variant: 'original' | 'thumbnail',
): Promise<MediaFile> {
  const row = await db.messageLog.findFirst({
    where: { id, tenantId },
    select: { mediaStatus: true, mediaSha256: true, mediaMime: true, meta: true },
  });
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.mediaStatus !== 'STORED' || !row.mediaSha256) return { ok: false, reason: 'not_stored' };
  const data = await store.read(tenantId, row.mediaSha256);
  if (!data) return { ok: false, reason: 'not_stored' };
  const mimeType = row.mediaMime ?? 'application/octet-stream';
  const fileName = cleanMessageMeta(row.meta).fileName;
  if (variant === 'original') return { ok: true, data, mimeType, fileName };
  if (!THUMBNAILABLE.has(mimeType)) return { ok: false, reason: 'no_thumbnail' };
  const { default: sharp } = await import('sharp');
  const thumb = await sharp(data, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 75 })
    .toBuffer();
  return { ok: true, data: thumb, mimeType: 'image/jpeg', fileName: undefined };
}

/**
 * Removes the files of `candidates` ({tenantId, sha256} of deleted rows) that no remaining row of
 * their tenant uses (files are shared by content). Returns how many files went.
 */
export async function removeUnusedMedia(
  db: DbClient,
  store: LocalMediaStore,
  candidates: { tenantId: string; sha256: string }[],
): Promise<number> {
  let removed = 0;
  const seen = new Set<string>();
  for (const c of candidates) {
    const key = `${c.tenantId}/${c.sha256}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const used = await db.messageLog.findFirst({
      where: { tenantId: c.tenantId, mediaSha256: c.sha256 },
      select: { id: true },
    });
    if (used) continue;
    await store.remove(c.tenantId, c.sha256);
    removed += 1;
  }
  return removed;
}
