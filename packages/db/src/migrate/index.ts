// Offline migrations for @wa-fleet/db: drives the WebAssembly Prisma schema engine through
// @prisma/adapter-pg and writes the standard _prisma_migrations table (stock Prisma CLI compatible).
export {
  checkDrift,
  createMigration,
  deployMigrations,
  migrationStatus,
  resetDatabase,
  slugifyMigrationName,
  type CommandOptions,
  type DriftOptions,
  type MigrationStatus,
} from './commands.ts';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from './migrations-dir.ts';
