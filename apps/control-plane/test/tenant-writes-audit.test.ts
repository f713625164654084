// Every tenant-level write through the portal API leaves an audit entry naming the user; outbound rows
// say who sent them; the linking QR is for TENANT_ADMIN and up only.
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

let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
let ownerId: string;
let operatorId: string;
const QR_PAYLOAD = '2@linking-secret-payload,abc,def';

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  tenantId = (await createTenant(stack.db, 'audited')).id;
  ownerId = (await createUser(stack.db, 'owner@audited.test', [{ tenantId, role: 'TENANT_ADMIN' }])).id;
  operatorId = (await createUser(stack.db, 'op@audited.test', [{ tenantId, role: 'OPERATOR' }])).id;
  await createUser(stack.db, 'viewer@audited.test', [{ tenantId, role: 'VIEWER' }]);
  await stack.db.whatsAppSession.update({
    where: { tenantId },
    data: { state: 'QR', lastQr: QR_PAYLOAD, qrUpdatedAt: new Date() },
  });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

async function call(
  email: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return app.inject({ method, url, headers: portalHeaders(email), ...(payload ? { payload } : {}) });
}

async function auditOf(action: string) {
  return stack.db.auditLog.findMany({ where: { tenantId, action }, orderBy: { createdAt: 'asc' } });
}

describe('audited tenant writes', () => {
  it('a send is audited with the user, and its row records who sent it; a duplicate adds neither', async () => {
    const res = await call('op@audited.test', 'POST', '/portal/tenant/current/messages', {
      to: '+4915112345678',
      text: 'hello from the operator',
      idempotencyKey: 'send-1',
    });
    expect(res.statusCode).toBe(202);
    const { id } = res.json<{ id: string }>();
    const row = await stack.db.messageLog.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ sentByKind: 'USER', sentById: operatorId, sentByLabel: 'op@audited.test' });
    const [entry, ...more] = await auditOf('message.send');
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ actor: 'user:op@audited.test', tenantSlug: 'audited' });
    expect(entry!.details).toMatchObject({ userId: operatorId, messageId: id });
    expect(JSON.stringify(entry!.details)).not.toContain('4915112345678'); // masked
    expect(JSON.stringify(entry!.details)).not.toContain('hello from the operator');

    const again = await call('op@audited.test', 'POST', '/portal/tenant/current/messages', {
      to: '+4915112345678',
      text: 'hello from the operator',
      idempotencyKey: 'send-1',
    });
    expect(again.json()).toMatchObject({ id, isDuplicate: true });
    expect(await auditOf('message.send')).toHaveLength(1);

    const listed = await call('viewer@audited.test', 'GET', '/portal/tenant/current/logs');
    const item = listed.json<{ items: { id: string; sentBy: unknown }[] }>().items.find((m) => m.id === id);
    expect(item?.sentBy).toEqual({ kind: 'USER', id: operatorId, label: 'op@audited.test' });
  });

  it('rule create, change and delete are audited with the user; a refused change is not', async () => {
    const created = await call('owner@audited.test', 'POST', '/portal/tenant/current/auto-replies', {
      name: 'hostile but linear',
      matchType: 'REGEX',
      pattern: '([a-z]|[a-z0-9])*!',
      reply: 'ok',
    });
    expect(created.statusCode).toBe(201);
    const ruleId = created.json<{ id: string }>().id;
    const refused = await call(
      'owner@audited.test',
      'PATCH',
      `/portal/tenant/current/auto-replies/${ruleId}`,
      {
        pattern: '(?<=a)b',
      },
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toMatch(/^body\/pattern is not a usable regular expression/);
    const changed = await call(
      'owner@audited.test',
      'PATCH',
      `/portal/tenant/current/auto-replies/${ruleId}`,
      {
        reply: 'changed',
      },
    );
    expect(changed.statusCode).toBe(200);
    const deleted = await call(
      'owner@audited.test',
      'DELETE',
      `/portal/tenant/current/auto-replies/${ruleId}`,
    );
    expect(deleted.statusCode).toBe(204);

    for (const action of ['auto-reply.create', 'auto-reply.update', 'auto-reply.delete']) {
      const entries = await auditOf(action);
      expect(entries, action).toHaveLength(1);
      expect(entries[0]!.actor).toBe('user:owner@audited.test');
      expect(entries[0]!.details).toMatchObject({ userId: ownerId, ruleId });
    }
    expect((await auditOf('auto-reply.update'))[0]!.details).toMatchObject({ fields: ['reply'] });
  });

  it('accepts the patterns that hang backtracking engines (they run in linear time) and refuses what RE2 cannot do', async () => {
    for (const pattern of ['(a|a)*$', '([a-z]|[a-z0-9])*!', '.*.*.*.*x']) {
      const res = await call('owner@audited.test', 'POST', '/portal/tenant/current/auto-replies', {
        name: pattern,
        matchType: 'REGEX',
        pattern,
        reply: 'x',
      });
      expect(res.statusCode, pattern).toBe(201);
    }
    const backref = await call('owner@audited.test', 'POST', '/portal/tenant/current/auto-replies', {
      name: 'backref',
      matchType: 'REGEX',
      pattern: '(a)\\1',
      reply: 'x',
    });
    expect(backref.statusCode).toBe(400);
    expect(backref.json().error.message).toContain('invalid escape sequence');
    expect(await stack.db.autoReplyRule.count({ where: { tenantId, name: 'backref' } })).toBe(0);
  });

  it('a setup request is audited with the user', async () => {
    const res = await call('op@audited.test', 'POST', '/portal/tenant/current/setup-requests', {
      notes: 'please help link the number',
    });
    expect(res.statusCode).toBe(201);
    const [entry] = await auditOf('setup-request.create');
    expect(entry).toMatchObject({ actor: 'user:op@audited.test' });
    expect(entry!.details).toMatchObject({
      userId: operatorId,
      setupRequestId: res.json<{ id: string }>().id,
    });
  });
});

describe('linking QR', () => {
  it.each(['viewer@audited.test', 'op@audited.test'])(
    'is refused to %s, the payload nowhere in the answer',
    async (email) => {
      const res = await call(email, 'GET', '/portal/tenant/current/qr');
      expect(res.statusCode).toBe(403);
      expect(res.json().error.message).toContain('requires role TENANT_ADMIN');
      expect(res.body).not.toContain('data:image');
      expect(res.body).not.toContain(QR_PAYLOAD);
      const current = await call(email, 'GET', '/portal/tenant/current');
      expect(current.statusCode).toBe(200);
      expect(current.body).not.toContain(QR_PAYLOAD);
    },
  );

  it('is shown to a TENANT_ADMIN as an image', async () => {
    const res = await call('owner@audited.test', 'GET', '/portal/tenant/current/qr');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'QR', qr: expect.stringMatching(/^data:image\/png;base64,/) });
  });
});
