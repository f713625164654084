import type { DbClient, Prisma } from '@wa-fleet/db';

export interface AuditEntry {
  actor: string;
  action: string;
  tenantId?: string | null;
  tenantSlug?: string | null;
  details?: Prisma.InputJsonValue;
}

/** Appends to the audit log. Never include secrets in details: admins read and export this table. */
export async function writeAudit(db: DbClient, entry: AuditEntry): Promise<void> {
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
