import { describe, expect, it } from 'vitest';
import {
  isValidSlug,
  maskPhone,
  maskUrl,
  slugOfWorkerAppName,
  WORKER_APP_PREFIX,
  workerAppName,
} from './index.ts';

describe('tenant slugs', () => {
  it.each(['acme', 'demo', 'a1b', 'shop-42', 'x'.repeat(40)])('accepts %j', (slug) => {
    expect(isValidSlug(slug)).toBe(true);
  });

  it.each([
    '',
    'ab',
    '../x',
    'a/b',
    '%2e%2e%2f',
    '/etc/passwd',
    'Acme',
    '-acme',
    'acme-',
    'ac.me',
    'аcme',
    'x'.repeat(41),
    'a b',
  ])('refuses %j', (slug) => {
    expect(isValidSlug(slug)).toBe(false);
    expect(() => workerAppName(slug)).toThrow(/invalid tenant slug/);
  });
});

describe('masking', () => {
  it('masks phone numbers but keeps enough to tell them apart', () => {
    expect(maskPhone('5511987654321')).toBe('55*********21');
    expect(maskPhone('5511987654321@c.us')).toBe('55*********21');
  });

  it('hides URL passwords', () => {
    expect(maskUrl('postgresql://u:secret@h:5432/db')).not.toContain('secret');
  });
});

describe('worker process names', () => {
  it('are the prefix plus the slug, and give the slug back', () => {
    expect(workerAppName('shop-42')).toBe(`${WORKER_APP_PREFIX}shop-42`);
    expect(slugOfWorkerAppName(workerAppName('shop-42'))).toBe('shop-42');
  });

  it.each(['pm2-logrotate', `${WORKER_APP_PREFIX}`, `${WORKER_APP_PREFIX}Bad.Slug`, 'shop-42'])(
    '%j is not a tenant worker',
    (name) => {
      expect(slugOfWorkerAppName(name)).toBeUndefined();
    },
  );
});
