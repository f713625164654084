import { describe, expect, it } from 'vitest';
import { compileReplyPattern, replyPatternProblem } from './reply-pattern.ts';

describe('auto-reply patterns (RE2JS, linear time)', () => {
  it.each([
    ['^price', 'PRICE list', 'the price'],
    ['order\\s*#?\\d+', 'my Order #42', 'order number'],
    ['(hi|hello|hey)\\b', 'Hey there', 'heyday'],
    ['caf\\u00e9', 'CAFÉ au lait', 'cafe'],
    ['(?<num>\\d{3})/x', 'ab 123/x', '12/x'],
  ])('accepts %j: matches %j ignoring case, not %j', (pattern, yes, no) => {
    expect(replyPatternProblem(pattern)).toBeNull();
    const re = compileReplyPattern(pattern);
    expect(re.test(yes)).toBe(true);
    expect(re.test(no)).toBe(false);
  });

  it('evaluates the patterns a backtracking engine hangs on, with the right answers', () => {
    const cases: [string, string, boolean][] = [
      ['(a|a)*$', `${'a'.repeat(4_000)}!`, true],
      ['([a-z]|[a-z0-9])*!', 'a'.repeat(33), false],
      ['([a-z]|[a-z0-9])*!', `${'a'.repeat(33)}!`, true],
      ['.*.*.*.*x', 'a'.repeat(4_000), false],
      ['^(a+)+$', `${'a'.repeat(4_000)}!`, false],
    ];
    for (const [pattern, text, expected] of cases) {
      expect(compileReplyPattern(pattern).test(text), pattern).toBe(expected);
    }
  });

  it.each([
    ['(', /missing closing \)/],
    ['(?=a)b', /unsupported Perl syntax.*no lookahead/],
    ['(a)\\1', /invalid escape sequence.*backreferences/],
    ['a{1001}', /invalid repeat count/],
    ['.{999}.{999}', /too complex \(program size 2000, at most 1000\)/],
    ['x'.repeat(501), /501 characters long; at most 500/],
  ])('refuses %j, naming the problem', (pattern, problem) => {
    expect(replyPatternProblem(pattern)).toMatch(problem);
    expect(() => compileReplyPattern(pattern)).toThrow(problem);
  });
});
