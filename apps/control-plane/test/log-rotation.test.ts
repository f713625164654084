// A tenant log renamed (logrotate without copytruncate) and then deleted under a running worker: the
// same worker process goes on logging into a new file at the path, and the admin API's tail shows it.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { isAlive, waitForStatus, workerEnv } from './worker-helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
let logFile: string;

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, { driver: stack.driver }, workerEnv());
  tenantId = (await createTenant(stack.db, 'logrot')).id;
  logFile = path.join(stack.logDir, 'logrot.log');
});

afterAll(async () => {
  await app?.close();
  await stack?.driver.killDaemon();
  await stack?.cleanup();
});

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

let sent = 0;
/** One simulated inbound message: the worker logs "inbound message stored" for it. */
async function inbound(): Promise<string> {
  const text = `rotation probe ${++sent}`;
  const res = await app.inject({
    method: 'POST',
    url: '/admin/tenants/logrot/simulate',
    headers: adminHeaders,
    payload: { type: 'inbound', from: '4915100000001', text },
  });
  expect(res.statusCode).toBe(202);
  return text;
}

/** Sends messages until the worker has written a stored-message line into a (new) file at the path. */
async function waitForLoggingAt(file: string): Promise<void> {
  await waitFor(
    `the worker to write ${path.basename(file)} again`,
    async () => {
      await inbound();
      await new Promise((r) => setTimeout(r, 250));
      return lines(file).some((l) => l.msg === 'inbound message stored');
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

async function tail() {
  const res = await app.inject({
    method: 'GET',
    url: '/admin/tenants/logrot/logs?lines=20',
    headers: adminHeaders,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ lines: Record<string, unknown>[] }>();
}

describe('tenant log renamed and deleted under a running worker', () => {
  it('logging continues in a new file, in the same process, and the tail reads it', async () => {
    const start = await app.inject({
      method: 'POST',
      url: '/admin/tenants/logrot/worker/start',
      headers: adminHeaders,
    });
    expect(start.statusCode).toBe(202);
    const { pid } = await waitForStatus(stack.db, tenantId, 'RUNNING', 20_000);
    await waitFor('the session to connect', () => lines(logFile).some((l) => l.msg === 'session connected'), {
      timeoutMs: 20_000,
    });
    // Positive control: before anything is moved, messages are logged at the path.
    await waitForLoggingAt(logFile);

    renameSync(logFile, `${logFile}.rotated`);
    expect(existsSync(logFile)).toBe(false);
    await waitForLoggingAt(logFile);
    const rotated = lines(`${logFile}.rotated`);
    expect(rotated.some((l) => l.msg === 'session connected')).toBe(true);
    const afterRename = await tail();
    expect(afterRename.lines.some((l) => l.msg === 'inbound message stored' && l.tenant === 'logrot')).toBe(
      true,
    );

    rmSync(logFile);
    await waitForLoggingAt(logFile);
    const afterDelete = await tail();
    expect(afterDelete.lines.length).toBeGreaterThan(0);
    expect(afterDelete.lines.every((l) => l.tenant === 'logrot' && l.pid === pid)).toBe(true);
    expect(afterDelete.lines.some((l) => l.msg === 'inbound message stored')).toBe(true);

    // The same process did all of it: no restart hid the problem.
    expect(pid).not.toBeNull();
    expect(isAlive(pid!)).toBe(true);
    const row = await waitForStatus(stack.db, tenantId, 'RUNNING');
    expect(row.pid).toBe(pid);
    const stop = await app.inject({
      method: 'POST',
      url: '/admin/tenants/logrot/worker/stop',
      headers: adminHeaders,
    });
    expect(stop.statusCode).toBe(202);
    await waitForStatus(stack.db, tenantId, 'STOPPED', 20_000);
  });
});
