import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureDatabase,
  probePostgres,
  probeRedis,
  startEmbeddedPostgres,
  startRedis,
  waitFor,
} from '../src/index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-devstack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function show(url: string, setting: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(`SHOW ${setting}`);
    return Object.values(rows[0]!)[0]!;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('keeps its data across a restart on the same data dir, with fsync on', async () => {
    const dataDir = path.join(tmp, 'pg');
    const first = await startEmbeddedPostgres({ dataDir });
    expect(await show(first.adminUrl, 'fsync')).toBe('on');
    await ensureDatabase(first.adminUrl, 'kept');
    const client = new pg.Client({ connectionString: first.urlFor('kept') });
    await client.connect();
    await client.query('CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$still here$$)');
    await client.end();

    // A wrong password is told apart from a server that is not there.
    expect((await probePostgres(first.adminUrl)).state).toBe('ok');
    const wrong = first.adminUrl.replace(':postgres@', ':not-the-password@');
    const refused = await probePostgres(wrong);
    expect(refused.state).toBe('auth_failed');
    expect(refused.detail).toMatch(/authentication failed/);
    expect(refused.detail).not.toContain('not-the-password');
    await first.stop();
    const down = await probePostgres(first.adminUrl, { timeoutMs: 500 });
    expect(down.state).toBe('unreachable');
    expect(down.detail).toMatch(/not reachable/);

    const second = await startEmbeddedPostgres({ dataDir, isThrowaway: true });
    try {
      expect(await show(second.adminUrl, 'fsync')).toBe('off');
      const again = new pg.Client({ connectionString: second.urlFor('kept') });
      await again.connect();
      const { rows } = await again.query<{ body: string }>('SELECT body FROM notes');
      await again.end();
      expect(rows).toEqual([{ body: 'still here' }]);
    } finally {
      await second.stop();
    }
  });
});

describe('local Redis', () => {
  it('answers PING while running and is gone after stop', async () => {
    const redis = await startRedis({ dir: path.join(tmp, 'redis') });
    expect((await probeRedis(redis.url)).state).toBe('ok');
    await redis.stop();
    const down = await probeRedis(redis.url, { timeoutMs: 500 });
    expect(down.state).toBe('unreachable');
  });

  it('tells a wrong or missing password from an unreachable server', async () => {
    const redis = await startRedis({ password: 'right-secret-1' });
    try {
      expect((await probeRedis(redis.url)).state).toBe('ok');
      const wrong = await probeRedis(redis.url.replace('right-secret-1', 'wrong-secret-2'));
      expect(wrong.state).toBe('auth_failed');
      expect(wrong.detail).toMatch(/authentication failed/);
      expect(wrong.detail).not.toContain('wrong-secret-2');
      const none = await probeRedis(`redis://127.0.0.1:${redis.port}`);
      expect(none.state).toBe('auth_failed');
    } finally {
      await redis.stop();
    }
  });
});

describe('waitFor', () => {
  it('returns the first truthy value and names what it waited for on timeout', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(
      3,
    );
    await expect(waitFor('never', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      /waiting for never/,
    );
  });
});
