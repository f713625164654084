// Message files on local disk, content-addressed per tenant: `<root>/<tenantId>/<aa>/<sha256>`, where
// `aa` is the hash's first two hex digits. Folders 0700, files 0600 (customers' photos and documents).
// The same file received twice is stored once; a file is deleted only when no message uses it (the
// caller knows that, not the store).
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UUID_PATTERN } from '@wa-fleet/shared';
import { detectFileType } from './detect.ts';

export interface StoredMedia {
  sha256: string;
  size: number;
  /** The type found in the bytes; `application/octet-stream` when they match no known format. */
  mimeType: string;
}

/** The file cannot be stored and trying again will not help (too big, tenant over its quota). */
export class MediaRejectedError extends Error {
  override name = 'MediaRejectedError';
}

export interface MediaStore {
  put(tenantId: string, data: Buffer): Promise<StoredMedia>;
  /** The file's bytes, or undefined when it is not stored. */
  read(tenantId: string, sha256: string): Promise<Buffer | undefined>;
  /** Removes a file (no error when it is gone already). */
  remove(tenantId: string, sha256: string): Promise<void>;
  /** Bytes the tenant's files take. */
  usage(tenantId: string): Promise<number>;
}

export interface LocalMediaStoreOptions {
  /** Bytes one file may have at most. */
  maxFileBytes: number;
  /** Bytes all of a tenant's files may take together. */
  maxTenantBytes: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class LocalMediaStore implements MediaStore {
  readonly root: string;
  private readonly opts: LocalMediaStoreOptions;

  constructor(root: string, opts: LocalMediaStoreOptions) {
    this.root = path.resolve(root);
    this.opts = opts;
  }

  /** Path of a tenant's file; throws on anything that is not a tenant id and a SHA-256 (no traversal). */
  filePath(tenantId: string, sha256: string): string {
    if (!UUID_PATTERN.test(tenantId)) throw new Error('not a tenant id');
    if (!SHA256.test(sha256)) throw new Error('not a SHA-256 in hex');
    return path.join(this.root, tenantId, sha256.slice(0, 2), sha256);
  }

  async put(tenantId: string, data: Buffer): Promise<StoredMedia> {
    if (data.length > this.opts.maxFileBytes) {
      throw new MediaRejectedError(
        `file of ${data.length} bytes is over the limit of ${this.opts.maxFileBytes} bytes per file`,
      );
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const target = this.filePath(tenantId, sha256);
    const mimeType = (await detectFileType(data)) ?? 'application/octet-stream';
    if (await exists(target)) return { sha256, size: data.length, mimeType };
    const used = await this.usage(tenantId);
    if (used + data.length > this.opts.maxTenantBytes) {
      throw new MediaRejectedError(
        `tenant media quota of ${this.opts.maxTenantBytes} bytes reached (${used} used, file of ${data.length})`,
      );
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    // Written under a temporary name, synced, then renamed: a reader never sees half a file.
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    return { sha256, size: data.length, mimeType };
  }

  async read(tenantId: string, sha256: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.filePath(tenantId, sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async remove(tenantId: string, sha256: string): Promise<void> {
    await unlink(this.filePath(tenantId, sha256)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async usage(tenantId: string): Promise<number> {
    if (!UUID_PATTERN.test(tenantId)) throw new Error('not a tenant id');
    const dir = path.join(this.root, tenantId);
    let total = 0;
    let buckets: string[];
    try {
      buckets = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    for (const bucket of buckets) {
      const files = await readdir(path.join(dir, bucket)).catch(() => [] as string[]);
      for (const f of files) {
        const s = await stat(path.join(dir, bucket, f)).catch(() => undefined);
        if (s?.isFile()) total += s.size;
      }
    }
    return total;
  }

  /** Removes every file of a tenant (the tenant is deleted). */
  async removeTenant(tenantId: string): Promise<void> {
    if (!UUID_PATTERN.test(tenantId)) throw new Error('not a tenant id');
    await rm(path.join(this.root, tenantId), { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
