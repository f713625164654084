// A real PostgreSQL with a migrated database and a message_logs table of many tenants, for the message
// read and ingest benchmarks. BENCH_PG_DIR keeps the server's data between runs (a seeded table of the
// same size is reused instead of being loaded again); without it everything lives in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '@wa-fleet/devstack';
import { deployMigrations } from '@wa-fleet/db/migrate';

export interface BenchDatabase {
  pg: RunningPostgres;
  url: string;
  stop(): Promise<void>;
}

/** True when the database was seeded to exactly this size (a bench_seed row written after the load). */
async function isSeeded(url: string, size: SeedSize | undefined): Promise<boolean> {
  if (!size) return true;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const r = await db.query<{ tenants: number; rows_per_tenant: number }>(
      `SELECT * FROM bench_seed WHERE to_regclass('bench_seed') IS NOT NULL`,
    );
    const row = r.rows[0];
    return !!row && row.tenants === size.tenants && row.rows_per_tenant === size.rowsPerTenant;
  } catch {
    return false;
  } finally {
    await db.end();
  }
}

/**
 * Starts the server and (re)creates database `name`, migrated. With `size`, a database that is not
 * seeded to exactly that size is dropped first, so a half-finished load never lingers.
 */
export async function startBenchDatabase(name: string, size?: SeedSize): Promise<BenchDatabase> {
  const keep = process.env.BENCH_PG_DIR;
  const dir = keep ?? mkdtempSync(path.join(os.tmpdir(), 'wa-bench-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), isThrowaway: true });
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const url = server.urlFor(name);
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount !== 0 && !(await isSeeded(url, size))) {
    await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
  }
  if (exists.rowCount === 0 || !(await isSeeded(url, size))) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await deployMigrations(url);
  return {
    pg: server,
    url,
    stop: async () => {
      await server.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SeedSize {
  tenants: number;
  rowsPerTenant: number;
}

const WORDS = ['hello', 'order', 'where', 'thanks', 'delivery', 'tomorrow', 'price', 'please', 'ok', 'yes'];

/**
 * `tenants` tenants of `rowsPerTenant` messages each, one second apart. Bodies are two of ten common
 * words and "number <i mod 1000>"; one row in 500 also says "pizza" (the search benchmark's word, 0.2 %
 * of a tenant's rows); one in 50 is FAILED. Indexes are dropped for the load and built again after it.
 * Returns the tenant ids (the first is the one measured). Reuses a table already seeded to this size.
 */
export async function seedMessages(url: string, size: SeedSize, log: (m: string) => void): Promise<string[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS bench_seed (tenants int, rows_per_tenant int)`);
    const seeded = await db.query<{ tenants: number; rows_per_tenant: number }>('SELECT * FROM bench_seed');
    const tenantIds = async () =>
      (
        await db.query<{ id: string }>(`SELECT id FROM tenants WHERE slug LIKE 'bench-%' ORDER BY slug`)
      ).rows.map((r) => r.id);
    const s = seeded.rows[0];
    if (s && s.tenants === size.tenants && s.rows_per_tenant === size.rowsPerTenant) {
      log(`reusing the seeded table (${size.tenants} x ${size.rowsPerTenant} rows)`);
      return await tenantIds();
    }
    log(`seeding ${size.tenants} tenants x ${size.rowsPerTenant} messages`);
    await db.query('TRUNCATE message_logs, message_stats_hourly, bench_seed');
    await db.query(`DELETE FROM tenants WHERE slug LIKE 'bench-%'`);
    for (let t = 0; t < size.tenants; t++) {
      await db.query(
        `INSERT INTO tenants (id, slug, name, updated_at) VALUES (gen_random_uuid(), $1, $1, now())`,
        [`bench-${String(t).padStart(2, '0')}`],
      );
    }
    const ids = await tenantIds();
    const indexes = await db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'message_logs' AND indexname <> 'message_logs_pkey'`,
    );
    for (const ix of indexes.rows) await db.query(`DROP INDEX "${ix.indexname}"`);
    const words = `(ARRAY[${WORDS.map((w) => `'${w}'`).join(',')}])`;
    for (const [t, id] of ids.entries()) {
      const t0 = Date.now();
      await db.query(
        `INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, wa_message_id, status, created_at, updated_at)
         SELECT gen_random_uuid(), $1::uuid,
           (CASE WHEN i % 2 = 0 THEN 'IN' ELSE 'OUT' END)::"MessageDirection",
           '4917' || lpad((i % 100000)::text, 8, '0'), '4915100000000',
           ${words}[1 + i % 10] || ' ' || ${words}[1 + (i / 10) % 10] || ' number ' || (i % 1000)
             || CASE WHEN i % 500 = 0 THEN ' pizza' ELSE '' END,
           'w' || i,
           (CASE WHEN i % 50 = 0 THEN 'FAILED' WHEN i % 2 = 0 THEN 'RECEIVED' ELSE 'DELIVERED' END)::"MessageStatus",
           timestamptz '2026-11-01 00:00:00+00' - i * interval '1 second' + $3 * interval '1 millisecond',
           now()
         FROM generate_series(1, $2::int) i`,
        [id, size.rowsPerTenant, t],
      );
      log(`  tenant ${t + 1}/${ids.length} loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await db.query("SET maintenance_work_mem = '1GB'");
    for (const ix of indexes.rows) {
      const t0 = Date.now();
      await db.query(ix.indexdef);
      log(`  index ${ix.indexname} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    await db.query('VACUUM ANALYZE message_logs');
    await db.query('INSERT INTO bench_seed VALUES ($1, $2)', [size.tenants, size.rowsPerTenant]);
    return ids;
  } finally {
    await db.end();
  }
}
