import { describe, expect, it } from 'vitest';
import { chooseRequestLogLevel, describeRequestUrl } from './request-log.ts';

describe('chooseRequestLogLevel', () => {
  it.each([
    ['GET', 200, 'debug'],
    ['HEAD', 200, 'debug'],
    ['GET', 304, 'debug'],
    ['OPTIONS', 204, 'debug'],
    ['POST', 201, 'info'],
    ['PATCH', 200, 'info'],
    ['DELETE', 204, 'info'],
    ['GET', 400, 'info'],
    ['GET', 401, 'info'],
    ['POST', 429, 'info'],
    ['GET', 500, 'warn'],
    ['POST', 503, 'warn'],
  ])('%s answered %i logs at %s', (method, status, level) => {
    expect(chooseRequestLogLevel(method, status)).toBe(level);
  });
});

describe('describeRequestUrl', () => {
  it('keeps a plain path as it is', () => {
    expect(describeRequestUrl('/admin/tenants/acme/logs')).toBe('/admin/tenants/acme/logs');
  });

  it('keeps query parameter names, once each, and drops every value', () => {
    expect(describeRequestUrl('/portal/tenant/current/logs?q=my%20secret&limit=50&q=again')).toBe(
      '/portal/tenant/current/logs?q&limit',
    );
    expect(describeRequestUrl('/x?token=abc123')).not.toContain('abc123');
  });

  it('drops query names that do not look like parameter names', () => {
    expect(describeRequestUrl('/x?sk_live_0123456789abcdef0123456789abcdef')).toBe('/x');
    expect(describeRequestUrl('/x?a%20b=1&ok=2')).toBe('/x?ok');
    expect(describeRequestUrl('/x?')).toBe('/x');
  });

  it('truncates an absurdly long path', () => {
    const out = describeRequestUrl(`/${'a'.repeat(5000)}`);
    expect(out.length).toBeLessThan(250);
    expect(out.endsWith('…(truncated)')).toBe(true);
  });
});
