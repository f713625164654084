// The cap on REGEX auto-reply rules per tenant (AUTO_REPLY_REGEX_MAX_PER_TENANT, here 3): creates and
// edits to REGEX past it answer 409 naming the setting and write nothing; other match types, other
// tenants and a tenant that made room are not affected.
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

const CAP = 3;
let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
let otherId: string;
const OWNER = 'owner@regex-cap.test';
const OTHER = 'owner@regex-other.test';

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack, {}, { AUTO_REPLY_REGEX_MAX_PER_TENANT: String(CAP) });
  tenantId = (await createTenant(stack.db, 'regex-cap')).id;
  otherId = (await createTenant(stack.db, 'regex-other')).id;
  await createUser(stack.db, OWNER, [{ tenantId, role: 'TENANT_ADMIN' }]);
  await createUser(stack.db, OTHER, [{ tenantId: otherId, role: 'TENANT_ADMIN' }]);
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

function createRule(email: string, matchType: string, pattern: string) {
  return app.inject({
    method: 'POST',
    url: '/portal/tenant/current/auto-replies',
    headers: portalHeaders(email),
    payload: { name: `${matchType} ${pattern}`, matchType, pattern, reply: 'hi' },
  });
}

const regexCount = (id: string) =>
  stack.db.autoReplyRule.count({ where: { tenantId: id, matchType: 'REGEX' } });

describe('REGEX auto-reply rules per tenant', () => {
  it(`accepts ${CAP} REGEX rules, then answers 409 naming AUTO_REPLY_REGEX_MAX_PER_TENANT and writes nothing`, async () => {
    for (let i = 0; i < CAP; i++)
      expect((await createRule(OWNER, 'REGEX', `^order ${i}\\d+$`)).statusCode).toBe(201);
    const audits = await stack.db.auditLog.count({ where: { tenantId, action: 'auto-reply.create' } });

    const refused = await createRule(OWNER, 'REGEX', '^one too many$');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('CONFLICT');
    expect(refused.json().error.message).toBe(
      `too many REGEX rules: this tenant has ${CAP} (at most ${CAP}, AUTO_REPLY_REGEX_MAX_PER_TENANT); delete one or use EXACT or CONTAINS`,
    );
    expect(await regexCount(tenantId)).toBe(CAP);
    expect(await stack.db.auditLog.count({ where: { tenantId, action: 'auto-reply.create' } })).toBe(audits);

    // Other match types are not capped by it.
    expect((await createRule(OWNER, 'CONTAINS', 'price')).statusCode).toBe(201);
  });

  it('refuses an edit that turns a rule into REGEX past the cap; an edit of an existing REGEX rule passes', async () => {
    const contains = await stack.db.autoReplyRule.findFirstOrThrow({
      where: { tenantId, matchType: 'CONTAINS' },
    });
    const toRegex = await app.inject({
      method: 'PATCH',
      url: `/portal/tenant/current/auto-replies/${contains.id}`,
      headers: portalHeaders(OWNER),
      payload: { matchType: 'REGEX', pattern: '^price$' },
    });
    expect(toRegex.statusCode).toBe(409);
    expect(toRegex.json().error.message).toContain('AUTO_REPLY_REGEX_MAX_PER_TENANT');
    expect((await stack.db.autoReplyRule.findUniqueOrThrow({ where: { id: contains.id } })).matchType).toBe(
      'CONTAINS',
    );

    const regex = await stack.db.autoReplyRule.findFirstOrThrow({ where: { tenantId, matchType: 'REGEX' } });
    const edit = await app.inject({
      method: 'PATCH',
      url: `/portal/tenant/current/auto-replies/${regex.id}`,
      headers: portalHeaders(OWNER),
      payload: { pattern: '^edited \\d+$' },
    });
    expect(edit.statusCode).toBe(200);
  });

  it('counts per tenant: another tenant creates REGEX rules; deleting one makes room again', async () => {
    expect((await createRule(OTHER, 'REGEX', '^other$')).statusCode).toBe(201);

    const regex = await stack.db.autoReplyRule.findFirstOrThrow({ where: { tenantId, matchType: 'REGEX' } });
    const deleted = await app.inject({
      method: 'DELETE',
      url: `/portal/tenant/current/auto-replies/${regex.id}`,
      headers: portalHeaders(OWNER),
    });
    expect(deleted.statusCode).toBe(204);
    expect((await createRule(OWNER, 'REGEX', '^room again$')).statusCode).toBe(201);
    expect(await regexCount(tenantId)).toBe(CAP);
  });

  it('lets exactly one of several concurrent creates take the last place', async () => {
    const regex = await stack.db.autoReplyRule.findFirstOrThrow({ where: { tenantId, matchType: 'REGEX' } });
    await stack.db.autoReplyRule.delete({ where: { id: regex.id } });
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createRule(OWNER, 'REGEX', `^race ${i}$`)),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await regexCount(tenantId)).toBe(CAP);
  });
});
