// DISABLED means down and closed: the running worker (real, under PM2) is stopped, the portal API
// refuses reads and writes with "tenant disabled", starts are refused; enabling restores all of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '@wa-fleet/devstack';
import { workerAppName } from '@wa-fleet/shared';
import {
  adminHeaders,
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  type TestStack,
} from './helpers.ts';
import { isAlive, waitForStatus, workerEnv } from './worker-helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
let ruleId: string;
const OWNER = 'owner@closing.test';

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, { driver: stack.driver }, workerEnv());
  tenantId = (await createTenant(stack.db, 'closing')).id;
  await createUser(stack.db, OWNER, [{ tenantId, role: 'TENANT_ADMIN' }]);
  ruleId = (
    await stack.db.autoReplyRule.create({
      data: { tenantId, name: 'hello', matchType: 'CONTAINS', pattern: 'hello', reply: 'hi' },
    })
  ).id;
});

afterAll(async () => {
  await app?.close();
  await stack?.driver.killDaemon();
  await stack?.cleanup();
});

const portal = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: portalHeaders(OWNER), ...(payload ? { payload } : {}) });
const admin = (method: 'POST' | 'PATCH', url: string, payload?: object) =>
  app.inject({ method, url, headers: adminHeaders, ...(payload ? { payload } : {}) });

/** Every portal call a tenant's users make, reads and writes. */
const PORTAL_CALLS: [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, object?][] = [
  ['status', 'GET', '/portal/tenant/current'],
  ['message log', 'GET', '/portal/tenant/current/logs'],
  ['statistics', 'GET', '/portal/tenant/current/stats'],
  ['QR', 'GET', '/portal/tenant/current/qr'],
  ['rules', 'GET', '/portal/tenant/current/auto-replies'],
  ['setup requests', 'GET', '/portal/tenant/current/setup-requests'],
  ['send', 'POST', '/portal/tenant/current/messages', { to: '4915100000001', text: 'while disabled' }],
  [
    'new rule',
    'POST',
    '/portal/tenant/current/auto-replies',
    { name: 'new', matchType: 'EXACT', pattern: 'x', reply: 'y' },
  ],
  ['setup request', 'POST', '/portal/tenant/current/setup-requests', { notes: 'while disabled' }],
  ['restart', 'POST', '/portal/tenant/current/worker/restart'],
];

async function pidOf(): Promise<number> {
  return waitFor('worker pid', async () => {
    const proc = await stack.driver.find(workerAppName('closing'));
    return proc?.state === 'running' && proc.pid ? proc.pid : undefined;
  });
}

describe('DISABLED tenant', () => {
  let messageId: string;

  it('positive control: an ACTIVE tenant reads, sends and runs its worker', async () => {
    expect((await admin('POST', '/admin/tenants/closing/worker/start')).statusCode).toBe(202);
    await waitForStatus(stack.db, tenantId, 'RUNNING', 20_000);
    const sent = await portal('POST', '/portal/tenant/current/messages', {
      to: '4915100000001',
      text: 'before',
    });
    expect(sent.statusCode).toBe(202);
    messageId = sent.json<{ id: string }>().id;
    for (const [what, method, url] of PORTAL_CALLS.filter(([, m]) => m === 'GET')) {
      expect((await portal(method, url)).statusCode, what).toBe(200);
    }
  });

  it('disabling stops the running worker', async () => {
    const pid = await pidOf();
    const res = await admin('PATCH', '/admin/tenants/closing', { status: 'DISABLED' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('DISABLED');
    await waitForStatus(stack.db, tenantId, 'STOPPED', 15_000);
    await waitFor('worker process gone', () => !isAlive(pid), { timeoutMs: 15_000 });
    await waitFor('PM2 app deleted', async () => !(await stack.driver.find(workerAppName('closing'))), {
      timeoutMs: 15_000,
    });
    await app.workers.settle();
    expect(await stack.db.auditLog.count({ where: { tenantId, action: 'worker.stop' } })).toBe(1);
  });

  it.each(PORTAL_CALLS)(
    'the portal refuses %s with 403 tenant disabled',
    async (_what, method, url, payload) => {
      const res = await portal(method, url, payload);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'TENANT_DISABLED' });
      expect(res.json().error.message).toMatch(/^tenant disabled: closing/);
      expect(res.body).not.toContain('before'); // no data in the refusal
    },
  );

  it('nothing was written by the refused calls, and rule edits are refused too', async () => {
    const patched = await portal('PATCH', `/portal/tenant/current/auto-replies/${ruleId}`, {
      reply: 'changed',
    });
    expect(patched.statusCode).toBe(403);
    const deleted = await portal('DELETE', `/portal/tenant/current/auto-replies/${ruleId}`);
    expect(deleted.statusCode).toBe(403);
    expect(await stack.db.messageLog.count({ where: { tenantId } })).toBe(1);
    expect(await stack.db.autoReplyRule.findMany({ where: { tenantId } })).toEqual([
      expect.objectContaining({ id: ruleId, reply: 'hi' }),
    ]);
    expect(await stack.db.setupRequest.count({ where: { tenantId } })).toBe(0);
  });

  it('admin start and restart are refused; the worker stays stopped', async () => {
    for (const action of ['start', 'restart']) {
      const res = await admin('POST', `/admin/tenants/closing/worker/${action}`);
      expect(res.statusCode, action).toBe(403);
      expect(res.json().error.message).toBe(
        `tenant disabled: closing cannot ${action} its worker; a platform admin can enable it again`,
      );
    }
    expect((await stack.db.workerProcess.findUniqueOrThrow({ where: { tenantId } })).status).toBe('STOPPED');
    expect(await stack.driver.find(workerAppName('closing'))).toBeFalsy();
  });

  it('enabling again restores reads, writes and starts', async () => {
    expect((await admin('PATCH', '/admin/tenants/closing', { status: 'ACTIVE' })).statusCode).toBe(200);
    const logs = await portal('GET', '/portal/tenant/current/logs');
    expect(logs.statusCode).toBe(200);
    expect(logs.json<{ items: { id: string }[] }>().items.map((m) => m.id)).toEqual([messageId]);
    expect((await admin('POST', '/admin/tenants/closing/worker/start')).statusCode).toBe(202);
    await waitForStatus(stack.db, tenantId, 'RUNNING', 20_000);
    const restart = await portal('POST', '/portal/tenant/current/worker/restart');
    expect(restart.statusCode).toBe(202);
    const audited = await stack.db.auditLog.findFirst({
      where: { tenantId, action: 'worker.restart', actor: `user:${OWNER}` },
    });
    expect(audited).not.toBeNull();
    await app.workers.settle();
    await waitForStatus(stack.db, tenantId, 'RUNNING', 20_000);
    expect((await admin('POST', '/admin/tenants/closing/worker/stop')).statusCode).toBe(202);
    await app.workers.settle();
  });
});
