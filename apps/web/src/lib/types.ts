// Shapes of the control plane's answers as the portal reads them. Fields the control plane may omit are
// optional; the UI shows "—" rather than failing.

export interface WorkerInfo {
  status: string;
  pid?: number | null;
  lastHeartbeatAt?: string | null;
  heartbeatAgeMs?: number | null;
  lastError?: string | null;
  restarts?: number | null;
  restartCount?: number | null;
  memoryBytes?: number | null;
  cpuPercent?: number | null;
  uptimeMs?: number | null;
  startedAt?: string | null;
}

export interface SessionInfo {
  state: string;
  phoneNumber?: string | null;
  lastSeenAt?: string | null;
  qrUpdatedAt?: string | null;
}

export interface TenantInfo {
  id: string;
  slug: string;
  name: string;
  status: string;
  engine?: string | null;
  createdAt?: string;
}

export interface CurrentTenant {
  tenant: TenantInfo;
  role: string;
  worker: WorkerInfo | null;
  session: SessionInfo | null;
}

export interface QrAnswer {
  state: string;
  qr: string | null;
  updatedAt: string | null;
}

export interface MessageItem {
  id: string;
  createdAt: string;
  direction: 'IN' | 'OUT';
  from: string;
  to: string;
  body: string;
  status: string;
  error?: string | null;
}

export interface MessagePage {
  items: MessageItem[];
  nextCursor: string | null;
}

/** Heartbeat age: the control plane's figure (database clock) when given, else from the timestamp. */
export function heartbeatAgeOf(worker: WorkerInfo | null | undefined, now = Date.now()): number | null {
  if (!worker) return null;
  if (typeof worker.heartbeatAgeMs === 'number') return worker.heartbeatAgeMs;
  if (!worker.lastHeartbeatAt) return null;
  const t = Date.parse(worker.lastHeartbeatAt);
  return Number.isNaN(t) ? null : now - t;
}

export function restartsOf(worker: WorkerInfo | null | undefined): number | null {
  return worker?.restarts ?? worker?.restartCount ?? null;
}

/** A list the control plane sends bare or wrapped (`{ items }`, or `{ rules }` for auto-replies). */
export function readList<T>(data: unknown): T[] {
  if (Array.isArray(data)) return data as T[];
  const wrapped = data as { items?: unknown; rules?: unknown } | null | undefined;
  const list = wrapped?.items ?? wrapped?.rules;
  return Array.isArray(list) ? (list as T[]) : [];
}
