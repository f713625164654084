import {
  appendFileSync,
  mkdirSync,
  openSync,
  closeSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { MAX_TAIL_BYTES } from '../src/services/log-tail.ts';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
const FILE_BYTES = 200 * 1024 * 1024;

function line(n: number, level: string, time: string): string {
  return `${JSON.stringify({ time, level, tenant: 'biglog', pid: 1, msg: `event ${n}` })}\n`;
}

/** 200 MB of valid JSON lines, fast: one 1 MB block of filler lines written 200 times, then distinct lines. */
function writeBigLog(file: string): void {
  const filler = line(0, 'info', '2026-01-01T00:00:00.000Z');
  const block = Buffer.from(filler.repeat(Math.floor((1024 * 1024) / filler.length)));
  const fd = openSync(file, 'w');
  let written = 0;
  while (written < FILE_BYTES) written += writeSync(fd, block);
  for (let n = 1; n <= 100; n++) {
    const time = new Date(Date.UTC(2026, 0, 2, 0, 0, n)).toISOString();
    writeSync(fd, line(n, n % 10 === 0 ? 'error' : 'info', time));
  }
  closeSync(fd);
}

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  tenantId = (await createTenant(stack.db, 'biglog')).id;
  await createTenant(stack.db, 'streamed');
  mkdirSync(stack.logDir, { recursive: true });
  writeBigLog(path.join(stack.logDir, 'biglog.log'));
  // Something worth stealing outside logs/.
  writeFileSync(
    path.join(stack.tmpDir, 'secret.log'),
    `${JSON.stringify({ level: 'info', msg: 'TOP SECRET' })}\n`,
  );
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

describe('log tail', () => {
  it('returns the last lines of a 200 MB file, reading a bounded number of bytes from the end', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/admin/tenants/biglog/logs?lines=20',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.fileSize).toBeGreaterThanOrEqual(FILE_BYTES);
    expect(body.lines.map((l: { msg: string }) => l.msg)).toEqual(
      Array.from({ length: 20 }, (_, i) => `event ${81 + i}`),
    );
    expect(body.bytesRead).toBeLessThanOrEqual(128 * 1024);
  });

  it('filters by level and time, still reading from the end within the cap', async () => {
    const byLevel = (
      await app.inject({
        method: 'GET',
        url: '/admin/tenants/biglog/logs?lines=5&level=error',
        headers: adminHeaders,
      })
    ).json();
    expect(byLevel.lines.map((l: { msg: string }) => l.msg)).toEqual([
      'event 60',
      'event 70',
      'event 80',
      'event 90',
      'event 100',
    ]);

    const since = (
      await app.inject({
        method: 'GET',
        url: `/admin/tenants/${tenantId}/logs?lines=500&since=2026-01-02T00:01:35.000Z`,
        headers: adminHeaders,
      })
    ).json();
    expect(since.lines.map((l: { msg: string }) => l.msg)).toEqual([
      'event 95',
      'event 96',
      'event 97',
      'event 98',
      'event 99',
      'event 100',
    ]);
    expect(since.bytesRead).toBeLessThanOrEqual(128 * 1024);

    // no fatal line anywhere: the scan stops at the byte cap, not at the start of the file
    const none = (
      await app.inject({
        method: 'GET',
        url: '/admin/tenants/biglog/logs?level=fatal',
        headers: adminHeaders,
      })
    ).json();
    expect(none.lines).toEqual([]);
    expect(none.bytesRead).toBeLessThanOrEqual(MAX_TAIL_BYTES);
    expect(none.isTruncated).toBe(true);
  });

  it.each([
    '..%2Fsecret',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f',
    '%252e%252e%252f',
    '%2Fetc%2Fpasswd',
    '%2Ftmp%2Fsecret',
    'd%D0%B5mo', // Cyrillic "е"
    'biglog%00',
    'BIGLOG',
    'biglog.log',
    'a',
  ])('tenant %s: 400, never a file outside logs/', async (tenant) => {
    for (const suffix of ['logs', 'logs/stream']) {
      const res = await app.inject({
        method: 'GET',
        url: `/admin/tenants/${tenant}/${suffix}`,
        headers: adminHeaders,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toContain('TOP SECRET');
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('a well-formed but unknown tenant is 404, not a file lookup', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/tenants/ghost/logs', headers: adminHeaders });
    expect(res.statusCode).toBe(404);
  });
});

describe('log stream', () => {
  it('follows the file live over SSE and survives rotation', async () => {
    const file = path.join(stack.logDir, 'streamed.log');
    writeFileSync(file, line(1, 'info', new Date().toISOString()));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const res = await fetch(`${address}/admin/tenants/streamed/logs/stream?level=info`, {
      headers: adminHeaders,
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let received = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })();
    await waitFor('stream opened', () => received.includes(': following'));
    appendFileSync(file, line(2, 'info', new Date().toISOString()));
    appendFileSync(file, line(3, 'debug', new Date().toISOString()));
    await waitFor('line 2', () => received.includes('event 2'));

    renameSync(file, `${file}.1`);
    writeFileSync(file, line(4, 'warn', new Date().toISOString()));
    await waitFor('line 4 from the new file', () => received.includes('event 4'), { timeoutMs: 5_000 });
    appendFileSync(file, line(5, 'error', new Date().toISOString()));
    await waitFor('line 5', () => received.includes('event 5'));

    expect(received).not.toContain('event 1'); // starts at the end
    expect(received).not.toContain('event 3'); // below the level asked for
    const events = received
      .split('\n\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => (JSON.parse(e.slice(6)) as { msg: string }).msg);
    expect(events).toEqual(['event 2', 'event 4', 'event 5']);
    controller.abort();
    await pump;
  });
});
