// deployMigrations / migrationStatus / resetDatabase / createMigration against a real Postgres.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, afterEach, describe, expect, it } from 'vitest';
import {
  createMigration,
  deployMigrations,
  DEFAULT_MIGRATIONS_DIR,
  migrationStatus,
  resetDatabase,
} from '../src/migrate/index.ts';
import { createDatabase, dropDatabase, uniqueDbName, withDatabase } from '../src/migrate/pg-admin.ts';
import { createMigratedTestDatabase, prepareTemplateDatabase } from '../src/testing.ts';
import {
  addTenantColumn,
  adminUrl,
  copyPrismaDir,
  leftoverShadowDbs,
  rememberExistingShadowDbs,
  query,
} from './helpers.ts';

beforeAll(rememberExistingShadowDbs);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  expect(await leftoverShadowDbs()).toEqual([]);
});

async function emptyDatabase(): Promise<string> {
  const name = uniqueDbName('wa_fleet_test_empty');
  await createDatabase(adminUrl(), name);
  cleanups.push(() => dropDatabase(adminUrl(), name));
  return withDatabase(adminUrl(), name);
}

async function repoMigrations(): Promise<string[]> {
  const entries = await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

type MigrationRow = { migration_name: string; finished: boolean; checksum: string; rolled_back: boolean };
const migrationRows = (url: string) =>
  query<MigrationRow>(
    url,
    `SELECT migration_name, finished_at IS NOT NULL AS finished, checksum, rolled_back_at IS NOT NULL AS rolled_back
     FROM _prisma_migrations ORDER BY migration_name`,
  );

describe('deployMigrations', () => {
  it('applies every migration on an empty database, then nothing on a second run', async () => {
    const url = await emptyDatabase();
    const expected = await repoMigrations();
    expect(expected.length).toBeGreaterThan(0);

    const before = await migrationStatus(url);
    expect(before.applied).toEqual([]);
    expect(before.pending).toEqual(expected);

    const logs: string[] = [];
    const first = await deployMigrations(url, { log: (m) => logs.push(m) });
    expect(first.applied).toEqual(expected);
    expect(logs.some((l) => l.includes(expected[0]!))).toBe(true);

    const second = await deployMigrations(url);
    expect(second.applied).toEqual([]);

    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(expected);
    expect(rows.every((r) => r.finished && !r.rolled_back)).toBe(true);

    // the checksum is the stock Prisma one: lowercase hex SHA-256 of the file bytes
    const { createHash } = await import('node:crypto');
    const sql = await readFile(join(DEFAULT_MIGRATIONS_DIR, expected[0]!, 'migration.sql'));
    expect(rows[0]!.checksum).toBe(createHash('sha256').update(sql).digest('hex'));

    const after = await migrationStatus(url);
    expect(after.applied).toEqual(expected);
    expect(after.pending).toEqual([]);
    expect(after.failed).toEqual([]);
    expect(after.edited).toEqual([]);

    const tables = await query<{ tablename: string }>(
      url,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(['tenants', 'message_logs', '_prisma_migrations']),
    );
  });

  it('applies each migration once when two deploys run concurrently', async () => {
    const url = await emptyDatabase();
    const expected = await repoMigrations();
    const [a, b] = await Promise.all([deployMigrations(url), deployMigrations(url)]);
    expect([...a.applied, ...b.applied].sort()).toEqual(expected);

    const rows = await migrationRows(url);
    expect(rows).toHaveLength(expected.length);
    expect(rows.every((r) => r.finished && !r.rolled_back)).toBe(true);
  });

  it('resetDatabase drops everything (including data) and re-applies the migrations', async () => {
    const url = await emptyDatabase();
    await deployMigrations(url);
    await query(
      url,
      `INSERT INTO tenants (id, slug, name, updated_at) VALUES (gen_random_uuid(), 'acme', 'Acme', now())`,
    );
    await query(url, `CREATE TABLE stray (id int)`);

    const { applied } = await resetDatabase(url);
    expect(applied).toEqual(await repoMigrations());
    expect(await query(url, `SELECT * FROM tenants`)).toEqual([]);
    expect(await query(url, `SELECT 1 FROM pg_tables WHERE tablename = 'stray'`)).toEqual([]);
    expect(await migrationRows(url)).toHaveLength(applied.length);
  });
});

describe('createMigration', () => {
  it('returns null when schema.prisma matches the migrations, and leaves no shadow database', async () => {
    const url = await emptyDatabase();
    const copy = await copyPrismaDir();
    cleanups.push(copy.cleanup);
    const res = await createMigration(url, 'noop', copy);
    expect(res.name).toBeNull();
    expect(await readdir(copy.migrationsDir)).toHaveLength((await repoMigrations()).length + 1); // + lock file
    expect(await leftoverShadowDbs()).toEqual([]);
  });

  it('generates a migration for a schema change, which then deploys', async () => {
    const url = await emptyDatabase();
    const copy = await copyPrismaDir(addTenantColumn);
    cleanups.push(copy.cleanup);

    const res = await createMigration(url, 'Add drift probe!', copy);
    expect(res.name).toMatch(/^\d{14}_add_drift_probe$/);
    const sql = await readFile(join(copy.migrationsDir, res.name!, 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "tenants" ADD COLUMN     "drift_probe" TEXT');
    const lock = await readFile(join(copy.migrationsDir, 'migration_lock.toml'), 'utf8');
    expect(lock).toContain('provider = "postgresql"');

    // like `migrate dev --create-only`: pending ones were applied, the new one only written
    const status = await migrationStatus(url, copy);
    expect(status.applied).toEqual(await repoMigrations());
    expect(status.pending).toEqual([res.name]);
    const { applied } = await deployMigrations(url, copy);
    expect(applied).toEqual([res.name]);
    expect(await query(url, `SELECT drift_probe FROM tenants`)).toEqual([]);
    expect(await leftoverShadowDbs()).toEqual([]);
  });

  it('drops its shadow database even when the engine fails on it', async () => {
    const url = await emptyDatabase();
    const copy = await copyPrismaDir();
    cleanups.push(copy.cleanup);
    // a migration that cannot be replayed on the shadow database
    await mkdir(join(copy.migrationsDir, '20990101000000_broken'));
    await writeFile(
      join(copy.migrationsDir, '20990101000000_broken', 'migration.sql'),
      'SELECT no_such_function();\n',
    );

    const logs: string[] = [];
    await expect(createMigration(url, 'next', { ...copy, log: (m) => logs.push(m) })).rejects.toThrow(
      /20990101000000_broken/,
    );
    expect(logs.some((l) => l.startsWith('created shadow database'))).toBe(true);
    expect(await leftoverShadowDbs()).toEqual([]);
  });
});

describe('testing helpers', () => {
  it('createMigratedTestDatabase gives a migrated database, also when cloned from a template', async () => {
    const expected = await repoMigrations();
    const plain = await createMigratedTestDatabase();
    cleanups.push(plain.drop);
    expect((await migrationRows(plain.url)).map((r) => r.migration_name)).toEqual(expected);

    const template = uniqueDbName('wa_fleet_test_tpl');
    await prepareTemplateDatabase(adminUrl(), template);
    await prepareTemplateDatabase(adminUrl(), template); // re-creating an existing template works
    const previous = process.env.TEST_TEMPLATE_DB;
    process.env.TEST_TEMPLATE_DB = template;
    try {
      const cloned = await createMigratedTestDatabase();
      cleanups.push(cloned.drop);
      expect((await migrationRows(cloned.url)).map((r) => r.migration_name)).toEqual(expected);
      await cloned.drop();
      const gone = await query(adminUrl(), `SELECT 1 FROM pg_database WHERE datname = $1`, [
        new URL(cloned.url).pathname.slice(1),
      ]);
      expect(gone).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.TEST_TEMPLATE_DB;
      else process.env.TEST_TEMPLATE_DB = previous;
      await query(adminUrl(), `ALTER DATABASE "${template}" WITH IS_TEMPLATE false`);
      await dropDatabase(adminUrl(), template);
    }
  });
});
