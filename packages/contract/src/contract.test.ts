import { describe, expect, it } from 'vitest';
import { PROCESS_STATES, WA_ENGINES } from '@wa-fleet/shared';
import { checkRequestPart, routeHasPart, ROUTE_KEYS, routes } from './index.ts';

describe('the route table', () => {
  it('keys every route by its method and URL, with responses declared', () => {
    expect(ROUTE_KEYS.length).toBeGreaterThan(30);
    for (const key of ROUTE_KEYS) {
      const route = routes[key];
      expect(`${route.method} ${route.url}`).toBe(key);
      expect(Object.keys(route.schema.response).length, key).toBeGreaterThan(0);
    }
  });

  it("speaks no process manager's vocabulary", () => {
    const text = JSON.stringify(routes);
    // Control: the neutral words are there, so the search reads the real document.
    for (const state of PROCESS_STATES) expect(text).toContain(`"${state}"`);
    expect(text).toContain('processState');
    for (const word of ['pm2', 'online', 'launching', 'errored'])
      expect(text.toLowerCase()).not.toContain(word);
  });
});

describe('the validators callers use', () => {
  it('convert query strings and apply the same bounds as the control plane', () => {
    const key = 'GET /admin/tenants/:tenant/logs';
    expect(checkRequestPart(key, 'querystring', { lines: '5000', level: 'warn' })).toEqual({
      ok: true,
      value: { lines: 5000, level: 'warn' },
    });
    const tooMany = checkRequestPart(key, 'querystring', { lines: '5001' });
    expect(tooMany.ok).toBe(false);
    expect(!tooMany.ok && tooMany.message).toContain('querystring/lines');
    const loud = checkRequestPart(key, 'querystring', { level: 'loud' });
    expect(!loud.ok && loud.message).toContain('querystring/level');
  });

  it('refuse unknown fields, naming them', () => {
    const key = 'POST /admin/tenants';
    for (const engine of [...WA_ENGINES, null]) {
      expect(checkRequestPart(key, 'body', { slug: 'shop-1', name: 'Shop', engine }).ok, String(engine)).toBe(
        true,
      );
    }
    const extra = checkRequestPart(key, 'body', { slug: 'shop-1', name: 'Shop', colour: 'red' });
    expect(extra.ok).toBe(false);
    expect(!extra.ok && extra.message).toContain('colour');
    const badEngine = checkRequestPart(key, 'body', { slug: 'shop-1', name: 'Shop', engine: 'telegram' });
    expect(!badEngine.ok && badEngine.message).toContain('body/engine');
  });

  it('refuse a tenant in a path that is neither a slug nor a uuid', () => {
    const key = 'GET /admin/tenants/:tenant';
    expect(checkRequestPart(key, 'params', { tenant: 'acme' }).ok).toBe(true);
    expect(checkRequestPart(key, 'params', { tenant: '0b5c6f3e-8d2a-4c1b-9e7f-1a2b3c4d5e6f' }).ok).toBe(true);
    for (const tenant of ['../x', 'ACME', 'acme%2f..', '']) {
      const checked = checkRequestPart(key, 'params', { tenant });
      expect(!checked.ok && checked.message, tenant).toContain('params/tenant');
    }
  });

  it('accept no part a route does not declare', () => {
    expect(routeHasPart('GET /admin/workers', 'querystring')).toBe(false);
    expect(checkRequestPart('GET /admin/workers', 'querystring', {}).ok).toBe(true);
    expect(checkRequestPart('GET /admin/workers', 'querystring', { x: '1' }).ok).toBe(false);
  });
});
