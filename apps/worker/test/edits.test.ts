import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import {
  createSuite,
  createTenant,
  network,
  readLog,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  type Suite,
  type WorkerProcess,
} from './helpers.ts';

let suite: Suite;

beforeAll(async () => {
  suite = await createSuite();
});

afterAll(async () => {
  await suite?.close();
});

/** A worker process for a new simulator tenant, linked. */
async function linkedWorker(extra: Record<string, string> = {}) {
  const tenant = await createTenant(suite);
  const worker = spawnWorker(suite, tenantEnv(tenant.id, extra));
  await waitForSessionState(suite, tenant.id, 'CONNECTED');
  return { tenant, worker };
}

async function stop(worker: WorkerProcess) {
  worker.kill('SIGINT');
  await worker.exited;
}

function inboundRow(tenantId: string, waMessageId: string) {
  return suite.db.messageLog.findFirst({
    where: { tenantId, direction: 'IN', waMessageId },
    include: { edits: { orderBy: { editedAt: 'asc' } } },
  });
}

/** Rows whose words match `word` (the full-text column the message search reads). */
async function searchIds(tenantId: string, word: string): Promise<string[]> {
  const rows = await suite.db.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM message_logs
    WHERE tenant_id = ${tenantId}::uuid AND body_tsv @@ to_tsquery('simple', ${`${word}:*`})`;
  return rows.map((r) => r.id);
}

describe('edits and deletions of inbound messages (real worker, simulator network)', () => {
  it('an edit replaces the text and keeps the earlier one with its time, once; a deletion marks it and keeps the content', async () => {
    const { tenant, worker } = await linkedWorker();
    const phone = network(suite);
    const { waMessageId } = await phone.deliverInbound(tenant.id, {
      from: '15557770001',
      text: 'table for two',
    });
    const stored = await waitFor('message stored', () => inboundRow(tenant.id, waMessageId));
    expect(stored).toMatchObject({ body: 'table for two', editedAt: null, deletedAt: null, edits: [] });

    const first = await phone.deliverEdit(tenant.id, { waMessageId, text: 'table for three' });
    const edited = await waitFor('first edit applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.body === 'table for three' ? r : undefined;
    });
    const firstAt = Number(first.entryId.split('-')[0]);
    expect(edited.editedAt?.getTime()).toBe(firstAt);
    expect(edited.edits.map((e) => [e.previousBody, e.editedAt.getTime()])).toEqual([
      ['table for two', firstAt],
    ]);
    // The search follows the text: the new word finds the row, the replaced one no longer does.
    expect(await searchIds(tenant.id, 'three')).toEqual([stored.id]);
    expect(await searchIds(tenant.id, 'two')).toEqual([]);

    await phone.deliverEdit(tenant.id, { waMessageId, text: 'table for four' });
    const twice = await waitFor('second edit applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.body === 'table for four' ? r : undefined;
    });
    expect(twice.edits.map((e) => e.previousBody)).toEqual(['table for two', 'table for three']);

    await phone.deliverRevoke(tenant.id, { waMessageId });
    const deleted = await waitFor('deletion applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.deletedAt ? r : undefined;
    });
    // keep (the default): marked deleted, its text and history still there for the tenant.
    expect(deleted.body).toBe('table for four');
    expect(deleted.edits).toHaveLength(2);
    // An edit after the deletion changes nothing (WhatsApp cannot edit a deleted message either); a
    // later message proves the worker went on past it.
    await phone.deliverEdit(tenant.id, { waMessageId, text: 'table for nine' });
    const next = await phone.deliverInbound(tenant.id, { from: '15557770001', text: 'and a dog' });
    await waitFor('later message stored', () => inboundRow(tenant.id, next.waMessageId));
    const final = await inboundRow(tenant.id, waMessageId);
    expect(final).toMatchObject({ body: 'table for four', deletedAt: deleted.deletedAt });
    expect(final!.edits).toHaveLength(2);
    const log = readLog(suite.logDir, tenant.slug);
    expect(log.filter((l) => l.msg === 'inbound message edited')).toHaveLength(2);
    expect(log.filter((l) => l.msg === 'inbound message deleted for everyone')).toHaveLength(1);
    await stop(worker);
  });

  it('the same edit and deletion delivered twice (a replay) give one history entry and one deletion time', async () => {
    const { tenant, worker } = await linkedWorker();
    const phone = network(suite);
    const { waMessageId } = await phone.deliverInbound(tenant.id, {
      from: '15557770002',
      text: 'order 12 pizzas',
    });
    await waitFor('message stored', () => inboundRow(tenant.id, waMessageId));
    const edit = await phone.deliverEdit(tenant.id, { waMessageId, text: 'order 13 pizzas' });
    const edited = await waitFor('edit applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.body === 'order 13 pizzas' ? r : undefined;
    });
    await phone.deliverRevoke(tenant.id, { waMessageId });
    const deleted = await waitFor('deletion applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.deletedAt ? r : undefined;
    });

    // The same two changes delivered again (a re-sent event; here new inbox entries, so a later time).
    await phone.deliverEdit(tenant.id, { waMessageId, text: 'order 13 pizzas' });
    await phone.deliverRevoke(tenant.id, { waMessageId });
    const marker = await phone.deliverInbound(tenant.id, { from: '15557770002', text: 'done' });
    await waitFor('marker stored', () => inboundRow(tenant.id, marker.waMessageId));
    const after = await inboundRow(tenant.id, waMessageId);
    // One entry for the text before the edit; the deletion time is the first one's.
    expect(after!.edits.map((e) => e.previousBody)).toEqual(['order 12 pizzas']);
    expect(after!.editedAt).toEqual(edited.editedAt);
    expect(after!.editedAt?.getTime()).toBe(Number(edit.entryId.split('-')[0]));
    expect(after!.deletedAt).toEqual(deleted.deletedAt);
    await stop(worker);
  });

  it('DELETED_MESSAGE_CONTENT=remove: the deleted message is kept as a marked row with no text and no history', async () => {
    const { tenant, worker } = await linkedWorker({ DELETED_MESSAGE_CONTENT: 'remove' });
    const phone = network(suite);
    const { waMessageId } = await phone.deliverInbound(tenant.id, {
      from: '15557770003',
      text: 'my secret code',
    });
    await waitFor('message stored', () => inboundRow(tenant.id, waMessageId));
    await phone.deliverEdit(tenant.id, { waMessageId, text: 'my secret code 4711' });
    await waitFor('edit applied', async () => (await inboundRow(tenant.id, waMessageId))?.edits.length === 1);
    // A second message of the same sender, not deleted: its text stays (the positive control).
    const other = await phone.deliverInbound(tenant.id, { from: '15557770003', text: 'thanks' });
    await phone.deliverRevoke(tenant.id, { waMessageId });
    const deleted = await waitFor('deletion applied', async () => {
      const r = await inboundRow(tenant.id, waMessageId);
      return r?.deletedAt ? r : undefined;
    });
    expect(deleted).toMatchObject({ body: '', fromNumber: '15557770003', type: 'TEXT' });
    expect(deleted.edits).toEqual([]);
    expect(await suite.db.messageEdit.count({ where: { messageId: deleted.id } })).toBe(0);
    expect(await searchIds(tenant.id, 'secret')).toEqual([]);
    expect(await inboundRow(tenant.id, other.waMessageId)).toMatchObject({ body: 'thanks', deletedAt: null });
    await stop(worker);
  });

  it('edits and deletions made while no worker ran are applied by the next one (backfill), with messages that arrived meanwhile', async () => {
    const tenant = await createTenant(suite);
    const phone = network(suite);
    const first = spawnWorker(suite, tenantEnv(tenant.id));
    await waitForSessionState(suite, tenant.id, 'CONNECTED');
    const before = await phone.deliverInbound(tenant.id, { from: '15557770005', text: 'two coffees' });
    await waitFor('message stored', () => inboundRow(tenant.id, before.waMessageId));
    await stop(first);

    // While stopped: the stored message is edited, a new one arrives and is edited, another is deleted.
    await phone.deliverEdit(tenant.id, { waMessageId: before.waMessageId, text: 'three coffees' });
    const meanwhile = await phone.deliverInbound(tenant.id, { from: '15557770005', text: 'and a cake' });
    await phone.deliverEdit(tenant.id, { waMessageId: meanwhile.waMessageId, text: 'and two cakes' });
    const gone = await phone.deliverInbound(tenant.id, { from: '15557770005', text: 'oops wrong chat' });
    await phone.deliverRevoke(tenant.id, { waMessageId: gone.waMessageId });
    // Nothing applied without a worker (the control for what the next one does).
    expect(await inboundRow(tenant.id, before.waMessageId)).toMatchObject({
      body: 'two coffees',
      editedAt: null,
    });

    const second = spawnWorker(suite, tenantEnv(tenant.id));
    await waitFor(
      'backfilled changes applied',
      async () =>
        (await inboundRow(tenant.id, before.waMessageId))?.body === 'three coffees' &&
        (await inboundRow(tenant.id, meanwhile.waMessageId))?.body === 'and two cakes' &&
        (await inboundRow(tenant.id, gone.waMessageId))?.deletedAt != null,
      { timeoutMs: 20_000 },
    );
    expect((await inboundRow(tenant.id, before.waMessageId))!.edits.map((e) => e.previousBody)).toEqual([
      'two coffees',
    ]);
    expect((await inboundRow(tenant.id, meanwhile.waMessageId))!.edits.map((e) => e.previousBody)).toEqual([
      'and a cake',
    ]);
    expect(await inboundRow(tenant.id, gone.waMessageId)).toMatchObject({ body: 'oops wrong chat' });
    await waitFor(
      'no change left pending',
      async () => (await suite.db.pendingMessageChange.count({ where: { tenantId: tenant.id } })) === 0,
    );
    await stop(second);
  });

  it('an edit and a deletion for a message not stored yet wait as pending rows and apply when it arrives; the worker goes on', async () => {
    const { tenant, worker } = await linkedWorker();
    const phone = network(suite);
    const early = 'false_15557770004@c.us_EARLY0001';
    await phone.deliverEdit(tenant.id, { waMessageId: early, text: 'the edited text' });
    await waitFor(
      'edit kept as pending',
      async () =>
        (await suite.db.pendingMessageChange.count({
          where: { tenantId: tenant.id, waMessageId: early },
        })) === 1,
    );
    // An id that never arrives: kept too, and the worker keeps storing other messages.
    await phone.deliverRevoke(tenant.id, { waMessageId: 'false_15557770004@c.us_NEVER0001' });
    const ordinary = await phone.deliverInbound(tenant.id, { from: '15557770004', text: 'unrelated' });
    await waitFor('ordinary message stored', () => inboundRow(tenant.id, ordinary.waMessageId));
    expect(await suite.db.pendingMessageChange.count({ where: { tenantId: tenant.id } })).toBe(2);

    await phone.deliverInbound(tenant.id, { from: '15557770004', text: 'the first text', id: early });
    const applied = await waitFor('pending edit applied', async () => {
      const r = await inboundRow(tenant.id, early);
      return r?.body === 'the edited text' ? r : undefined;
    });
    expect(applied.edits.map((e) => e.previousBody)).toEqual(['the first text']);
    const left = await suite.db.pendingMessageChange.findMany({ where: { tenantId: tenant.id } });
    expect(left.map((p) => [p.waMessageId, p.kind])).toEqual([
      ['false_15557770004@c.us_NEVER0001', 'REVOKE'],
    ]);
    const log = readLog(suite.logDir, tenant.slug);
    expect(
      log.filter((l) => String(l.msg).startsWith('edit or deletion for a message not stored')),
    ).toHaveLength(2);
    expect(log.some((l) => l.level === 'fatal' || l.level === 60)).toBe(false);
    expect(worker.child.exitCode).toBeNull();
    await stop(worker);
  });
});
