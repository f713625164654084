import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ControlPlaneConfig } from '@wa-fleet/config';
import { assertValidSlug, isUuid, workerAppName } from '@wa-fleet/shared';
import type { TenantRef } from './tenant-resolver.ts';

/**
 * What a deleted tenant leaves on disk, removed with it: its process log and rotated copies
 * (`LOG_DIR/<slug>.log*`), PM2's capture of its worker's output (`LOG_DIR/pm2/wa-tenant-<slug>-*.log`) and
 * its WhatsApp session data (`WWEBJS_SESSION_DIR/session-<tenant id>`, whatsapp-web.js LocalAuth: it
 * would let anyone holding the folder act as the linked number). Names are built from the tenant row,
 * and its message files (`MEDIA_DIR/<tenant id>`), checked again here; slugs hold no dot, so `<slug>.log` never prefixes another tenant's file.
 * Returns the paths removed, relative to their folder.
 */
export async function removeTenantFiles(config: ControlPlaneConfig, tenant: TenantRef): Promise<string[]> {
  assertValidSlug(tenant.slug);
  if (!isUuid(tenant.id)) throw new Error('tenant id must be a uuid');
  const removed: string[] = [];
  const logDir = path.resolve(config.LOG_DIR);
  const pm2Dir = path.join(logDir, 'pm2');
  const pm2Prefix = `${workerAppName(tenant.slug)}-`;
  for (const [dir, matches] of [
    [logDir, (f: string) => f === `${tenant.slug}.log` || f.startsWith(`${tenant.slug}.log.`)],
    [pm2Dir, (f: string) => f.startsWith(pm2Prefix) && /^(out|error)\.log/.test(f.slice(pm2Prefix.length))],
  ] as const) {
    for (const file of await listDir(dir)) {
      if (!matches(file)) continue;
      await rm(path.join(dir, file), { force: true });
      removed.push(path.relative(logDir, path.join(dir, file)));
    }
  }
  const sessionDir = path.resolve(config.WWEBJS_SESSION_DIR);
  const session = `session-${tenant.id.toLowerCase()}`;
  if ((await listDir(sessionDir)).includes(session)) {
    await rm(path.join(sessionDir, session), { recursive: true, force: true });
    removed.push(session);
  }
  const mediaDir = path.resolve(config.MEDIA_DIR);
  const media = tenant.id.toLowerCase();
  if ((await listDir(mediaDir)).includes(media)) {
    await rm(path.join(mediaDir, media), { recursive: true, force: true });
    removed.push(`media/${media}`);
  }
  return removed;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
