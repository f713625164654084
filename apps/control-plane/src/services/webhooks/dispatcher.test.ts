import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classify, retryDelayMs } from './dispatcher.ts';
import { isPublicAddress, parseRetryAfter, signatureHeader, type PostResult } from './http-post.ts';

const result = (over: Partial<PostResult>): PostResult => ({
  statusCode: null,
  latencyMs: 1,
  error: null,
  excerpt: null,
  retryAfterMs: null,
  blocked: false,
  ...over,
});

describe('webhook retry rules', () => {
  it('retries network errors, 408, 429 and 5xx; 2xx succeeds; other 4xx, 3xx and refused targets are final', () => {
    expect(classify(result({ error: 'ECONNREFUSED' }))).toBe('retry');
    for (const code of [408, 429, 500, 502, 503])
      expect(classify(result({ statusCode: code })), `${code}`).toBe('retry');
    for (const code of [200, 201, 204])
      expect(classify(result({ statusCode: code })), `${code}`).toBe('success');
    for (const code of [301, 302, 400, 401, 404, 410, 422])
      expect(classify(result({ statusCode: code })), `${code}`).toBe('final');
    expect(classify(result({ blocked: true, error: 'not a public address' }))).toBe('final');
  });

  it('backs off exponentially with jitter within +-25 %, capped; a longer Retry-After wins, also capped', () => {
    const s = { retryBaseMs: 30_000, retryMaxDelayMs: 6 * 3_600_000 };
    expect(retryDelayMs(1, s, null, () => 0.5)).toBe(30_000);
    expect(retryDelayMs(2, s, null, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(5, s, null, () => 0.5)).toBe(480_000);
    expect(retryDelayMs(12, s, null, () => 0.5)).toBe(6 * 3_600_000);
    expect(retryDelayMs(1, s, null, () => 0)).toBe(22_500);
    expect(retryDelayMs(1, s, null, () => 0.999_999)).toBeLessThanOrEqual(37_500);
    expect(retryDelayMs(1, s, 120_000, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(3, s, 1_000, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(1, s, 48 * 3_600_000, () => 0.5)).toBe(6 * 3_600_000);
    // The default schedule (13 attempts) spans about a day: 20.5 h without jitter.
    let total = 0;
    for (let a = 1; a < 13; a++) total += retryDelayMs(a, s, null, () => 0.5);
    expect(total / 3_600_000).toBeCloseTo(20.525, 2);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(parseRetryAfter('Wed, 02 Dec 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  it('signs "<t>.<body>" and classifies addresses', () => {
    const expected = createHmac('sha256', 'whsec_x').update('1700000000.{"a":1}').digest('hex');
    expect(signatureHeader('whsec_x', '{"a":1}', 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
    expect(signatureHeader('whsec_y', '{"a":1}', 1_700_000_000)).not.toContain(expected);
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isPublicAddress(a), a).toBe(true);
  });
});
