import safeRegex from 'safe-regex2';

/** Longest auto-reply regular expression accepted. */
export const MAX_REPLY_PATTERN_LENGTH = 500;

/**
 * Whether a tenant-written auto-reply regular expression may run on inbound messages. Rejects patterns
 * that do not compile and those whose nested repetition can backtrack catastrophically (`(a+)+$`): one
 * such message would block the worker's event loop, stop its heartbeat and take the tenant offline.
 */
export function isSafeReplyPattern(pattern: string): boolean {
  if (pattern.length > MAX_REPLY_PATTERN_LENGTH) return false;
  try {
    new RegExp(pattern, 'i');
  } catch {
    return false;
  }
  return safeRegex(pattern);
}
