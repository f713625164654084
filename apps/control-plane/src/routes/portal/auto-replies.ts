import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { rulesChangedChannel } from '@wa-fleet/shared';
import { replyPatternProblem } from '@wa-fleet/shared/reply-pattern';
import { AppError, notFound } from '../../errors.ts';
import { errorResponses, IdParams } from '../../schemas/common.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { currentTenant } from './tenant.ts';

const MatchTypeSchema = Type.Enum(['EXACT', 'CONTAINS', 'REGEX', 'DEFAULT']);

const RuleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  matchType: MatchTypeSchema,
  pattern: Type.String(),
  reply: Type.String(),
  priority: Type.Integer(),
  isEnabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const ruleFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  matchType: MatchTypeSchema,
  pattern: Type.String({ maxLength: 500 }),
  reply: Type.String({ minLength: 1, maxLength: 4096 }),
  priority: Type.Integer({ minimum: 0, maximum: 10_000 }),
  isEnabled: Type.Boolean(),
};

function toRuleDto(r: {
  id: string;
  name: string;
  matchType: 'EXACT' | 'CONTAINS' | 'REGEX' | 'DEFAULT';
  pattern: string;
  reply: string;
  priority: number;
  isEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}) {
  return { ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

/** A rule the worker could not use is refused here, with the field named. */
function assertUsableRule(matchType: string, pattern: string): void {
  if (matchType === 'REGEX') {
    // The worker compiles the same way (linear-time RE2JS), so what passes here runs there.
    const problem = replyPatternProblem(pattern);
    if (problem) throw new AppError('VALIDATION_ERROR', `body/pattern ${problem}`);
  }
  if (matchType !== 'DEFAULT' && pattern.trim() === '') {
    throw new AppError('VALIDATION_ERROR', `body/pattern must not be empty for ${matchType} rules`);
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  /** Workers cache rules; every change tells them to drop the cache. */
  async function announceChange(tenantId: string): Promise<void> {
    await app.redis.publish(rulesChangedChannel(app.config.REDIS_PREFIX), tenantId).catch((err: unknown) => {
      app.log.warn({ err }, 'could not announce auto-reply change');
    });
  }

  async function findRule(tenantId: string, id: string) {
    // Scoped by tenant: a rule id of another tenant is simply not found.
    const rule = await app.db.autoReplyRule.findFirst({ where: { id, tenantId } });
    if (!rule) throw notFound('auto-reply rule');
    return rule;
  }

  app.get(
    '/tenant/current/auto-replies',
    {
      schema: {
        tags: ['portal'],
        summary: 'Auto-reply rules, by priority',
        response: { 200: Type.Object({ items: Type.Array(RuleSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = currentTenant(request);
      const rules = await app.db.autoReplyRule.findMany({
        where: { tenantId: id },
        orderBy: [{ priority: 'asc' }, { createdAt: 'asc' }],
      });
      return { items: rules.map(toRuleDto) };
    },
  );

  app.get(
    '/tenant/current/auto-replies/:id',
    {
      schema: {
        tags: ['portal'],
        summary: 'One auto-reply rule',
        params: IdParams,
        response: { 200: RuleSchema, ...errorResponses },
      },
    },
    async (request) => toRuleDto(await findRule(currentTenant(request).id, request.params.id)),
  );

  app.post(
    '/tenant/current/auto-replies',
    {
      config: { minRole: 'TENANT_ADMIN' },
      schema: {
        tags: ['portal'],
        summary: 'Create an auto-reply rule (TENANT_ADMIN and up)',
        body: Type.Object(
          {
            name: ruleFields.name,
            matchType: ruleFields.matchType,
            pattern: Type.Optional(ruleFields.pattern),
            reply: ruleFields.reply,
            priority: Type.Optional(ruleFields.priority),
            isEnabled: Type.Optional(ruleFields.isEnabled),
          },
          { additionalProperties: false },
        ),
        response: { 201: RuleSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id: tenantId, slug } = currentTenant(request);
      const pattern = request.body.pattern ?? '';
      assertUsableRule(request.body.matchType, pattern);
      const rule = await app.db.$transaction(async (tx) => {
        const row = await tx.autoReplyRule.create({ data: { ...request.body, pattern, tenantId } });
        await writeAudit(tx, {
          actor: request.actor,
          action: 'auto-reply.create',
          tenantId,
          tenantSlug: slug,
          details: { ...portalAuditUser(request), ruleId: row.id, name: row.name, matchType: row.matchType },
        });
        return row;
      });
      await announceChange(tenantId);
      return reply.status(201).send(toRuleDto(rule));
    },
  );

  app.patch(
    '/tenant/current/auto-replies/:id',
    {
      config: { minRole: 'TENANT_ADMIN' },
      schema: {
        tags: ['portal'],
        summary: 'Change an auto-reply rule (TENANT_ADMIN and up)',
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(ruleFields.name),
            matchType: Type.Optional(ruleFields.matchType),
            pattern: Type.Optional(ruleFields.pattern),
            reply: Type.Optional(ruleFields.reply),
            priority: Type.Optional(ruleFields.priority),
            isEnabled: Type.Optional(ruleFields.isEnabled),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: RuleSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id: tenantId, slug } = currentTenant(request);
      const existing = await findRule(tenantId, request.params.id);
      assertUsableRule(
        request.body.matchType ?? existing.matchType,
        request.body.pattern ?? existing.pattern,
      );
      const rule = await app.db.$transaction(async (tx) => {
        const row = await tx.autoReplyRule.update({ where: { id: existing.id }, data: request.body });
        await writeAudit(tx, {
          actor: request.actor,
          action: 'auto-reply.update',
          tenantId,
          tenantSlug: slug,
          details: {
            ...portalAuditUser(request),
            ruleId: row.id,
            name: row.name,
            fields: Object.keys(request.body),
          },
        });
        return row;
      });
      await announceChange(tenantId);
      return toRuleDto(rule);
    },
  );

  app.delete(
    '/tenant/current/auto-replies/:id',
    {
      config: { minRole: 'TENANT_ADMIN' },
      schema: {
        tags: ['portal'],
        summary: 'Delete an auto-reply rule (TENANT_ADMIN and up)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id: tenantId, slug } = currentTenant(request);
      const existing = await findRule(tenantId, request.params.id);
      await app.db.$transaction(async (tx) => {
        await tx.autoReplyRule.delete({ where: { id: existing.id } });
        await writeAudit(tx, {
          actor: request.actor,
          action: 'auto-reply.delete',
          tenantId,
          tenantSlug: slug,
          details: { ...portalAuditUser(request), ruleId: existing.id, name: existing.name },
        });
      });
      await announceChange(tenantId);
      return reply.status(204).send(null);
    },
  );
};

export default routes;
