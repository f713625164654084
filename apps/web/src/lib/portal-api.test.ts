import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { routes } from '@wa-fleet/contract';
import { PORTAL_API, portalUrl, type PortalRoute } from './portal-api.ts';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../app');

/** The Next.js route file of a portal URL template (`:tenant` is the folder `[tenant]`). */
const routeFileOf = (template: string) => path.join(APP_DIR, template.replace(/:(\w+)/g, '[$1]'), 'route.ts');

// The browser calls these routes by contract key; their handlers must forward to that same key, or
// the types the browser code was checked against would describe another route.
describe('the portal API table', () => {
  it.each(Object.entries(PORTAL_API))('%s is served at %s by a proxy of that route', (key, template) => {
    // One file serves the three worker actions by its [action] folder.
    const file = routeFileOf(
      template.replace(/:tenant\/worker\/(start|stop|restart)$/, ':tenant/worker/:action'),
    );
    expect(existsSync(file), file).toBe(true);
    const method = key.split(' ')[0]!;
    const source = readFileSync(file, 'utf8');
    expect(source).toMatch(new RegExp(`export (const|async function) ${method}\\b`));
    // The stream route calls the control plane itself (to relay bytes); the rest proxy.
    expect(source).toMatch(new RegExp(`(proxyRoute\\('${key}'[,)])|(ROUTE = '${key}')`));
  });

  it('names only routes the contract has, with the same path parameters', () => {
    for (const [key, template] of Object.entries(PORTAL_API)) {
      const route = routes[key as PortalRoute];
      expect(route, key).toBeDefined();
      const names = (url: string) => [...url.matchAll(/:(\w+)/g)].map((m) => m[1]);
      expect(names(template), key).toEqual(names(route.url));
    }
  });

  it('fills path parameters encoded and drops empty query values', () => {
    expect(
      portalUrl('GET /admin/tenants/:tenant/logs', {
        params: { tenant: 'a/b' },
        query: { lines: 5, level: undefined },
      }),
    ).toBe('/api/admin/tenants/a%2Fb/logs?lines=5');
    expect(portalUrl('GET /portal/tenant/current', {})).toBe('/api/tenant/current');
  });
});
