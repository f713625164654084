import { writeFileSync } from 'node:fs';
import { startEmbeddedPostgres, startRedis } from '/work/main/packages/devstack/src/index.ts';
const pg = await startEmbeddedPostgres({ dataDir: '/tmp/wa-dev/pg', port: 55432 });
const r = await startRedis({ port: 56379 });
writeFileSync('/tmp/wa-dev/env', `TEST_DATABASE_URL=${pg.adminUrl}\nTEST_REDIS_URL=${r.url}\n`);
console.log('ready', pg.adminUrl, r.url);
process.on('SIGTERM', async () => { await r.stop(); await pg.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
