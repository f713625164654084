import { describe, expect, it } from 'vitest';
import { compileRule, pickRule, type AutoReplyRule } from './auto-reply-rules.ts';

const rule = (
  id: string,
  matchType: AutoReplyRule['matchType'],
  pattern: string,
  priority = 100,
): AutoReplyRule => ({
  id,
  matchType,
  pattern,
  reply: `reply ${id}`,
  priority,
});

const sorted = (rules: AutoReplyRule[]) => rules.sort((a, b) => a.priority - b.priority).map(compileRule);

describe('pickRule', () => {
  const rules = sorted([
    rule('default', 'DEFAULT', '', 1),
    rule('exact', 'EXACT', 'Hi', 50),
    rule('contains', 'CONTAINS', 'price', 20),
    rule('regex', 'REGEX', '^order\\s+\\d+$', 30),
  ]);

  it('matches EXACT ignoring case and surrounding spaces, not as a substring', () => {
    expect(pickRule(rules, '  hI ')?.id).toBe('exact');
    expect(pickRule(rules, 'hi there')?.id).toBe('default');
  });

  it('matches CONTAINS ignoring case, REGEX by expression', () => {
    expect(pickRule(rules, 'Your PRICES?')?.id).toBe('contains');
    expect(pickRule(rules, 'ORDER 42')?.id).toBe('regex');
  });

  it('lets the lowest priority number win among matches', () => {
    const both = sorted([rule('late', 'CONTAINS', 'order', 40), rule('early', 'REGEX', 'order', 5)]);
    expect(pickRule(both, 'order 1')?.id).toBe('early');
  });

  it('uses DEFAULT only when nothing else matched, whatever its priority', () => {
    expect(pickRule(rules, 'price')?.id).toBe('contains');
    expect(pickRule(rules, 'something else')?.id).toBe('default');
    expect(pickRule(sorted([rule('exact', 'EXACT', 'x')]), 'y')).toBeUndefined();
  });

  it('rejects an invalid regular expression at compile time', () => {
    expect(() => compileRule(rule('bad', 'REGEX', '('))).toThrow();
  });
});

describe('compileRule', () => {
  it('runs hostile patterns in linear time with the right answer, and refuses what RE2 cannot express', () => {
    const evil = compileRule(rule('evil', 'REGEX', '([a-z]|[a-z0-9])*!'));
    expect(pickRule([evil], 'a'.repeat(4_000))).toBeUndefined();
    expect(pickRule([evil], 'abc!')?.id).toBe('evil');
    expect(() => compileRule(rule('lookahead', 'REGEX', '(?=a)b'))).toThrow(/no lookahead/);
  });
});
