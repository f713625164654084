// String unions mirroring the Prisma enums, for code that must not depend on the database package
// (the portal, the logger). Kept in sync by packages/db/test (schema enum test).

export const ROLES = ['SUPER_ADMIN', 'TENANT_ADMIN', 'OPERATOR', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

/** Higher rank includes every permission of a lower one. */
export const ROLE_RANK: Record<Role, number> = {
  VIEWER: 1,
  OPERATOR: 2,
  TENANT_ADMIN: 3,
  SUPER_ADMIN: 4,
};

export function hasRoleAtLeast(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

export const TENANT_STATUSES = ['ACTIVE', 'ERROR', 'DISABLED'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const WORKER_STATUSES = ['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ERROR'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export const SESSION_STATES = ['DISCONNECTED', 'QR', 'CONNECTED', 'LOGGED_OUT', 'AUTH_FAILURE'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const MESSAGE_DIRECTIONS = ['IN', 'OUT'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];

/** Who asked for an outbound message: a portal user, an API key, or an auto-reply rule. */
export const SENDER_KINDS = ['USER', 'API_KEY', 'AUTO_REPLY'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];

export const MESSAGE_STATUSES = ['RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const REPLY_MATCH_TYPES = ['EXACT', 'CONTAINS', 'REGEX', 'DEFAULT'] as const;
export type ReplyMatchType = (typeof REPLY_MATCH_TYPES)[number];

export const SETUP_REQUEST_STATUSES = ['OPEN', 'IN_PROGRESS', 'DONE', 'REJECTED'] as const;
export type SetupRequestStatus = (typeof SETUP_REQUEST_STATUSES)[number];

export const WA_ENGINES = ['simulator', 'wwebjs'] as const;
export type WaEngineName = (typeof WA_ENGINES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What a process driver (PM2 today) reports about a worker's process, in words of our own: no driver's
 * vocabulary reaches the API or the portal. `crashed` is a process that exited and is not coming back by
 * itself (or is waiting in the driver's restart back-off).
 */
export const PROCESS_STATES = ['starting', 'running', 'stopping', 'stopped', 'crashed'] as const;
export type ProcessState = (typeof PROCESS_STATES)[number];

/**
 * What a tenant API key may do on the public API (/v1). Each route needs exactly one scope; a key holds
 * any non-empty set. Stored as text in api_keys.scopes (colons are not allowed in a database enum).
 */
export const API_KEY_SCOPES = ['messages:read', 'messages:send', 'session:read', 'webhooks:manage'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Events a webhook endpoint can subscribe to (written by the database triggers of the webhook outbox). */
export const WEBHOOK_EVENT_TYPES = [
  'message.received',
  'message.status',
  'session.state',
  'worker.status',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** The type of the event "send a test event" delivers to one endpoint. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';
export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'DEAD'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
