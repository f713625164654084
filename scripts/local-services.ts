// The quick start's own PostgreSQL and Redis, run in a process of their own that scripts/start.ts starts
// in a separate process group: a Ctrl-C in the terminal reaches the apps (which stop gracefully) but not
// the databases, which must outlive the workers' last writes. start.ts stops them last, over IPC; if
// start.ts dies without doing so, the IPC channel closes and they are stopped here.
import path from 'node:path';
import { ensureDatabase, freePort, startEmbeddedPostgres, startRedis } from '@wa-fleet/devstack';

interface Request {
  dataDir: string;
  postgres: boolean;
  redis: boolean;
}

const stops: (() => Promise<void>)[] = [];
let stopping = false;

async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  process.exit(0);
}

process.on('disconnect', () => void stopAll());
process.on('message', (msg: unknown) => {
  if (msg === 'stop') void stopAll();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll());

async function main(request: Request): Promise<void> {
  const result: { databaseUrl?: string; redisUrl?: string } = {};
  if (request.postgres) {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(request.dataDir, 'postgres'),
      port: await freePort(54329),
    });
    stops.push(() => pg.stop());
    await ensureDatabase(pg.adminUrl, 'wa_fleet');
    result.databaseUrl = pg.urlFor('wa_fleet');
  }
  if (request.redis) {
    // Append-only persistence: sends queued in Redis survive a restart of the quick start.
    const redis = await startRedis({
      port: await freePort(56379),
      dir: path.join(request.dataDir, 'redis'),
      persist: true,
    });
    stops.push(() => redis.stop());
    result.redisUrl = redis.url;
  }
  process.send?.({ ready: result });
}

process.once('message', (msg: unknown) => {
  main(msg as Request).catch((err: unknown) => {
    process.send?.({ error: err instanceof Error ? err.message : String(err) });
    void stopAll();
  });
});
