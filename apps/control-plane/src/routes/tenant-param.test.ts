import { describe, expect, it } from 'vitest';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { TenantParams } from '@wa-fleet/contract';

// The same compiler app.ts installs, on the schema every /admin/tenants/:tenant route declares.
const validate = TypeBoxValidatorCompiler({
  schema: TenantParams,
  httpPart: 'params',
  method: 'GET',
  url: '/admin/tenants/:tenant',
});

function isAccepted(tenant: string): boolean {
  const result = validate({ tenant }) as { value?: unknown; error?: unknown };
  return result.error === undefined;
}

describe('the :tenant route parameter', () => {
  it.each([
    'acme',
    'shop-42',
    'a1b',
    '007',
    'x'.repeat(40),
    '0b5c6f3e-8d2a-4c1b-9e7f-1a2b3c4d5e6f',
    '0B5C6F3E-8D2A-4C1B-9E7F-1A2B3C4D5E6F',
  ])('accepts the slug or id %j', (tenant) => {
    expect(isAccepted(tenant)).toBe(true);
  });

  it.each([
    // Path traversal, raw and URL-encoded (Fastify decodes params, so both forms can arrive).
    '../x',
    '..',
    '.',
    'acme/../x',
    '..%2fx',
    '%2e%2e%2f',
    '%2e%2e%2fetc%2fpasswd',
    '..\\x',
    'acme%00',
    'acme\u0000',
    // Look-alikes: Cyrillic a and e, fullwidth letters, a zero-width space, a dotless i.
    '\u0430cme',
    'acm\u0435',
    '\uff41\uff43\uff4d\uff45',
    'ac\u200bme',
    'sh\u0131p',
    // Almost-slugs.
    'ACME',
    'Acme',
    'acme ',
    ' acme',
    'acme\n',
    'ac me',
    '-acme',
    'acme-',
    'ab',
    '',
    'x'.repeat(41),
    'acme.log',
    // Almost-uuids (lowercase near-misses are plain slugs, looked up as such; these are neither).
    '{0b5c6f3e-8d2a-4c1b-9e7f-1a2b3c4d5e6f}',
    '0B5C6F3E-8D2A-4C1B-9E7F-1A2B3C4D5E6G',
    '0b5c6f3e-8d2a-4c1b-9e7f-1A2B3C4D5E6F0',
    '0b5c6f3e-8d2a-4c1b-9e7f-1a2b3c4d5e6f\n',
  ])('refuses %j', (tenant) => {
    expect(isAccepted(tenant)).toBe(false);
  });
});
