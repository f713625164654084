import type { FastifyPluginAsync } from 'fastify';
import type { Prisma } from '@wa-fleet/db';
import { rulesChangedChannel, type ReplyMatchType } from '@wa-fleet/shared';
import { replyPatternProblem } from '@wa-fleet/shared/reply-pattern';
import { AppError, notFound } from '../../errors.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

function toRuleDto(r: {
  id: string;
  name: string;
  matchType: ReplyMatchType;
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

const routes: FastifyPluginAsync = async (app) => {
  /**
   * Refuses a tenant's next REGEX rule once it has AUTO_REPLY_REGEX_MAX_PER_TENANT of them. Inside the
   * write's transaction, with the tenant row locked, so concurrent creates cannot pass the cap together.
   */
  async function assertRegexRoom(tx: Prisma.TransactionClient, tenantId: string, exceptId?: string) {
    await tx.$queryRaw`SELECT id FROM tenants WHERE id = ${tenantId}::uuid FOR UPDATE`;
    const max = app.config.AUTO_REPLY_REGEX_MAX_PER_TENANT;
    const count = await tx.autoReplyRule.count({
      where: { tenantId, matchType: 'REGEX', ...(exceptId ? { id: { not: exceptId } } : {}) },
    });
    if (count >= max) {
      throw new AppError(
        'CONFLICT',
        `too many REGEX rules: this tenant has ${count} (at most ${max}, AUTO_REPLY_REGEX_MAX_PER_TENANT); delete one or use EXACT or CONTAINS`,
      );
    }
  }

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

  serve(app, 'GET /portal/tenant/current/auto-replies', async (request) => {
    const { id } = currentTenant(request);
    const rules = await app.db.autoReplyRule.findMany({
      where: { tenantId: id },
      orderBy: [{ priority: 'asc' }, { createdAt: 'asc' }],
    });
    return { items: rules.map(toRuleDto) };
  });

  serve(app, 'GET /portal/tenant/current/auto-replies/:id', async (request) =>
    toRuleDto(await findRule(currentTenant(request).id, request.params.id)),
  );

  serve(
    app,
    'POST /portal/tenant/current/auto-replies',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request, reply) => {
      const { id: tenantId, slug } = currentTenant(request);
      const pattern = request.body.pattern ?? '';
      assertUsableRule(request.body.matchType, pattern);
      const rule = await app.db.$transaction(async (tx) => {
        if (request.body.matchType === 'REGEX') await assertRegexRoom(tx, tenantId);
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

  serve(
    app,
    'PATCH /portal/tenant/current/auto-replies/:id',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request) => {
      const { id: tenantId, slug } = currentTenant(request);
      const existing = await findRule(tenantId, request.params.id);
      assertUsableRule(
        request.body.matchType ?? existing.matchType,
        request.body.pattern ?? existing.pattern,
      );
      const rule = await app.db.$transaction(async (tx) => {
        if (request.body.matchType === 'REGEX' && existing.matchType !== 'REGEX')
          await assertRegexRoom(tx, tenantId, existing.id);
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

  serve(
    app,
    'DELETE /portal/tenant/current/auto-replies/:id',
    { config: { minRole: 'TENANT_ADMIN' } },
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
