// The tenant's engine column is a closed set: existing choices survive the migration that closed it,
// and a name that is not an engine is refused by the database itself.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WA_ENGINES } from '@wa-fleet/shared';
import { deployMigrations } from '../src/migrate/index.ts';
import { createDatabase, dropDatabase, uniqueDbName, withDatabase } from '../src/migrate/pg-admin.ts';
import { WaEngine } from '../src/index.ts';
import { adminUrl, copyPrismaDir, query } from './helpers.ts';

const ENGINE_MIGRATION = '20261202051941_engine_enum';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function emptyDatabase(): Promise<string> {
  const name = uniqueDbName('wa_fleet_test_engine');
  await createDatabase(adminUrl(), name);
  cleanups.push(() => dropDatabase(adminUrl(), name));
  return withDatabase(adminUrl(), name);
}

describe('tenants.engine', () => {
  it('keeps known engines through the migration, turns a non-engine into NULL (the default it already ran)', async () => {
    const copy = await copyPrismaDir();
    cleanups.push(copy.cleanup);
    const later = (await readdir(copy.migrationsDir)).filter((n) => n >= ENGINE_MIGRATION);
    expect(later[0]).toBe(ENGINE_MIGRATION);
    // The history up to the migration before: engine was free text.
    const laterDirs = later.filter((n) => !n.endsWith('.toml'));
    const saved = await copyPrismaDir();
    cleanups.push(saved.cleanup);
    for (const name of laterDirs) await rm(join(copy.migrationsDir, name), { recursive: true });

    const url = await emptyDatabase();
    await deployMigrations(url, { migrationsDir: copy.migrationsDir, schemaPath: copy.schemaPath });
    await query(
      url,
      `INSERT INTO tenants (id, slug, name, engine, updated_at) VALUES
        (gen_random_uuid(), 'sim', 'Sim', 'simulator', now()),
        (gen_random_uuid(), 'web', 'Web', 'wwebjs', now()),
        (gen_random_uuid(), 'dflt', 'Default', NULL, now()),
        (gen_random_uuid(), 'typo', 'Typo', 'wwebsj', now())`,
    );

    await deployMigrations(url, { migrationsDir: saved.migrationsDir, schemaPath: saved.schemaPath });
    const rows = await query<{ slug: string; engine: string | null }>(
      url,
      `SELECT slug, engine::text AS engine FROM tenants ORDER BY slug`,
    );
    expect(rows).toEqual([
      { slug: 'dflt', engine: null },
      { slug: 'sim', engine: 'simulator' },
      { slug: 'typo', engine: null },
      { slug: 'web', engine: 'wwebjs' },
    ]);

    // Positive control beside the refusal: a known name is written, an unknown one is not.
    await query(url, `UPDATE tenants SET engine = 'wwebjs' WHERE slug = 'dflt'`);
    await expect(query(url, `UPDATE tenants SET engine = 'telegram' WHERE slug = 'sim'`)).rejects.toThrow(
      /invalid input value for enum "WaEngine": "telegram"/,
    );
    const after = await query<{ engine: string }>(
      url,
      `SELECT engine::text AS engine FROM tenants WHERE slug = 'sim'`,
    );
    expect(after).toEqual([{ engine: 'simulator' }]);
  });

  it('knows exactly the engines of @wa-fleet/shared', () => {
    expect(Object.values(WaEngine).sort()).toEqual([...WA_ENGINES].sort());
  });
});
