import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createTenantLogger } from './index.ts';

function lines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tenant log rotation', () => {
  it('rotates by size, keeps the configured number of files, and loses no line in between', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-rot-'));
    const log = await createTenantLogger('acme', {
      service: 'worker',
      logDir,
      stdout: false,
      maxSizeBytes: 10_000,
      maxFiles: 3,
    });
    const total = 1_000;
    for (let i = 0; i < total; i++) log.info({ i }, 'line with some padding to fill the file');
    const file = path.join(logDir, 'acme.log');
    for (const f of [file, `${file}.1`, `${file}.2`, `${file}.3`]) {
      expect(existsSync(f), f).toBe(true);
      expect(statSync(f).size).toBeLessThanOrEqual(10_000);
    }
    expect(existsSync(`${file}.4`)).toBe(false);
    // The kept files hold the newest lines, contiguous: oldest in .3, newest in the live file.
    const kept = [`${file}.3`, `${file}.2`, `${file}.1`, file].flatMap((f) => lines(f).map((l) => l.i));
    expect(kept.at(-1)).toBe(total - 1);
    const first = kept[0] as number;
    expect(kept).toEqual(Array.from({ length: total - first }, (_, k) => first + k));
    expect(kept.length).toBeGreaterThan(100);
  });

  it('never rotates with maxSizeBytes 0 (positive control for the size limit)', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-rot-'));
    const log = await createTenantLogger('acme', {
      service: 'worker',
      logDir,
      stdout: false,
      maxSizeBytes: 0,
    });
    for (let i = 0; i < 500; i++) log.info({ i }, 'line with some padding to fill the file');
    const file = path.join(logDir, 'acme.log');
    expect(statSync(file).size).toBeGreaterThan(10_000);
    expect(existsSync(`${file}.1`)).toBe(false);
    expect(lines(file)).toHaveLength(500);
  });

  it('writes a new file when the live one is renamed or deleted from outside (logrotate, rm)', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-rot-'));
    const log = await createTenantLogger('acme', { service: 'worker', logDir, stdout: false });
    const file = path.join(logDir, 'acme.log');
    log.info('before the rename');
    renameSync(file, `${file}.moved`);
    // Within one check period (100 writes or 1 s) the logger notices and writes at the path again.
    for (let i = 0; i < 150; i++) log.info({ i }, 'after the rename');
    expect(lines(file).length).toBeGreaterThan(0);
    expect(lines(file).at(-1)).toMatchObject({ msg: 'after the rename', i: 149 });
    const moved = lines(`${file}.moved`);
    expect(moved[0]).toMatchObject({ msg: 'before the rename' });
    // Nothing lost: every line is in one file or the other.
    expect(moved.length + lines(file).length).toBe(151);

    rmSync(file);
    // No write needed: the logger's own timer recreates the file within its check interval.
    await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 5_000, interval: 50 });
    log.info('after the delete');
    expect(lines(file)).toEqual([expect.objectContaining({ msg: 'after the delete' })]);
  });

  it('recreates a renamed log of a quiet worker without waiting for its next line', async () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wa-rot-'));
    const log = await createTenantLogger('quiet', { service: 'worker', logDir, stdout: false });
    const file = path.join(logDir, 'quiet.log');
    log.info('the only line before the rename');
    const inode = statSync(file).ino;
    renameSync(file, `${file}.1`);
    // Positive control: right after the rename nothing is at the path yet.
    expect(existsSync(file)).toBe(false);
    await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 5_000, interval: 50 });
    expect(statSync(file).ino).not.toBe(inode);
    log.info('the first line after the rename');
    expect(lines(`${file}.1`)).toEqual([expect.objectContaining({ msg: 'the only line before the rename' })]);
    expect(lines(file)).toEqual([expect.objectContaining({ msg: 'the first line after the rename' })]);
  });
});
