import type { Static } from 'typebox';
import type {
  MembershipSchema,
  SessionSchema,
  SetupRequestSchema,
  TenantSchema,
  WorkerSchema,
} from './common.ts';
import type {
  AuditEntrySchema,
  LogLineSchema,
  TenantDetail,
  TenantWithWorker,
  UserSchema,
  WorkerHealth,
} from './admin.ts';
import type { MessageSchema, RuleSchema } from './portal.ts';
import type { RouteBody, RouteResponse } from './routes.ts';

// Named static types of what the API sends, for code that shows it (portal pages, the CLI).

export type TenantDto = Static<typeof TenantSchema>;
export type WorkerDto = Static<typeof WorkerSchema>;
export type SessionDto = Static<typeof SessionSchema>;
export type MembershipDto = Static<typeof MembershipSchema>;
export type SetupRequestDto = Static<typeof SetupRequestSchema>;
export type TenantWithWorkerDto = Static<typeof TenantWithWorker>;
export type TenantDetailDto = Static<typeof TenantDetail>;
export type WorkerHealthDto = Static<typeof WorkerHealth>;
export type UserDto = Static<typeof UserSchema>;
export type AuditEntryDto = Static<typeof AuditEntrySchema>;
export type LogLineDto = Static<typeof LogLineSchema>;
export type MessageDto = Static<typeof MessageSchema>;
export type RuleDto = Static<typeof RuleSchema>;

export type CurrentTenantDto = RouteResponse<'GET /portal/tenant/current'>;
export type QrDto = RouteResponse<'GET /portal/tenant/current/qr'>;
export type StatsDto = RouteResponse<'GET /portal/tenant/current/stats'>;
export type DiagnosticsDto = RouteResponse<'GET /admin/tenants/:tenant/diagnostics'>;
export type MessagePageDto = RouteResponse<'GET /portal/tenant/current/logs'>;
export type ConversationDto = RouteResponse<'GET /portal/tenant/current/conversations'>['items'][number];
export type RuleInput = RouteBody<'POST /portal/tenant/current/auto-replies'>;
export type MembershipInput = NonNullable<RouteBody<'POST /admin/users'>['memberships']>[number];

export type {
  ApiKeyScope,
  LogLevel,
  MessageDirection,
  MessageStatus,
  MessageType,
  MediaStatus,
  ProcessState,
  ReplyMatchType,
  Role,
  SessionState,
  SetupRequestStatus,
  TenantStatus,
  WaEngineName,
  WorkerStatus,
} from '@wa-fleet/shared';

export type ApiKeyDto = RouteResponse<'GET /portal/tenant/current/api-keys'>['items'][number];
export type WebhookEndpointDto = RouteResponse<'GET /portal/tenant/current/webhooks'>['items'][number];
export type WebhookDeliveryDto =
  RouteResponse<'GET /portal/tenant/current/webhooks/:id/deliveries'>['items'][number];
