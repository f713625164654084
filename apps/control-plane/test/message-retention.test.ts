import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceLogger } from '@wa-fleet/logger';
import { runRetention } from '../src/services/message-retention.ts';
import { createTenant, createTestStack, type TestStack } from './helpers.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => {
  await stack.cleanup();
});

async function insertMessage(tenantId: string, body: string, status: string, daysAgo: number) {
  await stack.db.$executeRaw`
    INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, status, created_at, updated_at)
    VALUES (gen_random_uuid(), ${tenantId}::uuid, 'OUT', '', '4915112345678', ${body}, ${status}::"MessageStatus",
            now() - make_interval(days => ${daysAgo}::int), now())`;
}

describe('message retention', () => {
  it('deletes rows older than the retention, keeps recent and QUEUED ones and the hourly statistics', async () => {
    const acme = await createTenant(stack.db, 'retain-acme');
    const beta = await createTenant(stack.db, 'retain-beta');
    for (let i = 0; i < 7; i++) await insertMessage(acme.id, `old ${i}`, 'READ', 100);
    await insertMessage(beta.id, 'old beta', 'FAILED', 45);
    await insertMessage(acme.id, 'old but never sent', 'QUEUED', 100);
    await insertMessage(acme.id, 'recent', 'SENT', 2);
    await stack.db.messageStatHourly.create({
      data: { tenantId: acme.id, hour: new Date(Date.now() - 100 * 86_400_000), outbound: 7 },
    });
    const log = await createServiceLogger({ service: 'test', stdout: false });

    expect(await runRetention(stack.db, 30, log)).toBe(8);

    const left = await stack.db.messageLog.findMany({ orderBy: { body: 'asc' }, select: { body: true } });
    expect(left.map((m) => m.body)).toEqual(['old but never sent', 'recent']);
    expect(await stack.db.messageStatHourly.count({ where: { tenantId: acme.id } })).toBe(1);
    const audit = await stack.db.auditLog.findMany({ where: { action: 'messages.pruned' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toEqual({ deleted: 8, olderThanDays: 30 });

    // A second pass finds nothing and writes no audit entry; 0 days means "keep everything".
    expect(await runRetention(stack.db, 30, log)).toBe(0);
    expect(await runRetention(stack.db, 0, log)).toBe(0);
    expect(await stack.db.auditLog.count({ where: { action: 'messages.pruned' } })).toBe(1);
    expect(await stack.db.messageLog.count()).toBe(2);
  });
});
