import type { FastifyPluginAsync } from 'fastify';
import {
  isSafeReplyPattern,
  MAX_REPLY_PATTERN_LENGTH,
  rulesChangedChannel,
  type ReplyMatchType,
} from '@wa-fleet/shared';
import { AppError, notFound } from '../../errors.ts';
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
    try {
      new RegExp(pattern, 'i');
    } catch {
      throw new AppError('VALIDATION_ERROR', 'body/pattern is not a valid regular expression');
    }
    if (!isSafeReplyPattern(pattern)) {
      throw new AppError(
        'VALIDATION_ERROR',
        `body/pattern could take exponential time on some messages (nested repetition such as (a+)+), or is longer than ${MAX_REPLY_PATTERN_LENGTH} characters: simplify it`,
      );
    }
  }
  if (matchType !== 'DEFAULT' && pattern.trim() === '') {
    throw new AppError('VALIDATION_ERROR', `body/pattern must not be empty for ${matchType} rules`);
  }
}

const routes: FastifyPluginAsync = async (app) => {
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
      const { id: tenantId } = currentTenant(request);
      const pattern = request.body.pattern ?? '';
      assertUsableRule(request.body.matchType, pattern);
      const rule = await app.db.autoReplyRule.create({ data: { ...request.body, pattern, tenantId } });
      await announceChange(tenantId);
      return reply.status(201).send(toRuleDto(rule));
    },
  );

  serve(
    app,
    'PATCH /portal/tenant/current/auto-replies/:id',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request) => {
      const { id: tenantId } = currentTenant(request);
      const existing = await findRule(tenantId, request.params.id);
      assertUsableRule(
        request.body.matchType ?? existing.matchType,
        request.body.pattern ?? existing.pattern,
      );
      const rule = await app.db.autoReplyRule.update({ where: { id: existing.id }, data: request.body });
      await announceChange(tenantId);
      return toRuleDto(rule);
    },
  );

  serve(
    app,
    'DELETE /portal/tenant/current/auto-replies/:id',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request, reply) => {
      const { id: tenantId } = currentTenant(request);
      const existing = await findRule(tenantId, request.params.id);
      await app.db.autoReplyRule.delete({ where: { id: existing.id } });
      await announceChange(tenantId);
      return reply.status(204).send(null);
    },
  );
};

export default routes;
