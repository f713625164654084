import type { DbClient } from '@wa-fleet/db';
import type { Logger } from '@wa-fleet/logger';
// A subpath of its own: only what matches patterns loads the engine (not the portal's bundles).
import { compileReplyPattern, type ReplyPattern } from '@wa-fleet/shared/reply-pattern';

export type MatchType = 'EXACT' | 'CONTAINS' | 'REGEX' | 'DEFAULT';

export interface AutoReplyRule {
  id: string;
  matchType: MatchType;
  pattern: string;
  reply: string;
  priority: number;
}

interface CompiledRule extends AutoReplyRule {
  regex?: ReplyPattern;
}

/** Matching is linear in the text, so a bounded input bounds what one rule can cost per message. */
const MAX_MATCH_INPUT = 4_096;

/**
 * The reply rule for `body`: the lowest priority number among the matching EXACT / CONTAINS / REGEX
 * rules (EXACT and CONTAINS ignore case and surrounding spaces; REGEX ignores case), else the first
 * DEFAULT rule. `rules` must be ordered by priority (ties: oldest first).
 */
export function pickRule<R extends CompiledRule>(rules: readonly R[], body: string): R | undefined {
  const text = body.slice(0, MAX_MATCH_INPUT);
  const normalized = text.trim().toLowerCase();
  let fallback: R | undefined;
  for (const rule of rules) {
    switch (rule.matchType) {
      case 'EXACT':
        if (normalized === rule.pattern.trim().toLowerCase()) return rule;
        break;
      case 'CONTAINS': {
        const needle = rule.pattern.trim().toLowerCase();
        if (needle !== '' && normalized.includes(needle)) return rule;
        break;
      }
      case 'REGEX':
        if (rule.regex?.test(text)) return rule;
        break;
      case 'DEFAULT':
        fallback ??= rule;
        break;
    }
  }
  return fallback;
}

/**
 * Compiles a REGEX rule on the linear-time engine (RE2JS): no message can make it backtrack. Throws for a
 * pattern the engine refuses (the control plane refuses it too; this guards rows written some other
 * way); the cache skips such a rule with a warning.
 */
export function compileRule(rule: AutoReplyRule): CompiledRule {
  if (rule.matchType !== 'REGEX') return rule;
  return { ...rule, regex: compileReplyPattern(rule.pattern) };
}

/**
 * The tenant's enabled rules, cached. The cache is dropped when the control plane announces a change
 * and expires after `ttlMs` anyway, so a lost announcement costs at most that long.
 */
export class AutoReplyRuleCache {
  private readonly db: DbClient;
  private readonly tenantId: string;
  private readonly log: Logger;
  private readonly ttlMs: number;
  private cached: { rules: CompiledRule[]; loadedAt: number } | undefined;
  private loading: Promise<CompiledRule[]> | undefined;
  /** Bumped on invalidation, so a load that started before it cannot refill the cache with old rules. */
  private generation = 0;

  constructor(db: DbClient, tenantId: string, log: Logger, ttlMs = 30_000) {
    this.db = db;
    this.tenantId = tenantId;
    this.log = log;
    this.ttlMs = ttlMs;
  }

  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.loading = undefined;
    this.log.info('auto-reply rules changed: cache dropped');
  }

  async match(body: string): Promise<AutoReplyRule | undefined> {
    return pickRule(await this.rules(), body);
  }

  private async rules(): Promise<CompiledRule[]> {
    if (this.cached && Date.now() - this.cached.loadedAt < this.ttlMs) return this.cached.rules;
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<CompiledRule[]> {
    const generation = this.generation;
    try {
      const rows = await this.db.autoReplyRule.findMany({
        where: { tenantId: this.tenantId, isEnabled: true },
        orderBy: [{ priority: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true, matchType: true, pattern: true, reply: true, priority: true },
      });
      const rules: CompiledRule[] = [];
      for (const row of rows) {
        try {
          rules.push(compileRule(row));
        } catch (err) {
          this.log.warn({ ruleId: row.id, err }, 'auto-reply rule skipped: unusable regular expression');
        }
      }
      if (generation === this.generation) {
        this.cached = { rules, loadedAt: Date.now() };
        this.loading = undefined;
      }
      return rules;
    } catch (err) {
      if (generation === this.generation) this.loading = undefined;
      throw err;
    }
  }
}
