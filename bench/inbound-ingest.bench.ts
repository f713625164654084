// Inbound ingest: the worker's inbound pipeline (InboundPipeline + MessageRepository, the code a running
// worker uses, logging at info to its tenant log file) storing messages into a real PostgreSQL, against
// plain single-row INSERTs through pg of the same kind of rows in the same run. Messages arrive in
// waves of INBOUND_BUFFER_MAX (1,000, what the worker holds in memory before spooling to disk); each
// wave is drained before the next. One auto-reply rule exists that these messages do not match.
// Run: pnpm bench inbound-ingest [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDbClient } from '@wa-fleet/db';
import { createTenantLogger, flushLogger } from '@wa-fleet/logger';
import { AutoReplyRuleCache } from '../apps/worker/src/auto-reply-rules.ts';
import { InboundPipeline } from '../apps/worker/src/inbound-pipeline.ts';
import { InboundSpool } from '../apps/worker/src/inbound-spool.ts';
import { MessageRepository } from '../apps/worker/src/message-repository.ts';
import { startBenchDatabase } from './lib/message-data.ts';
import { quick, report } from './lib/metric.ts';

const TOTAL = quick ? 10_000 : 50_000;
const WAVE = 1_000;
const BASELINE_ROWS = quick ? 3_000 : 10_000;

const database = await startBenchDatabase('wa_bench_ingest');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wa-bench-ingest-'));
try {
  const direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
  await direct.query('TRUNCATE message_logs, message_stats_hourly');
  const slug = `ingest-${Date.now()}`;
  const tenant = await direct.query<{ id: string }>(
    `INSERT INTO tenants (id, slug, name, updated_at) VALUES (gen_random_uuid(), $1, $1, now()) RETURNING id`,
    [slug],
  );
  const tenantId = tenant.rows[0]!.id;
  await direct.query(
    `INSERT INTO auto_reply_rules (id, tenant_id, name, match_type, pattern, reply, updated_at)
     VALUES (gen_random_uuid(), $1, 'hours', 'EXACT', 'opening hours?', 'We open at 9.', now())`,
    [tenantId],
  );

  // Baseline: one INSERT per message, as one connection can do them back to back.
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BASELINE_ROWS; i++) {
    await direct.query(
      `INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, wa_message_id, status, updated_at)
       VALUES (gen_random_uuid(), $1, 'IN', $2, '4915100000000', $3, $4, 'RECEIVED', now())`,
      [tenantId, `4917${String(i % 100_000).padStart(8, '0')}`, `baseline message ${i}`, `base-${i}`],
    );
  }
  const baselineRate = BASELINE_ROWS / (Number(process.hrtime.bigint() - t0) / 1e9);

  const db = createDbClient(database.url, { poolSize: 3, applicationName: 'bench-ingest' });
  const log = await createTenantLogger(slug, {
    service: 'worker',
    level: 'info',
    logDir: tmp,
    stdout: false,
  });
  const pipeline = new InboundPipeline({
    messages: new MessageRepository(db, tenantId),
    rules: new AutoReplyRuleCache(db, tenantId, log),
    enqueueSend: () => Promise.resolve(),
    onAckUnmatched: () => undefined,
    spool: new InboundSpool(path.join(tmp, 'spool'), tenantId),
    retry: { baseMs: 100, maxMs: 1_000 },
    bufferMax: WAVE,
    spoolAfterMs: 5_000,
    log,
  });
  pipeline.start();
  const push = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) {
      pipeline.pushMessage({
        waMessageId: `in-${i}`,
        from: `4917${String(i % 100_000).padStart(8, '0')}`,
        to: '4915100000000',
        body: `inbound message ${i}: where is my order?`,
        timestamp: new Date(),
      });
    }
  };
  push(0, WAVE); // warm-up wave: JIT, rule cache, connections
  await pipeline.drain();
  const t1 = process.hrtime.bigint();
  for (let at = WAVE; at < WAVE + TOTAL; at += WAVE) {
    push(at, WAVE);
    await pipeline.drain();
  }
  const rate = TOTAL / (Number(process.hrtime.bigint() - t1) / 1e9);
  await pipeline.stop();
  await flushLogger(log);

  const stored = await direct.query<{ n: number; distinct_ids: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT wa_message_id)::int AS distinct_ids FROM message_logs
     WHERE tenant_id = $1 AND wa_message_id LIKE 'in-%'`,
    [tenantId],
  );
  const { n, distinct_ids } = stored.rows[0]!;
  if (n !== TOTAL + WAVE || distinct_ids !== n)
    throw new Error(`stored ${n} rows (${distinct_ids} distinct)`);
  console.log(
    `stored ${n} messages once each; pipeline ${rate.toFixed(0)}/s, single-row pg ${baselineRate.toFixed(0)}/s`,
  );
  report({
    metric: 'ingest.inbound_per_second',
    value: rate,
    unit: 'msg/s',
    baseline: baselineRate,
    baselineLabel: 'single-row INSERTs through pg, one connection',
    target: 2_000,
    compare: '>=',
  });
  await db.$disconnect();
  await direct.end();
} finally {
  await database.stop();
  rmSync(tmp, { recursive: true, force: true });
}
