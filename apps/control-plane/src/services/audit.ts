import type { DbClient, Prisma } from '@wa-fleet/db';
import type { FastifyRequest } from 'fastify';

export interface AuditEntry {
  actor: string;
  action: string;
  tenantId?: string | null;
  tenantSlug?: string | null;
  details?: Prisma.InputJsonValue;
}

/**
 * Appends to the audit log. Never include secrets in details: admins read and export this table. Takes a
 * transaction client too, so a change and its entry are written together or not at all.
 */
export async function writeAudit(db: Pick<DbClient, 'auditLog'>, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      tenantId: entry.tenantId ?? null,
      tenantSlug: entry.tenantSlug ?? null,
      details: entry.details ?? {},
    },
  });
}

/** Who did a portal write, for audit details: the user's id beside the actor's email. */
export function portalAuditUser(request: FastifyRequest): { userId: string | null } {
  return { userId: request.portal?.user.id ?? null };
}
