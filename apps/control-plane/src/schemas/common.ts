import { Type, type TSchema } from 'typebox';
import { PROCESS_STATES, SLUG_PATTERN, UUID_PATTERN } from '@wa-fleet/shared';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  },
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
export const TenantParams = Type.Object({
  tenant: Type.String({ pattern: TENANT_REF_PATTERN, maxLength: 40, description: 'tenant slug or id' }),
});

export const Uuid = Type.String({ pattern: UUID_PATTERN.source, description: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });

export const Slug = Type.String({
  pattern: SLUG_PATTERN.source,
  description: 'immutable: names logs and the worker',
});
export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const RoleSchema = Type.Enum(['SUPER_ADMIN', 'TENANT_ADMIN', 'OPERATOR', 'VIEWER']);
export const TenantRoleSchema = Type.Enum(['TENANT_ADMIN', 'OPERATOR', 'VIEWER']);
export const WorkerStatusSchema = Type.Enum(['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ERROR']);
export const ProcessStateSchema = Type.Enum([...PROCESS_STATES]);
export const SessionStateSchema = Type.Enum([
  'DISCONNECTED',
  'QR',
  'CONNECTED',
  'LOGGED_OUT',
  'AUTH_FAILURE',
]);
export const TenantStatusSchema = Type.Enum(['ACTIVE', 'ERROR', 'DISABLED']);
export const EngineSchema = Type.Enum(['simulator', 'wwebjs']);

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
