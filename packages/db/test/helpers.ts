// Shared helpers for the db package tests.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PRISMA_DIR = join(PACKAGE_DIR, 'prisma');
export const CLI = join(PACKAGE_DIR, 'src', 'migrate', 'cli.ts');

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL must point at a running Postgres (admin URL)');
  return url;
}

export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function shadowDbs(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    adminUrl(),
    `SELECT datname FROM pg_database WHERE datname LIKE 'wa_fleet_shadow%'`,
  );
  return rows.map((r) => r.datname);
}

// Shadow databases that were already on a shared development server (say, left by a killed run) are
// not this run's leaks; on CI's throwaway server the set is empty.
let preexisting: Set<string> | undefined;
export async function rememberExistingShadowDbs(): Promise<void> {
  preexisting = new Set(await shadowDbs());
}

/** Names of shadow databases this run left on the server (must stay empty). */
export async function leftoverShadowDbs(): Promise<string[]> {
  if (!preexisting) throw new Error('call rememberExistingShadowDbs() in beforeAll first');
  const known = preexisting;
  return (await shadowDbs()).filter((name) => !known.has(name));
}

/** Copies packages/db/prisma into a temp dir; optionally edits schema.prisma there. */
export async function copyPrismaDir(edit?: (schema: string) => string): Promise<{
  dir: string;
  schemaPath: string;
  migrationsDir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-fleet-db-'));
  await cp(PRISMA_DIR, join(dir, 'prisma'), { recursive: true });
  const schemaPath = join(dir, 'prisma', 'schema.prisma');
  if (edit) await writeFile(schemaPath, edit(await readFile(schemaPath, 'utf8')));
  return {
    dir,
    schemaPath,
    migrationsDir: join(dir, 'prisma', 'migrations'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Adds a nullable column to the Tenant model (a schema change without a migration). */
export function addTenantColumn(schema: string): string {
  const out = schema.replace(
    /model Tenant \{\n/,
    'model Tenant {\n  driftProbe String? @map("drift_probe")\n',
  );
  if (out === schema) throw new Error('could not edit schema.prisma (model Tenant not found)');
  return out;
}

/** Runs the `pnpm db` CLI (src/migrate/cli.ts under tsx) as a child process. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
