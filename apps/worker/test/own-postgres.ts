// A PostgreSQL server of the test file's own (embedded, on a free port), so a test can stop and start it
// to cut the database from under a worker without harming the other tests on the shared server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployMigrations } from '@wa-fleet/db/migrate';
import type { TestDatabase } from '@wa-fleet/db/testing';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '@wa-fleet/devstack';

export interface OwnPostgres {
  database: TestDatabase;
  /** Stops the server (a real outage: connections refused until start()). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  isRunning(): boolean;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const root = await mkdtemp(path.join(process.env.TEST_TMP_DIR ?? tmpdir(), 'wa-own-pg-'));
  const dataDir = path.join(root, 'data');
  let server: RunningPostgres | undefined = await startEmbeddedPostgres({ dataDir });
  const port = server.port;
  await ensureDatabase(server.adminUrl, 'wa');
  const url = server.urlFor('wa');
  await deployMigrations(url);
  const own: OwnPostgres = {
    database: {
      url,
      drop: async () => {
        await own.stop();
        await rm(root, { recursive: true, force: true });
      },
    },
    async stop() {
      const s = server;
      server = undefined;
      await s?.stop();
    },
    async start() {
      if (!server) server = await startEmbeddedPostgres({ dataDir, port });
    },
    isRunning: () => server !== undefined,
  };
  return own;
}
