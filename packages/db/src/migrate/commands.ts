// The migration commands: deploy, create (like `migrate dev --create-only`), status, drift check, reset.
import pg from 'pg';
import { FILTERS, withEngine } from './engine.ts';
import {
  listMigrations,
  migrationNames,
  readSchema,
  resolvePaths,
  writeMigration,
  type PathOptions,
} from './migrations-dir.ts';

export interface CommandOptions extends PathOptions {
  log?: ((msg: string) => void) | undefined;
  /** Also forward the engine's own log lines to `log`. */
  verbose?: boolean | undefined;
}

async function session(databaseUrl: string, opts: CommandOptions) {
  const { schemaPath, migrationsDir } = resolvePaths(opts);
  const schemaText = await readSchema(schemaPath);
  const log = opts.log ?? (() => {});
  const engineLog = opts.verbose ? log : undefined;
  return { schemaPath, migrationsDir, schemaText, databaseUrl, log, engineLog };
}

/** Applies every pending migration of the migrations folder (like `prisma migrate deploy`). */
export async function deployMigrations(
  databaseUrl: string,
  opts: CommandOptions = {},
): Promise<{ applied: string[] }> {
  const s = await session(databaseUrl, opts);
  const migrationsList = await listMigrations(s.migrationsDir);
  const out = await withEngine(s, (engine) => engine.applyMigrations({ migrationsList, filters: FILTERS }));
  for (const name of out.appliedMigrationNames) s.log(`applied ${name}`);
  return { applied: out.appliedMigrationNames };
}

/** Folds a user-given name into what Prisma accepts in a migration directory name. */
export function slugifyMigrationName(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 200);
  if (!slug) throw new Error(`Invalid migration name "${name}": use letters, digits and underscores`);
  return slug;
}

/**
 * Generates `<migrationsDir>/<timestamp>_<name>/migration.sql` from schema.prisma (like
 * `prisma migrate dev --create-only`): pending migrations are applied to the database first, the new one
 * is only written. The engine replays the history on a shadow database we create and drop.
 * Returns `{ name: null }` when schema.prisma and the migrations already agree.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  opts: CommandOptions = {},
): Promise<{ name: string | null; path?: string }> {
  const migrationName = slugifyMigrationName(name);
  const s = await session(databaseUrl, opts);
  // Engine quirk: once applyMigrations has applied something, the same engine instance loses its
  // shadow-database factory ("PostgreSQL shadow DB must be provided through an external factory").
  // So pending migrations are applied in one engine session and the new one generated in another.
  await withEngine(s, async (engine) => {
    const migrationsList = await listMigrations(s.migrationsDir);
    const diag = await engine.devDiagnostic({ migrationsList, filters: FILTERS });
    if (diag.action.tag === 'reset') {
      throw new Error(`The database must be reset before a migration can be created: ${diag.action.reason}`);
    }
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: FILTERS });
    for (const applied of appliedMigrationNames) s.log(`applied pending migration ${applied}`);
  });
  return withEngine(s, async (engine) => {
    const migrationsList = await listMigrations(s.migrationsDir);
    // createMigration needs devDiagnostic to have run on the same engine first
    await engine.devDiagnostic({ migrationsList, filters: FILTERS });
    const out = await engine.createMigration({
      draft: false,
      migrationName,
      migrationsList,
      schema: { files: [{ path: s.schemaPath, content: s.schemaText }] },
      filters: FILTERS,
    });
    if (out.migrationScript === null) return { name: null };
    const path = await writeMigration(
      s.migrationsDir,
      out.generatedMigrationName,
      out.migrationScript,
      out.extension,
      out.connectorType,
    );
    s.log(`created ${out.generatedMigrationName}`);
    return { name: out.generatedMigrationName, path };
  });
}

export interface MigrationStatus {
  /** Migrations recorded as finished in _prisma_migrations (and not rolled back), oldest first. */
  applied: string[];
  /** Migrations of the folder not applied yet. */
  pending: string[];
  /** Recorded as started but not finished (a failed deploy): needs attention. */
  failed: string[];
  /** Applied, but the file's checksum changed since. */
  edited: string[];
  /** Applied to the database but missing from the folder. */
  missingFromFolder: string[];
  hasMigrationsTable: boolean;
}

/** Compares the migrations folder with the database's _prisma_migrations (like `prisma migrate status`). */
export async function migrationStatus(
  databaseUrl: string,
  opts: CommandOptions = {},
): Promise<MigrationStatus> {
  const s = await session(databaseUrl, opts);
  const migrationsList = await listMigrations(s.migrationsDir);
  const local = migrationNames(migrationsList);
  const diag = await withEngine(s, (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: FILTERS }),
  );
  let applied: string[] = [];
  if (diag.hasMigrationsTable) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const res = await client.query<{ migration_name: string }>(
        `SELECT DISTINCT migration_name FROM _prisma_migrations
         WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      );
      applied = res.rows.map((r) => r.migration_name);
    } finally {
      await client.end();
    }
  }
  const appliedSet = new Set(applied);
  return {
    applied,
    pending: local.filter((n) => !appliedSet.has(n)),
    failed: diag.failedMigrationNames,
    edited: diag.editedMigrationNames,
    missingFromFolder: applied.filter((n) => !local.includes(n)),
    hasMigrationsTable: diag.hasMigrationsTable,
  };
}

export interface DriftOptions extends CommandOptions {
  /** A server to create the temporary shadow database on (the engine replays the migrations there). */
  databaseUrl?: string | undefined;
}

/**
 * Offline drift check: does replaying the migrations folder give exactly what schema.prisma describes?
 * Uses the engine's `diff` (migrations -> schema datamodel) with `exitCode: true`.
 */
export async function checkDrift(opts: DriftOptions = {}): Promise<{ drift: boolean; summary: string }> {
  const databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    throw new Error('checkDrift needs a database URL (a server to create a temporary shadow database on)');
  }
  const s = await session(databaseUrl, opts);
  const migrationsList = await listMigrations(s.migrationsDir);
  const res = await withEngine(s, (engine) =>
    engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: s.schemaPath, content: s.schemaText }] },
      script: false,
      exitCode: true,
      filters: FILTERS,
    }),
  );
  return { drift: res.exitCode === 2, summary: (res.stdout ?? '').trim() };
}

/** Drops everything in the database (like `prisma migrate reset`, without seeding), then deploys. */
export async function resetDatabase(
  databaseUrl: string,
  opts: CommandOptions = {},
): Promise<{ applied: string[] }> {
  const s = await session(databaseUrl, opts);
  await withEngine(s, (engine) => engine.reset({ filter: FILTERS }));
  s.log('database reset');
  return deployMigrations(databaseUrl, opts);
}
