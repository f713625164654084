import { RE2JS, RE2JSException } from 're2js';

/** Longest auto-reply regular expression accepted. */
export const MAX_REPLY_PATTERN_LENGTH = 500;

/**
 * Largest compiled program accepted (RE2's "program size", about one step per character or class a
 * match must walk through). Matching time grows with the text times this size, so the cap bounds what
 * one rule can cost per message: ordinary patterns stay below 30, while counted repetition such as
 * `.{999}.{999}` (2,000) would cost a hundred times as much on every message.
 */
export const MAX_REPLY_PATTERN_PROGRAM_SIZE = 1_000;

/** A compiled auto-reply pattern: case-insensitive search anywhere in the text, in linear time. */
export interface ReplyPattern {
  test(text: string): boolean;
}

/** Why a pattern cannot be used, phrased for the person who wrote it. */
export class ReplyPatternError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'ReplyPatternError';
  }
}

/**
 * Compiles a tenant-written auto-reply regular expression on RE2JS, a port of RE2: it never backtracks,
 * so no message can make a pattern such as `(a|a)*$` or `.*.*.*x` run for more than linear time on the
 * worker's event loop. The price is RE2's syntax: no lookaround, no backreferences. JavaScript spellings
 * RE2 lacks (`\u00e9`, `(?<name>…)`, `\/`) are translated first. Throws ReplyPatternError naming the
 * problem.
 */
export function compileReplyPattern(pattern: string): ReplyPattern {
  if (pattern.length > MAX_REPLY_PATTERN_LENGTH) {
    throw new ReplyPatternError(
      `is ${pattern.length} characters long; at most ${MAX_REPLY_PATTERN_LENGTH} are allowed`,
    );
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern), RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new ReplyPatternError(
      `is not a usable regular expression (${err.message.replace(/^error parsing regexp: /, '')}); ` +
        'patterns use RE2 syntax: no lookahead, lookbehind or backreferences',
    );
  }
  const size = compiled.programSize();
  if (size > MAX_REPLY_PATTERN_PROGRAM_SIZE) {
    throw new ReplyPatternError(
      `is too complex (program size ${size}, at most ${MAX_REPLY_PATTERN_PROGRAM_SIZE}): use smaller repeat counts`,
    );
  }
  return { test: (text) => compiled.test(text) };
}

/** The problem with `pattern` as an auto-reply regular expression, or null when it is usable. */
export function replyPatternProblem(pattern: string): string | null {
  try {
    compileReplyPattern(pattern);
    return null;
  } catch (err) {
    if (err instanceof ReplyPatternError) return err.problem;
    throw err;
  }
}
