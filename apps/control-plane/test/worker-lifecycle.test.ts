import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import type { Pm2Driver } from '../src/services/pm2-driver.ts';
import { adminHeaders, buildTestApp, createTenant, createTestStack, type TestStack } from './helpers.ts';
import { isAlive, waitForStatus, workerEnv, workerRow } from './worker-helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let pm2: Pm2Driver;
let tenantId: string;

beforeAll(async () => {
  stack = await createTestStack();
  pm2 = stack.driver;
  app = await buildTestApp(stack, { driver: pm2 }, workerEnv());
  tenantId = (await createTenant(stack.db, 'lifecycle')).id;
});

afterAll(async () => {
  await app?.close();
  await pm2?.killDaemon();
  await stack?.cleanup();
});

async function act(action: 'start' | 'stop' | 'restart') {
  const res = await app.inject({
    method: 'POST',
    url: `/admin/tenants/lifecycle/worker/${action}`,
    headers: adminHeaders,
  });
  expect(res.statusCode).toBe(202);
  return res.json().status as string;
}

async function onlinePid(): Promise<number> {
  return waitFor('PM2 app online with a pid', async () => {
    const proc = await pm2.find(workerAppName('lifecycle'));
    return proc?.state === 'running' && proc.pid ? proc.pid : undefined;
  });
}

describe('worker lifecycle through PM2', () => {
  let firstPid: number;

  it('start: RUNNING within 10 s with a live pid in PM2, writing timestamped PM2 logs', async () => {
    expect(await act('start')).toBe('STARTING');
    const row = await waitForStatus(stack.db, tenantId, 'RUNNING', 10_000);
    firstPid = await onlinePid();
    expect(isAlive(firstPid)).toBe(true);
    expect(row.pid).toBe(firstPid);
    expect(row.lastHeartbeatAt).not.toBeNull();
    // PM2's stdout file gets a millisecond timestamp on every line; the tenant log is JSON lines.
    const outFile = path.join(stack.logDir, 'pm2', `${workerAppName('lifecycle')}-out.log`);
    const outLines = await waitFor('PM2 stdout lines', () => {
      const text = existsSync(outFile) ? readFileSync(outFile, 'utf8').trim() : '';
      return text ? text.split('\n') : undefined;
    });
    for (const l of outLines) expect(l).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}/);
    // a second start is a no-op, not a second process
    expect(await act('start')).toBe('RUNNING');
    expect(await onlinePid()).toBe(firstPid);
  });

  it('restart: a new pid, the old one gone', async () => {
    await act('restart');
    const newPid = await waitFor('a new pid', async () => {
      const row = await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId } });
      return row.status === 'RUNNING' && row.pid && row.pid !== firstPid ? row.pid : undefined;
    });
    expect(await onlinePid()).toBe(newPid);
    expect(isAlive(firstPid)).toBe(false);
    firstPid = newPid;
  });

  it('stop: STOPPED, and that pid is gone', async () => {
    expect(await act('stop')).toBe('STOPPING');
    const row = await waitForStatus(stack.db, tenantId, 'STOPPED', 10_000);
    expect(row.pid).toBeNull();
    await waitFor('pid gone', () => !isAlive(firstPid));
    await waitFor(
      'app removed from PM2',
      async () => (await pm2.find(workerAppName('lifecycle'))) === undefined,
    );
    await app.workers.settle();
    expect((await workerRow(stack.db, tenantId)).status).toBe('STOPPED');
  });

  it('audits every action', async () => {
    const actions = (
      await stack.db.auditLog.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })
    ).map((a) => a.action);
    expect(actions).toEqual(['worker.start', 'worker.start', 'worker.restart', 'worker.stop']);
  });
});
