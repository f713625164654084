import { createHash, randomBytes } from 'node:crypto';
import type { DbClient } from '@wa-fleet/db';
import type { Role } from '@wa-fleet/shared';

/**
 * Server-side portal sessions. The browser's cookie carries a 256-bit random token; the database keeps
 * only its SHA-256 (a fast hash is enough for a random secret of that size: there is nothing to guess),
 * so neither a database dump nor the portal's SESSION_SECRET is enough to act as a user. A session ends
 * when its row is deleted: every portal request looks the row up, so the next request after sign-out,
 * a password change, deactivation or "sign out everywhere" is refused.
 */

/** Token length in bytes (256 bits), base64url in transit. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** last_used_at is refreshed at most this often, so a busy page does not write a row per request. */
const TOUCH_EVERY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  memberships: {
    tenantId: string | null;
    role: Role;
    tenant: { id: string; slug: string; name: string } | null;
  }[];
}

export async function createSession(
  db: DbClient,
  opts: { userId: string; ttlMs: number; clientAddress?: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const expiresAt = new Date(Date.now() + opts.ttlMs);
  await db.portalSession.create({
    data: {
      tokenHash: hashToken(token),
      userId: opts.userId,
      expiresAt,
      clientAddress: opts.clientAddress?.slice(0, 100) ?? null,
      userAgent: opts.userAgent?.slice(0, 500) ?? null,
    },
  });
  return { token, expiresAt };
}

/** The active user behind a token, or null (unknown, expired, or the user is inactive). */
export async function resolveSession(db: DbClient, token: string): Promise<SessionUser | null> {
  if (!TOKEN_PATTERN.test(token)) return null;
  const session = await db.portalSession.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      id: true,
      expiresAt: true,
      lastUsedAt: true,
      user: {
        select: {
          id: true,
          email: true,
          name: true,
          isActive: true,
          memberships: {
            orderBy: { createdAt: 'asc' },
            select: {
              role: true,
              tenantId: true,
              tenant: { select: { id: true, slug: true, name: true } },
            },
          },
        },
      },
    },
  });
  const now = Date.now();
  if (!session || session.expiresAt.getTime() <= now) {
    if (session) await db.portalSession.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (!session.user.isActive) return null;
  if (now - session.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await db.portalSession.updateMany({ where: { id: session.id }, data: { lastUsedAt: new Date(now) } });
  }
  const { isActive: _isActive, ...user } = session.user;
  return user;
}

/** Ends one session (sign-out). Unknown tokens are a no-op. */
export async function endSession(db: DbClient, token: string): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false;
  const { count } = await db.portalSession.deleteMany({ where: { tokenHash: hashToken(token) } });
  return count > 0;
}

/** Ends every session of a user (password change, deactivation, "sign out everywhere"). */
export async function endUserSessions(db: Pick<DbClient, 'portalSession'>, userId: string): Promise<number> {
  const { count } = await db.portalSession.deleteMany({ where: { userId } });
  return count;
}

/** Drops expired rows; resolveSession refuses them anyway, this only keeps the table small. */
export async function pruneExpiredSessions(db: DbClient): Promise<number> {
  const { count } = await db.portalSession.deleteMany({ where: { expiresAt: { lte: new Date() } } });
  return count;
}
