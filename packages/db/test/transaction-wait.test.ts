import { afterAll, describe, expect, it } from 'vitest';
import { createDbClient } from '../src/index.ts';
import { adminUrl, query } from './helpers.ts';

// A pool of one connection held by a 3 s transaction: a second transaction must wait for it, as a plain
// query would, instead of failing after Prisma's default 2 s (what refused sends under a burst).
describe('transactions wait for a pool connection', () => {
  const db = createDbClient(adminUrl(), { poolSize: 1, applicationName: 'wa-db-test' });
  afterAll(() => db.$disconnect());

  const holdTheConnection = () =>
    db.$transaction(async (tx) => tx.$queryRaw`SELECT 1 AS held FROM pg_sleep(3)`, { timeout: 10_000 });
  // The holder must own the only connection before the second transaction asks for one.
  const waitUntilHeld = async () => {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const rows = await query(
        adminUrl(),
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'wa-db-test' AND query LIKE '%pg_sleep%' AND state = 'active'`,
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the holding transaction never started');
  };

  it('a transaction started while the only connection is busy for 3 s commits', async () => {
    const holder = holdTheConnection();
    await waitUntilHeld();
    const second = db.$transaction(async (tx) => tx.$queryRaw<{ n: number }[]>`SELECT 1::int AS n`);
    await expect(second).resolves.toEqual([{ n: 1 }]);
    await holder;
  });

  it('positive control: with a 1 s wait the same transaction is refused (P2028)', async () => {
    const holder = holdTheConnection();
    await waitUntilHeld();
    const second = db.$transaction(async (tx) => tx.$queryRaw`SELECT 1`, { maxWait: 1_000 });
    await expect(second).rejects.toMatchObject({ code: 'P2028' });
    await holder;
  });
});
