import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('stores an argon2id hash that never contains the password, salted afresh each time', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toContain('correct horse battery');
    expect(second).not.toBe(first);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery ')).toBe(false);
    expect(await verifyPassword(stored, 'Correct horse battery')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('handles non-ASCII passwords', async () => {
    const stored = await hashPassword('pässwörd-🔑');
    expect(await verifyPassword(stored, 'pässwörd-🔑')).toBe(true);
    expect(await verifyPassword(stored, 'passwörd-🔑')).toBe(false);
  });

  it('refuses a user without a password hash (unknown user) whatever is typed', async () => {
    expect(await verifyPassword(null, 'correct horse battery')).toBe(false);
    expect(await verifyPassword(null, '')).toBe(false);
  });

  it('refuses, rather than throws, when the stored hash is corrupt', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
    expect(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$broken', 'anything')).toBe(false);
  });
});
