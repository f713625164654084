// The migrated schema enforces tenant ownership: NOT NULL tenant_id, unique WhatsApp message ids per
// tenant and direction, and ON DELETE CASCADE from tenants to everything they own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbClient, isUniqueViolation, type DbClient } from '../src/index.ts';
import { createMigratedTestDatabase, type TestDatabase } from '../src/testing.ts';
import { query } from './helpers.ts';

let tdb: TestDatabase;
let db: DbClient;

beforeAll(async () => {
  tdb = await createMigratedTestDatabase();
  db = createDbClient(tdb.url, { poolSize: 2 });
});

afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const newTenant = (slug = `t-${randomUUID().slice(0, 8)}`) =>
  db.tenant.create({ data: { slug, name: slug } });

const message = (tenantId: string, waMessageId: string | null) => ({
  tenantId,
  direction: 'IN' as const,
  fromNumber: '+15550001',
  toNumber: '+15550002',
  body: 'hello',
  status: 'RECEIVED' as const,
  waMessageId,
});

describe('schema', () => {
  it('refuses a message_logs row without a tenant (NOT NULL tenant_id)', async () => {
    const err = await query(
      tdb.url,
      `INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, status, updated_at)
       VALUES (gen_random_uuid(), NULL, 'IN', '+1', '+2', 'x', 'RECEIVED', now())`,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23502', column: 'tenant_id' }); // not_null_violation
  });

  it('refuses a message_logs row whose tenant does not exist (FK)', async () => {
    const err = await query(
      tdb.url,
      `INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, status, updated_at)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'IN', '+1', '+2', 'x', 'RECEIVED', now())`,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23503' }); // foreign_key_violation
  });

  it('refuses a duplicate (tenant, direction, waMessageId) with P2002', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await db.messageLog.create({ data: message(a.id, 'wamid.1') });
    const err = await db.messageLog.create({ data: message(a.id, 'wamid.1') }).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(err).toMatchObject({ code: 'P2002' });

    // same id in the other direction, or for another tenant, is fine; NULL ids never collide
    await db.messageLog.create({ data: { ...message(a.id, 'wamid.1'), direction: 'OUT' } });
    await db.messageLog.create({ data: message(b.id, 'wamid.1') });
    await db.messageLog.create({ data: message(a.id, null) });
    await db.messageLog.create({ data: message(a.id, null) });
    expect(await db.messageLog.count({ where: { tenantId: a.id } })).toBe(4);
  });

  it('deleting a tenant removes everything it owns and keeps its audit trail', async () => {
    const keep = await newTenant();
    const gone = await newTenant();
    const user = await db.user.create({
      data: { email: `u-${randomUUID()}@example.test`, name: 'U', passwordHash: 'x' },
    });
    for (const t of [keep, gone]) {
      await db.messageLog.create({ data: message(t.id, `wamid.${t.id}`) });
      await db.workerProcess.create({ data: { tenantId: t.id, pm2Name: `wa-${t.slug}` } });
      await db.whatsAppSession.create({ data: { tenantId: t.id } });
      await db.membership.create({ data: { userId: user.id, tenantId: t.id, role: 'OPERATOR' } });
      await db.autoReplyRule.create({
        data: { tenantId: t.id, name: 'r', matchType: 'DEFAULT', reply: 'hi' },
      });
      await db.setupRequest.create({ data: { tenantId: t.id, userId: user.id, notes: 'n' } });
      await db.messageStatHourly.create({
        data: { tenantId: t.id, hour: new Date('2026-01-01T10:00:00Z'), inbound: 1 },
      });
      await db.auditLog.create({
        data: { actor: 'system:test', tenantId: t.id, tenantSlug: t.slug, action: 'x' },
      });
    }

    await db.tenant.delete({ where: { id: gone.id } });

    const counts = async (tenantId: string) => [
      await db.messageLog.count({ where: { tenantId } }),
      await db.workerProcess.count({ where: { tenantId } }),
      await db.whatsAppSession.count({ where: { tenantId } }),
      await db.membership.count({ where: { tenantId } }),
      await db.autoReplyRule.count({ where: { tenantId } }),
      await db.setupRequest.count({ where: { tenantId } }),
      await db.messageStatHourly.count({ where: { tenantId } }),
    ];
    expect(await counts(gone.id)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(await counts(keep.id)).toEqual([1, 1, 1, 1, 1, 1, 1]);

    // the user survives; the audit row survives with tenant_id cleared and the slug kept
    expect(await db.user.count({ where: { id: user.id } })).toBe(1);
    const audit = await db.auditLog.findMany({ where: { tenantSlug: gone.slug } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.tenantId).toBeNull();
  });
});
