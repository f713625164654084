// The message list's keyset paging and full-text search, and the streamed CSV export, against a real
// database: what a tenant user sees in the list and in the downloaded file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

interface Item {
  id: string;
  body: string;
  type: string;
  from: string;
  direction: string;
  status: string;
  createdAt: string;
  highlights?: { start: number; end: number }[];
}
interface PageBody {
  items: Item[];
  nextCursor: string | null;
}

let stack: TestStack;
let app: FastifyInstance;
const tenants = { a: '', b: '', c: '' };
/** Bulk rows of tenant A (besides the named ones below). */
const BULK = 1_200;
const SPECIAL = [
  'comma, inside',
  'say "hi"',
  'two\nlines',
  '=SUM(A1:A9)',
  '+4915550009 call me',
  '-1 for this',
  '@everyone look',
];
/** An image as the worker stores it: WhatsApp's caption is the row's body (and in meta). */
const CAPTION = 'Cracked crate lid, see photo';
/** Named rows of tenant A, newest last; created one second apart after the bulk rows. */
const NAMED: { from: string; body: string; direction: string; image?: true }[] = [
  { from: '4915550006', body: 'cracked, cracked, cracked: the whole crate arrived cracked', direction: 'IN' },
  { from: '4915550006', body: CAPTION, direction: 'IN', image: true },
  { from: '4915550003', body: 'Pizza, pizza and more pizza: the best pizza in town', direction: 'IN' },
  { from: '4915550002', body: 'Where is my order?', direction: 'IN' },
  { from: '4915550001', body: 'Do you deliver pizza tonight?', direction: 'IN' },
  ...SPECIAL.map((body) => ({ from: '4915550004', body, direction: 'OUT' })),
];
const TOTAL_A = BULK + NAMED.length;

async function get(url: string, email = 'viewer@a.test') {
  return app.inject({ method: 'GET', url, headers: portalHeaders(email) });
}

async function page(url: string, email?: string): Promise<PageBody> {
  const res = await get(url, email);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PageBody>();
}

/** RFC 4180 reader: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else cell += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, { MESSAGE_EXPORT_MAX_ROWS: String(TOTAL_A) });
  for (const side of ['a', 'b', 'c'] as const) {
    const tenant = await createTenant(stack.db, `search-${side}`);
    tenants[side] = tenant.id;
    await createUser(stack.db, `viewer@${side}.test`, [{ tenantId: tenant.id, role: 'VIEWER' }]);
  }
  // Bulk rows of A: a third OUT/DELIVERED, the rest IN/RECEIVED; one minute apart, an hour ago and older.
  await stack.db.$executeRaw`
    INSERT INTO message_logs (id, tenant_id, direction, from_number, to_number, body, status, created_at, updated_at)
    SELECT gen_random_uuid(), ${tenants.a}::uuid,
           (CASE WHEN i % 3 = 0 THEN 'OUT' ELSE 'IN' END)::"MessageDirection",
           '49170' || lpad(i::text, 6, '0'), '4915100000000', 'bulk message number ' || i,
           (CASE WHEN i % 3 = 0 THEN 'DELIVERED' ELSE 'RECEIVED' END)::"MessageStatus",
           now() - interval '1 hour' - i * interval '1 minute', now()
    FROM generate_series(1, ${BULK}) i`;
  for (const [i, m] of NAMED.entries()) {
    await stack.db.messageLog.create({
      data: {
        tenantId: tenants.a,
        direction: m.direction as 'IN' | 'OUT',
        fromNumber: m.from,
        toNumber: '4915100000000',
        body: m.body,
        ...(m.image
          ? {
              type: 'IMAGE' as const,
              meta: { caption: m.body, mimeType: 'image/jpeg' },
              mediaMime: 'image/jpeg',
            }
          : {}),
        status: m.direction === 'IN' ? 'RECEIVED' : 'SENT',
        createdAt: new Date(Date.now() - 60_000 + i * 1_000),
      },
    });
  }
  await stack.db.messageLog.create({
    data: {
      tenantId: tenants.b,
      direction: 'IN',
      fromNumber: '4915550001',
      toNumber: '4915100000000',
      body: 'pizza pizza pizza pizza from tenant b',
      status: 'RECEIVED',
    },
  });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('message list', () => {
  it('pages newest first through every row with keyset cursors; filters and date range narrow it', async () => {
    const seen: Item[] = [];
    let cursor: string | null = null;
    do {
      const body: PageBody = await page(
        `/portal/tenant/current/logs?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(TOTAL_A);
    expect(new Set(seen.map((m) => m.id)).size).toBe(TOTAL_A);
    expect(seen[0]!.body).toBe(SPECIAL.at(-1));
    const times = seen.map((m) => m.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect(seen.some((m) => m.highlights !== undefined)).toBe(false);

    const outDelivered = await page('/portal/tenant/current/logs?direction=OUT&status=DELIVERED&limit=200');
    expect(outDelivered.items).toHaveLength(200);
    expect(outDelivered.items.every((m) => m.direction === 'OUT' && m.status === 'DELIVERED')).toBe(true);
    const rest = await page(
      `/portal/tenant/current/logs?direction=OUT&status=DELIVERED&limit=200&cursor=${outDelivered.nextCursor}`,
    );
    expect(rest.items).toHaveLength(BULK / 3 - 200);
    expect(rest.nextCursor).toBeNull();

    // [from, to) from bulk row 20 (inclusive) to bulk row 10 (exclusive): rows 11..20, newest first.
    const bulk = seen.filter((m) => m.body.startsWith('bulk'));
    const newest = bulk[9]!.createdAt;
    const oldest = bulk[19]!.createdAt;
    const ranged = await page(`/portal/tenant/current/logs?from=${oldest}&to=${newest}`);
    expect(ranged.items.map((m) => m.body)).toEqual(
      Array.from({ length: 10 }, (_, k) => `bulk message number ${11 + k}`),
    );
  });

  it('a malformed cursor is a 400 naming the cursor', async () => {
    const res = await get('/portal/tenant/current/logs?cursor=bm9wZQ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('cursor');
  });
});

describe('full-text search', () => {
  it("finds words by their start, best match first with highlights, never another tenant's rows", async () => {
    const found = await page('/portal/tenant/current/logs?q=pizza');
    expect(found.items.map((m) => m.body)).toEqual([
      'Pizza, pizza and more pizza: the best pizza in town',
      'Do you deliver pizza tonight?',
    ]);
    for (const m of found.items) {
      expect(m.highlights!.length).toBeGreaterThan(0);
      for (const h of m.highlights!) expect(m.body.slice(h.start, h.end).toLowerCase()).toBe('pizza');
    }
    expect(found.items[0]!.highlights).toHaveLength(4);
    // Positive control: tenant B's own search finds B's row, and A's search above did not.
    const b = await page('/portal/tenant/current/logs?q=pizza', 'viewer@b.test');
    expect(b.items.map((m) => m.body)).toEqual(['pizza pizza pizza pizza from tenant b']);

    // Every word must match, each as the start of a word, case-insensitively.
    const prefix = await page('/portal/tenant/current/logs?q=DELIV%20toni');
    expect(prefix.items.map((m) => m.body)).toEqual(['Do you deliver pizza tonight?']);
    expect(prefix.items[0]!.highlights!.map((h) => prefix.items[0]!.body.slice(h.start, h.end))).toEqual([
      'deliver',
      'tonight',
    ]);
    expect((await page('/portal/tenant/current/logs?q=izza')).items).toHaveLength(0);

    // sort=newest keeps the search but orders by time (the better match is the older one).
    const newest = await page('/portal/tenant/current/logs?q=pizza&sort=newest');
    expect(newest.items.map((m) => m.body)).toEqual([
      'Do you deliver pizza tonight?',
      'Pizza, pizza and more pizza: the best pizza in town',
    ]);
  });

  it('pages search results by rank without repeats; a cursor of another order is a 400', async () => {
    const first = await page('/portal/tenant/current/logs?q=pizza&limit=1');
    expect(first.items[0]!.body).toContain('best pizza');
    const second = await page(`/portal/tenant/current/logs?q=pizza&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((m) => m.body)).toEqual(['Do you deliver pizza tonight?']);
    expect(second.nextCursor).toBeNull();

    const mixed = await get(`/portal/tenant/current/logs?q=pizza&sort=newest&cursor=${first.nextCursor}`);
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.message).toContain('cursor');
    const nothing = await get('/portal/tenant/current/logs?q=%21%21%21');
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json().error.message).toContain('querystring/q');
  });

  it("finds a word of an image's caption and of a text, the better match first, never another tenant's", async () => {
    // Tenant C has an image with the same caption words.
    await stack.db.messageLog.create({
      data: {
        tenantId: tenants.c,
        direction: 'IN',
        fromNumber: '4915550006',
        toNumber: '4915100000000',
        type: 'IMAGE',
        body: 'cracked crate lid from tenant c',
        meta: { caption: 'cracked crate lid from tenant c', mimeType: 'image/jpeg' },
        status: 'RECEIVED',
      },
    });
    // "lid" and "photo" are only in the caption: the image is found, with the word marked in its caption.
    const caption = await page('/portal/tenant/current/logs?q=photo');
    expect(caption.items.map((m) => [m.body, m.type])).toEqual([[CAPTION, 'IMAGE']]);
    const h = caption.items[0]!.highlights!;
    expect(h.map((r) => CAPTION.slice(r.start, r.end))).toEqual(['photo']);
    // "whole" is only in the text.
    expect((await page('/portal/tenant/current/logs?q=whole')).items.map((m) => m.body)).toEqual([
      NAMED[0]!.body,
    ]);
    // Both hold "cracked": the older text that says it four times ranks above the newer caption that says
    // it once; sort=newest (the control) puts them the other way round.
    const cracked = await page('/portal/tenant/current/logs?q=cracked');
    expect(cracked.items.map((m) => m.body)).toEqual([NAMED[0]!.body, CAPTION]);
    const byTime = await page('/portal/tenant/current/logs?q=cracked&sort=newest');
    expect(byTime.items.map((m) => m.body)).toEqual([CAPTION, NAMED[0]!.body]);
    // All words required: "crate lid" is only the caption (the text has "crate" but no "lid").
    expect((await page('/portal/tenant/current/logs?q=crate%20lid')).items.map((m) => m.body)).toEqual([
      CAPTION,
    ]);
    // Equal matches: newest first.
    expect((await page('/portal/tenant/current/logs?q=crate')).items.map((m) => m.body)).toEqual([
      CAPTION,
      NAMED[0]!.body,
    ]);
    // Tenant C's row never shows in A's results; positive control: C's own search finds it.
    for (const q of ['photo', 'cracked', 'crate%20lid']) {
      const a = await page(`/portal/tenant/current/logs?q=${q}`);
      expect(a.items.some((m) => m.body.includes('tenant c'))).toBe(false);
    }
    const c = await page('/portal/tenant/current/logs?q=crate%20lid', 'viewer@c.test');
    expect(c.items.map((m) => m.body)).toEqual(['cracked crate lid from tenant c']);
  });

  it('finds a phone number by some of its digits, written any way', async () => {
    const byNumber = await page('/portal/tenant/current/logs?q=%2B49%201555%200001');
    expect(byNumber.items.map((m) => m.body)).toEqual(['Do you deliver pizza tonight?']);
    expect(byNumber.items[0]!.highlights).toEqual([]);
    const partial = await page('/portal/tenant/current/logs?q=5550002');
    expect(partial.items.map((m) => m.from)).toEqual(['4915550002']);
    const b = await page('/portal/tenant/current/logs?q=5550001', 'viewer@b.test');
    expect(b.items.map((m) => m.body)).toEqual(['pizza pizza pizza pizza from tenant b']);
  });
});

describe('CSV export', () => {
  it('streams every row of the filter (past one cursor batch, exactly at the cap), quoted and defused', async () => {
    const res = await get('/portal/tenant/current/logs/export');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="messages-search-a-.*\.csv"$/);
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual([
      'time_utc',
      'direction',
      'from',
      'to',
      'status',
      'text',
      'error',
      'sent_by',
      'id',
    ]);
    const data = rows.slice(1);
    expect(data).toHaveLength(TOTAL_A);
    expect(data.every((r) => r.length === 9)).toBe(true);
    expect(data.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r[0]!))).toBe(true);
    const times = data.map((r) => r[0]!);
    expect([...times].sort().reverse()).toEqual(times);
    const texts = data.map((r) => r[5]);
    expect(texts).toContain('comma, inside');
    expect(texts).toContain('say "hi"');
    expect(texts).toContain('two\nlines');
    expect(texts).toContain("'=SUM(A1:A9)");
    expect(texts).toContain("'+4915550009 call me");
    expect(texts).toContain("'-1 for this");
    expect(texts).toContain("'@everyone look");
    expect(texts).toContain('bulk message number 1200');
    expect(res.body).not.toContain('tenant b');
    // Positive control: B's export holds B's row.
    const b = await get('/portal/tenant/current/logs/export', 'viewer@b.test');
    expect(
      parseCsv(b.body)
        .slice(1)
        .map((r) => r[5]),
    ).toEqual(['pizza pizza pizza pizza from tenant b']);
  });

  it('takes the list filters, and refuses (413, nothing sent) when more rows than the cap match; the size route says so first', async () => {
    const out = parseCsv((await get('/portal/tenant/current/logs/export?direction=OUT')).body).slice(1);
    expect(out).toHaveLength(BULK / 3 + SPECIAL.length);
    expect(out.every((r) => r[1] === 'OUT')).toBe(true);
    const searched = parseCsv((await get('/portal/tenant/current/logs/export?q=pizza')).body).slice(1);
    expect(searched.map((r) => r[5]).sort()).toEqual([
      'Do you deliver pizza tonight?',
      'Pizza, pizza and more pizza: the best pizza in town',
    ]);
    // Exactly at the cap it fits (the page asks this before it starts the download).
    const size = (url: string, email?: string) =>
      get(`/portal/tenant/current/logs/export/size${url}`, email).then((r) =>
        r.json<{ fits: boolean; maxRows: number }>(),
      );
    expect(await size('')).toEqual({ fits: true, maxRows: TOTAL_A });

    await stack.db.messageLog.create({
      data: {
        tenantId: tenants.a,
        direction: 'IN',
        fromNumber: '4915550005',
        toNumber: '4915100000000',
        body: 'one past the cap',
        status: 'RECEIVED',
      },
    });
    const over = await get('/portal/tenant/current/logs/export');
    expect(over.statusCode).toBe(413);
    expect(over.json().error.code).toBe('EXPORT_TOO_LARGE');
    expect(over.json().error.message).toContain(`more than ${TOTAL_A}`);
    expect(over.headers['content-type']).toContain('application/json');
    expect(await size('')).toEqual({ fits: false, maxRows: TOTAL_A });
    // Only the own tenant's rows count: B's one row fits.
    expect(await size('', 'viewer@b.test')).toEqual({ fits: true, maxRows: TOTAL_A });
    // A narrower filter still exports.
    expect((await get('/portal/tenant/current/logs/export?direction=IN')).statusCode).toBe(200);
    expect(await size('?direction=IN')).toEqual({ fits: true, maxRows: TOTAL_A });
    const bad = await get('/portal/tenant/current/logs/export?direction=SIDEWAYS');
    expect(bad.statusCode).toBe(400);
    const badSize = await get('/portal/tenant/current/logs/export/size?direction=SIDEWAYS');
    expect(badSize.statusCode).toBe(400);
    expect(badSize.json().error.message).toContain('direction');
  });
});
