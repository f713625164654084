// Followed log streams (SSE) hold a file watcher and a socket each: capped per caller and in total,
// answered 429 with the reason, and a closed stream frees its slot. Real HTTP on a real port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let address: string;

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, { LOG_STREAM_MAX_PER_CALLER: '2', LOG_STREAM_MAX_TOTAL: '3' });
  await createTenant(stack.db, 'followed');
  await createUser(stack.db, 'root-a@platform.test', [{ tenantId: null, role: 'SUPER_ADMIN' }]);
  await createUser(stack.db, 'root-b@platform.test', [{ tenantId: null, role: 'SUPER_ADMIN' }]);
  address = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

interface Opened {
  status: number;
  error?: { code: string; message: string };
  close(): void;
}

/** Opens a stream; a 200 is read until the server's first comment, so the slot is surely taken. */
async function openStream(headers: Record<string, string>): Promise<Opened> {
  const controller = new AbortController();
  const res = await fetch(`${address}/admin/tenants/followed/logs/stream`, {
    headers,
    signal: controller.signal,
  });
  if (res.status !== 200) {
    const body = (await res.json()) as { error: { code: string; message: string } };
    return { status: res.status, error: body.error, close: () => undefined };
  }
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain(': following');
  return { status: 200, close: () => controller.abort() };
}

describe('log stream limits', () => {
  it('refuses a caller past its own limit and everybody past the total, with 429 naming the limit', async () => {
    const asKey = [await openStream(adminHeaders), await openStream(adminHeaders)];
    expect(asKey.map((s) => s.status)).toEqual([200, 200]);
    const third = await openStream(adminHeaders);
    expect(third.status).toBe(429);
    expect(third.error?.code).toBe('RATE_LIMITED');
    expect(third.error?.message).toContain('you already follow 2 (at most 2)');

    // Another caller still gets a stream (per-caller limit), until the total of 3 is reached.
    const a = await openStream(portalHeaders('root-a@platform.test'));
    expect(a.status).toBe(200);
    const b = await openStream(portalHeaders('root-b@platform.test'));
    expect(b.status).toBe(429);
    expect(b.error?.message).toContain('the control plane serves at most 3');

    // Closing a stream frees its slot: the refused caller gets in, and so does the key again.
    asKey[0]!.close();
    const bAgain = await waitFor(
      'a freed slot',
      async () => {
        const s = await openStream(portalHeaders('root-b@platform.test'));
        return s.status === 200 ? s : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    b.close();
    bAgain.close();
    const keyAgain = await waitFor(
      'the key below its limit again',
      async () => {
        const s = await openStream(adminHeaders);
        return s.status === 200 ? s : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    for (const s of [asKey[1]!, a, keyAgain]) s.close();

    // All closed: the whole budget is back (3 streams from three callers at once).
    const all = await waitFor(
      'every slot free',
      async () => {
        const opened = [
          await openStream(adminHeaders),
          await openStream(portalHeaders('root-a@platform.test')),
          await openStream(portalHeaders('root-b@platform.test')),
        ];
        if (opened.every((s) => s.status === 200)) return opened;
        for (const s of opened) s.close();
        return undefined;
      },
      { timeoutMs: 5_000, intervalMs: 200 },
    );
    for (const s of all) s.close();
  });
});
