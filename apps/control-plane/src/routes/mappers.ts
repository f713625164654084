import type { DbClient } from '@wa-fleet/db';
import {
  WA_ENGINES,
  type SessionState,
  type WorkerStatus,
  type SetupRequestStatus,
  type TenantStatus,
  type WaEngineName,
} from '@wa-fleet/shared';

// Response shapes are built field by field: a new column (say, a password hash or a QR payload) never
// reaches a client just because it was selected.

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  engine: string | null;
  createdAt: Date;
  updatedAt: Date;
}

function toEngine(value: string | null): WaEngineName | null {
  return WA_ENGINES.find((e) => e === value) ?? null;
}

export function toTenantDto(t: TenantRow) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    status: t.status,
    engine: toEngine(t.engine),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export interface WorkerRow {
  status: WorkerStatus;
  pid: number | null;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  lastError: string | null;
  restartCount: number;
}

export function toWorkerDto(w: WorkerRow | null | undefined, dbNow: Date) {
  return {
    status: w?.status ?? 'STOPPED',
    pid: w?.pid ?? null,
    startedAt: iso(w?.startedAt),
    lastHeartbeatAt: iso(w?.lastHeartbeatAt),
    heartbeatAgeMs: w?.lastHeartbeatAt ? Math.max(0, dbNow.getTime() - w.lastHeartbeatAt.getTime()) : null,
    lastError: w?.lastError ?? null,
    restartCount: w?.restartCount ?? 0,
  };
}

export interface SessionRow {
  state: SessionState;
  phoneNumber: string | null;
  qrUpdatedAt: Date | null;
  lastSeenAt: Date | null;
}

export function toSessionDto(s: SessionRow | null | undefined) {
  return {
    state: s?.state ?? 'DISCONNECTED',
    phoneNumber: s?.phoneNumber ?? null,
    qrUpdatedAt: iso(s?.qrUpdatedAt),
    lastSeenAt: iso(s?.lastSeenAt),
  };
}

export const WORKER_SELECT = {
  status: true,
  pid: true,
  startedAt: true,
  lastHeartbeatAt: true,
  lastError: true,
  restartCount: true,
} as const;

export const SESSION_SELECT = {
  state: true,
  phoneNumber: true,
  qrUpdatedAt: true,
  lastSeenAt: true,
} as const;

/** The database's clock: heartbeat ages are computed against the clock that wrote the heartbeats. */
export async function databaseNow(db: DbClient): Promise<Date> {
  const [row] = await db.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;
  return row.now;
}

/** Keyset cursors: opaque base64url of "<iso time>|<uuid>". */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!time || !id || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const createdAt = new Date(time);
  return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id };
}

export const SETUP_REQUEST_INCLUDE = {
  tenant: { select: { slug: true } },
  user: { select: { email: true } },
} as const;

export function toSetupRequestDto(r: {
  id: string;
  tenantId: string;
  status: SetupRequestStatus;
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
