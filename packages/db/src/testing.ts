// Test helpers: a fresh, fully migrated database per test file (or per test), on the Postgres named by
// TEST_DATABASE_URL (an admin URL, e.g. postgres://postgres:postgres@127.0.0.1:54329/postgres).
// With TEST_TEMPLATE_DB set (see prepareTemplateDatabase), databases are cloned from that template,
// which is much faster than replaying the migrations.
import { deployMigrations } from './migrate/index.ts';
import {
  createDatabase,
  dropDatabase,
  quoteIdent,
  uniqueDbName,
  withClient,
  withDatabase,
} from './migrate/pg-admin.ts';

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as TEST_DATABASE_URL). */
  url: string;
  /** Drops the database WITH (FORCE), closing any connection still open on it. */
  drop: () => Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'TEST_DATABASE_URL is not set: point it at a running Postgres as an admin user, ' +
        'e.g. postgres://postgres:postgres@127.0.0.1:54329/postgres',
    );
  }
  return url;
}

export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const template = process.env.TEST_TEMPLATE_DB;
  const name = uniqueDbName('wa_fleet_test');
  await createDatabase(admin, name, template || undefined);
  const url = withDatabase(admin, name);
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await dropDatabase(admin, name);
  };
  if (!template) {
    try {
      await deployMigrations(url);
    } catch (e) {
      await drop().catch(() => {});
      throw e;
    }
  }
  return { url, drop };
}

/**
 * (Re)creates a migrated template database called `name` on the server of `adminUrl`. Run once before the
 * tests, then set TEST_TEMPLATE_DB=name. Postgres refuses to clone a database that has open connections,
 * so every connection is closed when this returns.
 */
export async function prepareTemplateDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    // a database marked as template cannot be dropped: unmark it first
    const found = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
    if (found.rowCount) await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE false`);
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  await deployMigrations(withDatabase(adminUrl, name));
  await withClient(adminUrl, (c) => c.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true`));
}
