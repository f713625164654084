import { Type } from 'typebox';
import { LOG_LEVELS, SIMULATOR_COMMANDS } from '@wa-fleet/shared';
import {
  DateTime,
  EngineSchema,
  errorResponses,
  IdParams,
  Items,
  LogLevelSchema,
  MessageTypeSchema,
  Nullable,
  NullableDateTime,
  Page,
  ProcessStateSchema,
  RoleSchema,
  SessionSchema,
  SessionStateSchema,
  SetupRequestSchema,
  SetupRequestStatusSchema,
  Slug,
  TENANT_REF_PATTERN,
  TenantParams,
  TenantSchema,
  TenantStatusSchema,
  WorkerSchema,
  WorkerStatusSchema,
} from './common.ts';

// Schemas of the /admin/* routes (Bearer ADMIN_API_KEY, or a SUPER_ADMIN through the portal).

const tags = ['admin'];
const TenantName = Type.String({ minLength: 1, maxLength: 200 });

export const TenantWithWorker = Type.Object({ ...TenantSchema.properties, worker: WorkerSchema });
export const TenantDetail = Type.Object({
  ...TenantSchema.properties,
  worker: WorkerSchema,
  session: SessionSchema,
});

/** One worker as the database and the process driver see it. */
export const WorkerHealth = Type.Object({
  tenantId: Type.String(),
  tenantSlug: Type.String(),
  tenantName: Type.String(),
  status: WorkerStatusSchema,
  pid: Nullable(Type.Integer()),
  processState: Nullable(ProcessStateSchema),
  memoryBytes: Nullable(Type.Number()),
  cpuPercent: Nullable(Type.Number()),
  uptimeMs: Nullable(Type.Number()),
  restartCount: Type.Integer(),
  lastHeartbeatAt: NullableDateTime,
  heartbeatAgeMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
});

/** One change of a worker's status, as the database trigger recorded it. */
export const WorkerStatusChange = Type.Object({
  at: DateTime,
  /** null for the first status a worker row got. */
  from: Nullable(WorkerStatusSchema),
  to: WorkerStatusSchema,
  reason: Nullable(Type.String()),
  /** Who wrote it: the PostgreSQL application name of the worker or control plane connection. */
  actor: Nullable(Type.String()),
});

export const WORKER_ACTIONS = ['start', 'stop', 'restart'] as const;
export type WorkerAction = (typeof WORKER_ACTIONS)[number];

const workerAction = (action: WorkerAction) => ({
  tags,
  summary: `${action} a tenant worker (202 at once; the transition finishes in the background)`,
  params: TenantParams,
  response: { 202: Type.Object({ status: WorkerStatusSchema }), ...errorResponses },
});

/** A line of a tenant's Pino log, as written (time, level, msg, and whatever else the worker logged). */
export const LogLineSchema = Type.Record(Type.String(), Type.Unknown());

const MembershipInput = Type.Object(
  {
    tenant: Type.Optional(
      Nullable(Type.String({ pattern: TENANT_REF_PATTERN, description: 'slug or id; null for SUPER_ADMIN' })),
    ),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  isActive: Type.Boolean(),
  createdAt: DateTime,
  memberships: Type.Array(
    Type.Object({ tenantId: Nullable(Type.String()), tenantSlug: Nullable(Type.String()), role: RoleSchema }),
  ),
});

const Password = Type.String({ minLength: 8, maxLength: 200 });

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  actor: Type.String(),
  tenantId: Nullable(Type.String()),
  tenantSlug: Nullable(Type.String()),
  action: Type.String(),
  details: Type.Unknown(),
  createdAt: DateTime,
});

export const adminRoutes = {
  'POST /admin/tenants': {
    tags,
    summary: 'Create a tenant (its worker starts STOPPED)',
    body: Type.Object(
      { slug: Slug, name: TenantName, engine: Type.Optional(Nullable(EngineSchema)) },
      { additionalProperties: false },
    ),
    response: { 201: TenantSchema, ...errorResponses },
  },
  'GET /admin/tenants': {
    tags,
    summary: 'List tenants with their worker status',
    response: { 200: Items(TenantWithWorker), ...errorResponses },
  },
  'GET /admin/tenants/:tenant': {
    tags,
    summary: 'A tenant by id or slug, with worker and session',
    params: TenantParams,
    response: { 200: TenantDetail, ...errorResponses },
  },
  'PATCH /admin/tenants/:tenant': {
    tags,
    summary:
      'Rename a tenant, choose its engine, or disable it (stops its worker; its users are locked out until enabled again). The slug is immutable',
    params: TenantParams,
    body: Type.Object(
      {
        name: Type.Optional(TenantName),
        engine: Type.Optional(Nullable(EngineSchema)),
        status: Type.Optional(Type.Enum(['ACTIVE', 'DISABLED'])),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: { 200: TenantSchema, ...errorResponses },
  },
  'DELETE /admin/tenants/:tenant': {
    tags,
    summary:
      'Delete a tenant: stops its worker, then removes its data, log files and WhatsApp session data (audit entries stay)',
    params: TenantParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
  'POST /admin/tenants/:tenant/worker/start': workerAction('start'),
  'POST /admin/tenants/:tenant/worker/stop': workerAction('stop'),
  'POST /admin/tenants/:tenant/worker/restart': workerAction('restart'),
  'GET /admin/tenants/:tenant/worker/history': {
    tags,
    summary: "A worker's status changes (time, from, to, reason), newest first; the last 30 days",
    params: TenantParams,
    querystring: Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 100' })),
      },
      { additionalProperties: false },
    ),
    response: { 200: Items(WorkerStatusChange), ...errorResponses },
  },
  'GET /admin/workers': {
    tags,
    summary:
      'Health of every worker: database status joined with what the process driver sees. The process ' +
      'columns come from a snapshot refreshed in the background (about every second while read); ' +
      '`processView` says how old it is',
    response: {
      200: Type.Object({
        items: Type.Array(WorkerHealth),
        processView: Type.Object({
          /** When the process driver was asked for the list the process columns come from. */
          observedAt: NullableDateTime,
          ageMs: Nullable(Type.Integer()),
          /** The last refresh failed: the columns are from the previous list (or null). */
          error: Nullable(Type.String()),
        }),
      }),
      ...errorResponses,
    },
  },
  'POST /admin/tenants/:tenant/simulate': {
    tags,
    summary:
      'Simulated WhatsApp network of a simulator tenant: `inbound` stores a customer message on its phone ' +
      '(whether or not a worker runs; the worker takes it live or by backfill), other types are session ' +
      'commands for the running worker; `fail_media` makes the next `count` media downloads fail; `edit` (new `text`) ' +
      'and `revoke` (deleted for everyone) change the customer message `targetId`. 409 when the tenant runs another engine',
    params: TenantParams,
    body: Type.Object(
      {
        type: Type.Enum([...SIMULATOR_COMMANDS]),
        from: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{4,20}$' })),
        text: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        message: Type.Optional(Type.String({ maxLength: 500 })),
        /** `fail_sends`: how many of the next sends fail with a retryable error. */
        count: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        /** `enter_pairing_code`: the code typed on the simulated phone. */
        code: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
        /**
         * `inbound`: what the customer sends (default TEXT). A type with a file gets a small real one
         * made by the simulator (PNG, WAV, PDF, MP4, WebP); `text` is then the caption.
         */
        messageType: Type.Optional(MessageTypeSchema),
        /** `inbound` UNSUPPORTED: the network's own name of the type. */
        rawType: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        latitude: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
        longitude: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
        locationName: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
        /**
         * `inbound` REACTION: the emoji and the WhatsApp id of the message reacted to; `edit` / `revoke`:
         * the WhatsApp id of the customer's message changed.
         */
        emoji: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
        targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      },
      { additionalProperties: false },
    ),
    response: {
      202: Type.Object({
        /** inbound: 1 (stored on the phone); a command: how many running workers heard it. */
        delivered: Type.Integer(),
        /** inbound: the WhatsApp id the message got; edit / revoke: the id of the message changed. */
        waMessageId: Type.Optional(Type.String()),
      }),
      ...errorResponses,
    },
  },
  'GET /admin/tenants/:tenant/diagnostics': {
    tags,
    summary: 'Why does a user see no logs? Memberships, message counts, worker and session of a tenant',
    params: TenantParams,
    response: {
      200: Type.Object({
        tenant: Type.Object({
          id: Type.String(),
          slug: Type.String(),
          name: Type.String(),
          status: TenantStatusSchema,
        }),
        memberships: Type.Array(
          Type.Object({ email: Type.String(), role: RoleSchema, isActive: Type.Boolean() }),
        ),
        messages: Type.Object({
          total: Type.Integer(),
          inbound: Type.Integer(),
          outbound: Type.Integer(),
          queued: Type.Integer(),
          failed: Type.Integer(),
          lastMessageAt: NullableDateTime,
        }),
        worker: Type.Object({
          status: WorkerStatusSchema,
          heartbeatAgeMs: Nullable(Type.Integer()),
          lastError: Nullable(Type.String()),
        }),
        session: Type.Object({ state: SessionStateSchema }),
        hints: Type.Array(Type.String()),
      }),
      ...errorResponses,
    },
  },
  'GET /admin/tenants/:tenant/logs': {
    tags,
    summary: "The last lines of a tenant's process log (read from the end: cost independent of file size)",
    params: TenantParams,
    querystring: Type.Object(
      {
        lines: Type.Optional(Type.Integer({ minimum: 1, maximum: 5_000, description: 'default 200' })),
        level: Type.Optional(Type.Enum([...LOG_LEVELS], { description: 'minimum level' })),
        since: Type.Optional(DateTime),
      },
      { additionalProperties: false },
    ),
    response: {
      200: Type.Object({
        tenant: Type.String(),
        lines: Type.Array(LogLineSchema),
        bytesRead: Type.Integer(),
        fileSize: Type.Integer(),
        isTruncated: Type.Boolean(),
      }),
      ...errorResponses,
    },
  },
  'GET /admin/tenants/:tenant/logs/stream': {
    tags,
    summary:
      "Follow a tenant's process log as Server-Sent Events (one JSON line per event; survives rotation). 429 past LOG_STREAM_MAX_PER_CALLER open streams of the caller or LOG_STREAM_MAX_TOTAL in all",
    params: TenantParams,
    querystring: Type.Object(
      {
        level: Type.Optional(LogLevelSchema),
        lines: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 1_000, description: 'recent lines first, default 0' }),
        ),
      },
      { additionalProperties: false },
    ),
    response: {
      200: {
        description: 'text/event-stream',
        content: { 'text/event-stream': { schema: Type.String() } },
      },
      ...errorResponses,
    },
  },
  'POST /admin/users': {
    tags,
    summary: 'Create a user with memberships',
    body: Type.Object(
      {
        email: Type.String({ format: 'email', maxLength: 320 }),
        name: Type.String({ minLength: 1, maxLength: 200 }),
        password: Password,
        memberships: Type.Optional(Type.Array(MembershipInput, { maxItems: 100, description: 'default []' })),
      },
      { additionalProperties: false },
    ),
    response: { 201: UserSchema, ...errorResponses },
  },
  'GET /admin/users': {
    tags,
    summary: 'List users with their memberships',
    response: { 200: Items(UserSchema), ...errorResponses },
  },
  'GET /admin/users/:id': {
    tags,
    summary: 'A user',
    params: IdParams,
    response: { 200: UserSchema, ...errorResponses },
  },
  'PATCH /admin/users/:id': {
    tags,
    summary: 'Change name, password, active flag, or replace the memberships',
    params: IdParams,
    body: Type.Object(
      {
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        password: Type.Optional(Password),
        isActive: Type.Optional(Type.Boolean()),
        memberships: Type.Optional(Type.Array(MembershipInput, { maxItems: 100 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: { 200: UserSchema, ...errorResponses },
  },
  'DELETE /admin/users/:id/sessions': {
    tags,
    summary: 'Sign the user out everywhere: end all of their portal sessions at once',
    params: IdParams,
    response: { 200: Type.Object({ ended: Type.Integer({ minimum: 0 }) }), ...errorResponses },
  },
  'DELETE /admin/users/:id': {
    tags,
    summary: 'Delete a user',
    params: IdParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
  'GET /admin/audit': {
    tags,
    summary: 'The audit log, newest first (keyset pagination)',
    querystring: Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        cursor: Type.Optional(Type.String({ maxLength: 200 })),
        tenant: Type.Optional(Type.String({ pattern: TENANT_REF_PATTERN })),
        action: Type.Optional(Type.String({ pattern: '^[a-z_.]{1,100}$' })),
      },
      { additionalProperties: false },
    ),
    response: { 200: Page(AuditEntrySchema), ...errorResponses },
  },
  'GET /admin/setup-requests': {
    tags,
    summary: 'Setup requests from tenants, newest first',
    querystring: Type.Object(
      {
        status: Type.Optional(SetupRequestStatusSchema),
        tenant: Type.Optional(Type.String({ pattern: TENANT_REF_PATTERN })),
      },
      { additionalProperties: false },
    ),
    response: { 200: Items(SetupRequestSchema), ...errorResponses },
  },
  'PATCH /admin/setup-requests/:id': {
    tags,
    summary: 'Update a setup request (status, note to the tenant)',
    params: IdParams,
    body: Type.Object(
      {
        status: Type.Optional(SetupRequestStatusSchema),
        adminNote: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: { 200: SetupRequestSchema, ...errorResponses },
  },
} as const;
