import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { DbClient } from '@wa-fleet/db';
import { API_KEY_SCOPES, type ApiKeyScope, type TenantStatus } from '@wa-fleet/shared';
import { hashToken } from './sessions.ts';

/**
 * Tenant API keys. A key reads `wak_<keyId>_<secret>`: keyId (12 random base32 characters) is public and
 * finds the row; the secret is 32 random bytes (base64url) of which only the SHA-256 is stored. A fast
 * hash is enough for a secret of 256 bits: there is nothing to guess, so nothing to slow down. The hash
 * is compared in constant time, and every way a key can fail (malformed, unknown, wrong secret, revoked,
 * expired) gives the caller the same answer.
 */

const KEY_ID_ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';
const KEY_ID_LENGTH = 12;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^wak_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key, so a busy integration does not write per request. */
export const TOUCH_EVERY_MS = 60_000;

function randomKeyId(): string {
  const bytes = randomBytes(KEY_ID_LENGTH);
  let out = '';
  for (const byte of bytes) out += KEY_ID_ALPHABET[byte % KEY_ID_ALPHABET.length];
  return out;
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

export interface ApiKeyRow {
  id: string;
  keyId: string;
  name: string;
  scopes: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const API_KEY_SELECT = {
  id: true,
  keyId: true,
  name: true,
  scopes: true,
  createdBy: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** The list's view of a key: never the hash, and the secret does not exist here. */
export function toApiKeyDto(row: ApiKeyRow, now = new Date()) {
  const status: 'active' | 'expired' | 'revoked' = row.revokedAt
    ? 'revoked'
    : row.expiresAt && row.expiresAt.getTime() <= now.getTime()
      ? 'expired'
      : 'active';
  return {
    id: row.id,
    name: row.name,
    keyId: row.keyId,
    scopes: row.scopes.filter(isApiKeyScope),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status,
  };
}

/** How a key is named in audit entries, message senders and logs: its name and public id. */
export function apiKeyLabel(key: { name: string; keyId: string }): string {
  return `${key.name} (wak_${key.keyId})`;
}

/** A new key's parts: what the row stores and the full key the caller sees once. */
export function mintApiKey(): { keyId: string; secretHash: string; fullKey: string } {
  const keyId = randomKeyId();
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { keyId, secretHash: hashToken(secret), fullKey: `wak_${keyId}_${secret}` };
}

export interface ResolvedApiKey {
  id: string;
  keyId: string;
  name: string;
  scopes: ApiKeyScope[];
  tenant: { id: string; slug: string; name: string; status: TenantStatus };
}

/**
 * The live key behind a presented value, or null (malformed, unknown, wrong secret, revoked, expired).
 * Stamps last_used_at when it is older than TOUCH_EVERY_MS, with a conditional update so concurrent
 * requests write it once.
 */
export async function resolveApiKey(db: DbClient, presented: string): Promise<ResolvedApiKey | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, keyId = '', secret = ''] = match;
  const row = await db.apiKey.findUnique({
    where: { keyId },
    select: {
      id: true,
      keyId: true,
      name: true,
      scopes: true,
      secretHash: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      tenant: { select: { id: true, slug: true, name: true, status: true } },
    },
  });
  // Hash even when the row is missing, so an unknown keyId costs what a known one does.
  const presentedHash = Buffer.from(hashToken(secret), 'hex');
  const storedHash = Buffer.from(row?.secretHash ?? '0'.repeat(64), 'hex');
  const isSecretMatch = timingSafeEqual(presentedHash, storedHash) && row !== null;
  if (!row || !isSecretMatch) return null;
  const now = Date.now();
  if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.apiKey.updateMany({
      where: {
        id: row.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - TOUCH_EVERY_MS) } }],
      },
      data: { lastUsedAt: new Date(now) },
    });
  }
  return {
    id: row.id,
    keyId: row.keyId,
    name: row.name,
    scopes: row.scopes.filter(isApiKeyScope),
    tenant: row.tenant,
  };
}
