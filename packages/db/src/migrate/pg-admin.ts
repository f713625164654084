// Small Postgres helpers for the migration tooling: URL handling, identifier quoting and
// creating / dropping whole databases through a short-lived admin connection.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/** The database named by the URL (defaults to the user name, as libpq does). */
export function databaseOf(url: string): string {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return name || decodeURIComponent(u.username) || 'postgres';
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A unique, lower-case database name with the given prefix (fits in 63 bytes). */
export function uniqueDbName(prefix: string): string {
  const suffix = `${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  return `${prefix.slice(0, 40)}_${suffix}`.toLowerCase();
}

/** Runs `fn` with a single pg.Client connected to `url`, always closing it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a server-side termination must not crash the process
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const sql = template
    ? `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`
    : `CREATE DATABASE ${quoteIdent(name)}`;
  await withClient(adminUrl, (c) => c.query(sql));
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}
