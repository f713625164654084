import { createHash, randomBytes } from 'node:crypto';
import type { DbClient } from '@wa-fleet/db';
import type { Pool } from 'pg';
import type { Role, TenantStatus } from '@wa-fleet/shared';

/**
 * Server-side portal sessions. The browser's cookie carries a 256-bit random token; the database keeps
 * only its SHA-256 (a fast hash is enough for a random secret of that size: there is nothing to guess),
 * so neither a database dump nor the portal's SESSION_SECRET is enough to act as a user. A session ends
 * when its row is deleted. A resolved session is remembered for at most SESSION_CACHE_TTL_MS (SessionCache),
 * and every change made through the control plane forgets them all, so the next request after sign-out,
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
    tenant: { id: string; slug: string; name: string; status: TenantStatus } | null;
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

/**
 * A short in-process memory of resolved sessions, so a page polling the control plane does not cost a
 * database round trip per request. An entry lives at most `ttlMs` (and never past the session's expiry).
 * `clear()` forgets everything and makes lookups already in flight not store their (possibly stale)
 * answer: the auth plugin calls it after every change made through this control plane (sign-out,
 * password change, deactivation, membership or tenant changes), so those take effect at once here; a
 * change made elsewhere (another control plane instance, SQL) takes effect within `ttlMs`.
 */
export class SessionCache {
  private readonly entries = new Map<string, { user: SessionUser; until: number }>();
  private generation = 0;

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now = Date.now()): SessionUser | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.user;
    this.entries.delete(tokenHash);
    return undefined;
  }

  /** The generation a lookup starts in; `set` stores its answer only if nothing was cleared since. */
  get currentGeneration(): number {
    return this.generation;
  }

  set(tokenHash: string, user: SessionUser, expiresAt: number, generation: number, now = Date.now()): void {
    if (this.ttlMs <= 0 || generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenHash, { user, until: Math.min(now + this.ttlMs, expiresAt) });
  }

  delete(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

interface SessionRow {
  id: string;
  expires_at: Date;
  last_used_at: Date;
  user_id: string;
  email: string;
  name: string;
  is_active: boolean;
  memberships: {
    role: Role;
    tenantId: string | null;
    tenant: { id: string; slug: string; name: string; status: TenantStatus } | null;
  }[];
}

const SESSION_QUERY = `
  SELECT s.id::text AS id, s.expires_at, s.last_used_at, u.id::text AS user_id, u.email, u.name, u.is_active,
    COALESCE((
      SELECT json_agg(json_build_object(
        'role', m.role, 'tenantId', m.tenant_id,
        'tenant', CASE WHEN t.id IS NULL THEN NULL
          ELSE json_build_object('id', t.id, 'slug', t.slug, 'name', t.name, 'status', t.status) END
      ) ORDER BY m.created_at)
      FROM memberships m LEFT JOIN tenants t ON t.id = m.tenant_id
      WHERE m.user_id = u.id
    ), '[]'::json) AS memberships
  FROM portal_sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1`;

/**
 * The active user behind a token, or null (unknown, expired, or the user is inactive). One query reads
 * the session, its user, the memberships and their tenants (with each tenant's status, so the portal's
 * disabled-tenant check needs no query of its own).
 */
export async function resolveSession(
  db: DbClient,
  token: string,
  opts: { cache?: SessionCache; sql?: Pool } = {},
): Promise<SessionUser | null> {
  const { cache } = opts;
  if (!TOKEN_PATTERN.test(token)) return null;
  const tokenHash = hashToken(token);
  const cached = cache?.get(tokenHash);
  if (cached) return cached;
  const generation = cache?.currentGeneration ?? 0;
  const [session] = opts.sql
    ? (await opts.sql.query<SessionRow>(SESSION_QUERY, [tokenHash])).rows
    : await db.$queryRawUnsafe<SessionRow[]>(SESSION_QUERY, tokenHash);
  const now = Date.now();
  if (!session || session.expires_at.getTime() <= now) {
    if (session) await db.portalSession.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (!session.is_active) return null;
  if (now - session.last_used_at.getTime() > TOUCH_EVERY_MS) {
    await db.portalSession.updateMany({ where: { id: session.id }, data: { lastUsedAt: new Date(now) } });
  }
  const user: SessionUser = {
    id: session.user_id,
    email: session.email,
    name: session.name,
    memberships: session.memberships,
  };
  cache?.set(tokenHash, user, session.expires_at.getTime(), generation, now);
  return user;
}

/** Ends one session (sign-out). Unknown tokens are a no-op. */
export async function endSession(db: DbClient, token: string, cache?: SessionCache): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false;
  cache?.delete(hashToken(token));
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
