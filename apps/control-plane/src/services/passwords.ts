import { hash, verify, type Options } from '@node-rs/argon2';

// Argon2id (Algorithm.Argon2id = 2; the enum is a const enum, which isolated modules cannot import)
// with OWASP's minimum memory cost.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as unknown as Options;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** A real hash of a random string: verifying against it when the user does not exist costs the same. */
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  dummyHash ??= hashPassword(`no-such-user-${Math.random()}`);
  const target = passwordHash ?? (await dummyHash);
  try {
    const isMatch = await verify(target, password);
    return isMatch && passwordHash !== null;
  } catch {
    return false;
  }
}
