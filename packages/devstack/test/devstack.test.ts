import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canReachPostgres,
  canReachRedis,
  ensureDatabase,
  startEmbeddedPostgres,
  startRedis,
  waitFor,
} from '../src/index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-devstack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('embedded PostgreSQL', () => {
  it('keeps its data across a restart on the same data dir', async () => {
    const dataDir = path.join(tmp, 'pg');
    const first = await startEmbeddedPostgres({ dataDir });
    await ensureDatabase(first.adminUrl, 'kept');
    const client = new pg.Client({ connectionString: first.urlFor('kept') });
    await client.connect();
    await client.query('CREATE TABLE notes (body text); INSERT INTO notes VALUES ($$still here$$)');
    await client.end();
    await first.stop();
    expect(await canReachPostgres(first.adminUrl, 500)).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir });
    try {
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
    expect(await canReachRedis(redis.url)).toBe(true);
    await redis.stop();
    expect(await canReachRedis(redis.url, 500)).toBe(false);
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
