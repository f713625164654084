import type { ControlPlaneConfig } from '@wa-fleet/config';
import type { DbClient } from '@wa-fleet/db';
import type { Role, TenantStatus } from '@wa-fleet/shared';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { ProcessDriver } from './services/process-driver.ts';
import type { WorkerLifecycle } from './services/worker-lifecycle.ts';
import type { ProcessView } from './services/process-view.ts';
import type { SendQueues } from './services/send-queues.ts';
import type { Metrics } from './plugins/app/metrics.ts';
import type { RepeatingTask } from './services/repeating-task.ts';
import type { SignInLimiter } from './services/passwords-limiter.ts';
import type { ResolvedApiKey } from './services/api-keys.ts';
import type { SessionCache } from './services/sessions.ts';
import type { WebhookDispatcher } from './services/webhooks/dispatcher.ts';

/** Who is calling, as established by the auth plugin before any handler runs. */
export interface PortalIdentity {
  user: { id: string; email: string; name: string };
  /** The tenant every /portal/tenant/current route acts on: always from a membership, never from input. */
  tenant: { id: string; slug: string; name: string } | null;
  /** That tenant's status as read with the session (the disabled-tenant check uses it). */
  tenantStatus: TenantStatus | null;
  role: Role | null;
  isSuperAdmin: boolean;
  memberships: {
    tenantId: string | null;
    tenantSlug: string | null;
    tenantName: string | null;
    role: Role;
  }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    config: ControlPlaneConfig;
    db: DbClient;
    /** node-postgres pool for the hot read paths (plain SQL, no Prisma). */
    sql: Pool;
    redis: Redis;
    driver: ProcessDriver;
    workers: WorkerLifecycle;
    /** The process driver's list, refreshed in the background (GET /admin/workers reads it). */
    processView: ProcessView;
    sendQueues: SendQueues;
    metrics: Metrics;
    /** Background jobs by name ('stale-checker', 'reconciler'); empty when they do not run. */
    backgroundTasks: ReadonlyMap<string, RepeatingTask>;
    signInLimiter: SignInLimiter;
    /** Resolved portal sessions, remembered for SESSION_CACHE_TTL_MS; cleared by every change. */
    sessionCache: SessionCache;
    webhooks: WebhookDispatcher;
  }
  interface FastifyRequest {
    /** Audit actor: "api-key" (the admin key), "user:<email>" or "tenant-key:<keyId>". */
    actor: string;
    portal: PortalIdentity | null;
    /** The tenant API key of a /v1 request (set by requireApiKey), else null. */
    apiKey: ResolvedApiKey | null;
  }
  interface FastifyContextConfig {
    /** Lowest tenant role allowed on a /portal/tenant/current route (absent: any member). */
    minRole?: Role;
  }
}
