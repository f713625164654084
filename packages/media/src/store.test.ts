import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalMediaStore, MediaRejectedError } from './index.ts';

const TENANT_A = '0195f3a0-0000-7000-8000-00000000000a';
const TENANT_B = '0195f3a0-0000-7000-8000-00000000000b';
/** The eight-byte PNG signature plus an IHDR chunk header: enough for the type to be read from the bytes. */
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);

const root = mkdtempSync(path.join(os.tmpdir(), 'wa-media-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LocalMediaStore', () => {
  it('stores a file once per tenant by its SHA-256, private to the owner, with the type read from its bytes', async () => {
    const store = new LocalMediaStore(root, { maxFileBytes: 1_000, maxTenantBytes: 10_000 });
    const first = await store.put(TENANT_A, PNG);
    const again = await store.put(TENANT_A, Buffer.from(PNG));
    expect(first.mimeType).toBe('image/png');
    expect(again.sha256).toBe(first.sha256);
    const file = store.filePath(TENANT_A, first.sha256);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    // One file for the two puts; nothing left under a temporary name.
    expect(readdirSync(path.dirname(file))).toEqual([first.sha256]);
    expect(await store.read(TENANT_A, first.sha256)).toEqual(PNG);
    // Another tenant does not see it under the same hash.
    expect(await store.read(TENANT_B, first.sha256)).toBeUndefined();
    // Text without a magic number is text; unknown bytes are octet-stream.
    expect((await store.put(TENANT_A, Buffer.from('an invoice, in words\n'))).mimeType).toBe('text/plain');
    expect((await store.put(TENANT_A, Buffer.from([0, 1, 2, 3]))).mimeType).toBe('application/octet-stream');
    await store.remove(TENANT_A, first.sha256);
    expect(await store.read(TENANT_A, first.sha256)).toBeUndefined();
  });

  it('refuses a file over the per-file cap and one past the tenant quota, and stores the one that fits', async () => {
    const store = new LocalMediaStore(root, { maxFileBytes: 100, maxTenantBytes: 150 });
    const tenant = '0195f3a0-0000-7000-8000-0000000000cc';
    await expect(store.put(tenant, Buffer.alloc(101, 1))).rejects.toBeInstanceOf(MediaRejectedError);
    const fits = await store.put(tenant, Buffer.alloc(100, 2));
    expect(await store.usage(tenant)).toBe(100);
    await expect(store.put(tenant, Buffer.alloc(60, 3))).rejects.toThrow(/quota of 150 bytes reached/);
    expect(await store.usage(tenant)).toBe(100);
    expect(await store.read(tenant, fits.sha256)).toEqual(Buffer.alloc(100, 2));
  });

  it('refuses paths that are not a tenant id and a SHA-256', () => {
    const store = new LocalMediaStore(root, { maxFileBytes: 100, maxTenantBytes: 100 });
    expect(() => store.filePath('../etc', 'a'.repeat(64))).toThrow('not a tenant id');
    expect(() => store.filePath(TENANT_A, '../../passwd')).toThrow('not a SHA-256');
    expect(store.filePath(TENANT_A, 'a'.repeat(64))).toBe(path.join(root, TENANT_A, 'aa', 'a'.repeat(64)));
  });
});
