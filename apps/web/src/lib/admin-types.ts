import type { TenantInfo, WorkerInfo } from './types.ts';

export interface WorkerHealth {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  status: string;
  pid: number | null;
  processState: string | null;
  memoryBytes: number | null;
  cpuPercent: number | null;
  uptimeMs: number | null;
  restarts: number;
  lastHeartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  lastError: string | null;
}

export interface TenantWithWorker extends TenantInfo {
  worker: WorkerInfo;
}

export interface TenantDetail extends TenantWithWorker {
  session: {
    state: string;
    phoneNumber: string | null;
    qrUpdatedAt: string | null;
    lastSeenAt: string | null;
  };
}

export interface Items<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface LogLine {
  time?: string;
  level?: string | number;
  msg?: string;
  [field: string]: unknown;
}
