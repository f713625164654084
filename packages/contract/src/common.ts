import { Type, type TSchema } from 'typebox';
import {
  PROCESS_STATES,
  REPLY_MATCH_TYPES,
  ROLES,
  SESSION_STATES,
  SETUP_REQUEST_STATUSES,
  SLUG_PATTERN,
  TENANT_STATUSES,
  UUID_PATTERN,
  WA_ENGINES,
  WORKER_STATUSES,
  MESSAGE_DIRECTIONS,
  MESSAGE_STATUSES,
  SENDER_KINDS,
  LOG_LEVELS,
  MESSAGE_TYPES,
  MEDIA_STATUSES,
} from '@wa-fleet/shared';

// Building blocks of the route schemas. Every enum comes from @wa-fleet/shared (which the database
// package's tests keep equal to the Prisma enums), so no value list is written twice.

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Nullable(DateTime);

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'ErrorBody' },
);

/** Responses every authenticated route may give besides its own. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
} as const;

const unanchored = (re: RegExp) => re.source.replace(/^\^/, '').replace(/\$$/, '');

/**
 * A tenant in a URL: its slug or its id. Anything else (dots, slashes, encoded or look-alike characters)
 * fails validation with 400 before any handler runs, so no path is ever built from it.
 */
export const TENANT_REF_PATTERN = `^(?:${unanchored(SLUG_PATTERN)}|${unanchored(UUID_PATTERN).replace(/\[0-9a-f\]/g, '[0-9a-fA-F]')})$`;
export const TenantRef = Type.String({
  pattern: TENANT_REF_PATTERN,
  maxLength: 40,
  description: 'tenant slug or id',
});
export const TenantParams = Type.Object({ tenant: TenantRef });

export const Uuid = Type.String({ pattern: UUID_PATTERN.source, description: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });

export const Slug = Type.String({
  pattern: SLUG_PATTERN.source,
  description: 'immutable: names logs and the worker',
});

export const RoleSchema = Type.Enum([...ROLES]);
export const WorkerStatusSchema = Type.Enum([...WORKER_STATUSES]);
export const SessionStateSchema = Type.Enum([...SESSION_STATES]);
export const TenantStatusSchema = Type.Enum([...TENANT_STATUSES]);
export const EngineSchema = Type.Enum([...WA_ENGINES]);
export const ProcessStateSchema = Type.Enum([...PROCESS_STATES]);
export const MessageDirectionSchema = Type.Enum([...MESSAGE_DIRECTIONS]);
export const MessageStatusSchema = Type.Enum([...MESSAGE_STATUSES]);
export const SentByKindSchema = Type.Enum([...SENDER_KINDS]);
export const MessageTypeSchema = Type.Enum([...MESSAGE_TYPES]);
export const MediaStatusSchema = Type.Enum([...MEDIA_STATUSES]);
export const MatchTypeSchema = Type.Enum([...REPLY_MATCH_TYPES]);
export const SetupRequestStatusSchema = Type.Enum([...SETUP_REQUEST_STATUSES]);
export const LogLevelSchema = Type.Enum([...LOG_LEVELS]);

export const TenantSchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  status: TenantStatusSchema,
  engine: Nullable(EngineSchema),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const WorkerSchema = Type.Object({
  status: WorkerStatusSchema,
  pid: Nullable(Type.Integer()),
  startedAt: NullableDateTime,
  lastHeartbeatAt: NullableDateTime,
  heartbeatAgeMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  restartCount: Type.Integer(),
});

export const SessionSchema = Type.Object({
  state: SessionStateSchema,
  phoneNumber: Nullable(Type.String()),
  qrUpdatedAt: NullableDateTime,
  lastSeenAt: NullableDateTime,
});

export const MembershipSchema = Type.Object({
  tenantId: Nullable(Type.String()),
  tenantSlug: Nullable(Type.String()),
  tenantName: Nullable(Type.String()),
  role: RoleSchema,
});

export const SetupRequestSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  tenantSlug: Type.String(),
  userEmail: Nullable(Type.String()),
  status: SetupRequestStatusSchema,
  notes: Type.String(),
  adminNote: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
