import { Type } from 'typebox';
import { Nullable } from './common.ts';

export const SetupRequestStatusSchema = Type.Enum(['OPEN', 'IN_PROGRESS', 'DONE', 'REJECTED']);

export const SetupRequestSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  tenantSlug: Type.String(),
  userEmail: Nullable(Type.String()),
  status: SetupRequestStatusSchema,
  notes: Type.String(),
  adminNote: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const SETUP_REQUEST_INCLUDE = {
  tenant: { select: { slug: true } },
  user: { select: { email: true } },
} as const;

export function toSetupRequestDto(r: {
  id: string;
  tenantId: string;
  status: 'OPEN' | 'IN_PROGRESS' | 'DONE' | 'REJECTED';
  notes: string;
  adminNote: string | null;
  createdAt: Date;
  updatedAt: Date;
  tenant: { slug: string };
  user: { email: string } | null;
}) {
  return {
    id: r.id,
    tenantId: r.tenantId,
    tenantSlug: r.tenant.slug,
    userEmail: r.user?.email ?? null,
    status: r.status,
    notes: r.notes,
    adminNote: r.adminNote,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
