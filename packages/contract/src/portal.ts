import { Type } from 'typebox';
import {
  DateTime,
  ErrorBody,
  errorResponses,
  IdParams,
  Uuid,
  Items,
  MatchTypeSchema,
  MembershipSchema,
  MessageDirectionSchema,
  MessageStatusSchema,
  MessageTypeSchema,
  MediaStatusSchema,
  Nullable,
  NullableDateTime,
  Page,
  RoleSchema,
  SessionSchema,
  SentByKindSchema,
  SessionStateSchema,
  SetupRequestSchema,
  TenantSchema,
  WorkerSchema,
  WorkerStatusSchema,
} from './common.ts';

// Schemas of the /portal/* routes, called only by the portal's server with the internal key.

const tags = ['portal'];

/**
 * A file sent with a message, inline as base64 (JSON like every other body, checked by the same
 * schemas). Its type is read from the bytes and must be one the fleet may send (OUTBOUND_MEDIA_TYPES:
 * JPEG, PNG, WebP, PDF, Ogg/Opus, MP3, M4A/MP4 audio, AAC, AMR); the size limit is the control plane's
 * SEND_MEDIA_MAX_BYTES (16 MiB by default).
 */
export const SendMediaSchema = Type.Object(
  {
    data: Type.String({ minLength: 1, description: "the file's bytes, base64 (RFC 4648, with padding)" }),
    fileName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'shown to the recipient of a document' }),
    ),
    mimeType: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'as the caller declares it (kept in meta); the type sent is the one found in the bytes',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MessageSchema = Type.Object({
  id: Type.String(),
  direction: MessageDirectionSchema,
  from: Type.String(),
  to: Type.String(),
  body: Type.String(),
  status: MessageStatusSchema,
  error: Nullable(Type.String()),
  waMessageId: Nullable(Type.String()),
  idempotencyKey: Nullable(Type.String()),
  replyToId: Nullable(Type.String()),
  attempts: Type.Integer(),
  /** Outbound only: who sent it (USER: id and email; API_KEY: its label; AUTO_REPLY: the rule id). */
  sentBy: Nullable(
    Type.Object({
      kind: SentByKindSchema,
      id: Nullable(Type.String()),
      label: Nullable(Type.String()),
    }),
  ),
  /** TEXT, IMAGE, VIDEO, AUDIO, VOICE (a voice note), DOCUMENT, STICKER, LOCATION, CONTACT, REACTION, UNSUPPORTED. */
  type: MessageTypeSchema,
  /** The network's own name of the type (always set for UNSUPPORTED, e.g. `poll_creation`). */
  rawType: Nullable(Type.String()),
  /** What WhatsApp told about the content; each field only where it applies and is known. */
  meta: Type.Object({
    caption: Type.Optional(Type.String()),
    fileName: Type.Optional(Type.String()),
    /** As the sender declared it; `media.mimeType` is what the stored bytes are. */
    mimeType: Type.Optional(Type.String()),
    size: Type.Optional(Type.Number()),
    durationS: Type.Optional(Type.Number()),
    width: Type.Optional(Type.Number()),
    height: Type.Optional(Type.Number()),
    latitude: Type.Optional(Type.Number()),
    longitude: Type.Optional(Type.Number()),
    locationName: Type.Optional(Type.String()),
    vcard: Type.Optional(Type.String()),
    emoji: Type.Optional(Type.String()),
    /** REACTION: the WhatsApp id of the message reacted to. */
    targetWaMessageId: Type.Optional(Type.String()),
  }),
  /** Messages with a file: where the file is (null for the other types). */
  media: Nullable(
    Type.Object({
      /** PENDING (not fetched yet), RETRYING (a download failed, `error` says why), STORED, FAILED. */
      status: MediaStatusSchema,
      /** The type read from the stored bytes. */
      mimeType: Nullable(Type.String()),
      size: Nullable(Type.Integer()),
      attempts: Type.Integer(),
      error: Nullable(Type.String()),
    }),
  ),
  /**
   * Inbound: when the sender last edited the text (null: never edited). `body` is the text as it is
   * now; `edits` the texts it had before, oldest first, each with when it was replaced.
   */
  editedAt: Nullable(DateTime),
  edits: Type.Array(Type.Object({ previousBody: Type.String(), editedAt: DateTime })),
  /**
   * Inbound: when the sender deleted it for everyone (null: not deleted). Its text and edits are kept
   * or emptied by the workers' DELETED_MESSAGE_CONTENT setting (keep by default).
   */
  deletedAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
  /**
   * Only when the list was searched (q): the matched words of body, as [start, end) offsets in UTF-16
   * code units (JavaScript string indexes), in text order. Empty when only a number matched.
   */
  highlights: Type.Optional(
    Type.Array(Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) })),
  ),
});

/** The filter of the message list; the CSV export takes the same. */
export const messageFilterFields = {
  direction: Type.Optional(MessageDirectionSchema),
  status: Type.Optional(MessageStatusSchema),
  type: Type.Optional(MessageTypeSchema),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'full-text search: every word of q must start a word of the text (case-insensitive, any language: ' +
        '"pizz deliv" finds "Do you deliver pizza?"); 3 or more digits (spaces, +, -, (, ) ignored) ' +
        'also find messages whose from or to number contains them',
    }),
  ),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
};

export const MessageSortSchema = Type.Union([Type.Literal('relevance'), Type.Literal('newest')], {
  description:
    'relevance (the default when q is given): best match first (ts_rank), then newest; newest (the ' +
    'default without q): newest first on (createdAt, id)',
});
export const MessageFilterQuery = Type.Object(messageFilterFields, { additionalProperties: false });

export const RuleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  matchType: MatchTypeSchema,
  pattern: Type.String(),
  reply: Type.String(),
  priority: Type.Integer(),
  isEnabled: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const ruleFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  matchType: MatchTypeSchema,
  pattern: Type.String({ maxLength: 500 }),
  reply: Type.String({ minLength: 1, maxLength: 4096 }),
  priority: Type.Integer({ minimum: 0, maximum: 10_000 }),
  isEnabled: Type.Boolean(),
};

const DayCounts = {
  inbound: Type.Integer(),
  outbound: Type.Integer(),
  failed: Type.Integer(),
  autoReplies: Type.Integer(),
};

const SessionAnswer = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  memberships: Type.Array(MembershipSchema),
});

/** The portal session a call acts for; the portal sets it from its cookie, never the browser. */
const TokenHeaders = Type.Object({
  'x-session-token': Type.String({ minLength: 1, maxLength: 200 }),
});

export const portalRoutes = {
  'POST /portal/auth/login': {
    tags,
    summary: 'Check a user password and open a server-side session',
    description:
      'Throttled per client address (x-client-address, trusted from the portal only) and per account ' +
      '(growing delays for addresses that failed on it); 429/503 carry Retry-After.',
    body: Type.Object(
      {
        email: Type.String({ minLength: 3, maxLength: 320 }),
        password: Type.String({ minLength: 1, maxLength: 200 }),
      },
      { additionalProperties: false },
    ),
    response: {
      200: Type.Object({
        ...SessionAnswer.properties,
        session: Type.Object({
          token: Type.String({ description: 'opaque; only its SHA-256 is stored' }),
          expiresAt: DateTime,
        }),
      }),
      ...errorResponses,
    },
  },
  'POST /portal/auth/logout': {
    tags,
    summary: 'End the session of x-session-token (idempotent)',
    headers: TokenHeaders,
    response: { 204: Type.Null(), ...errorResponses },
  },
  'GET /portal/auth/session': {
    tags,
    summary: 'The user and memberships behind x-session-token (401 once the session has ended)',
    security: [{ portalKey: [], portalSession: [] }],
    response: { 200: SessionAnswer, ...errorResponses },
  },
  'GET /portal/tenant/current': {
    tags,
    summary: "The caller's tenant, role, worker and session",
    response: {
      200: Type.Object({
        tenant: TenantSchema,
        role: RoleSchema,
        memberships: Type.Array(MembershipSchema),
        worker: WorkerSchema,
        session: SessionSchema,
      }),
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/qr': {
    tags,
    summary:
      'The QR code to link the WhatsApp number (a PNG data URI while the session waits for a scan; TENANT_ADMIN and up)',
    response: {
      200: Type.Object({
        state: SessionStateSchema,
        qr: Nullable(Type.String()),
        updatedAt: NullableDateTime,
        /**
         * Linking by pairing code, once asked for (null otherwise): the number, the code while it is
         * valid and the session waits, when it expires, and why the last request failed.
         */
        pairing: Nullable(
          Type.Object({
            phoneNumber: Type.String(),
            requestedAt: Type.String({ format: 'date-time' }),
            code: Nullable(Type.String()),
            expiresAt: NullableDateTime,
            error: Nullable(Type.String()),
          }),
        ),
      }),
      ...errorResponses,
    },
  },
  'POST /portal/tenant/current/pairing-code': {
    tags,
    summary:
      'Link the WhatsApp number by a pairing code instead of the QR (TENANT_ADMIN and up): the worker asks ' +
      'WhatsApp for an 8-character code to type on the phone with this number (Linked devices > Link ' +
      'with phone number); the code then appears in GET /portal/tenant/current/qr and refreshes until ' +
      'typed. 409 when the number is already linked or the worker is not running',
    body: Type.Object(
      {
        phoneNumber: Type.String({
          pattern: '^\\+?[0-9]{8,15}$',
          description: 'the number to link, international format, digits only (a leading + is allowed)',
          examples: ['+15551234567'],
        }),
      },
      { additionalProperties: false },
    ),
    response: {
      202: Type.Object({ phoneNumber: Type.String(), requestedAt: Type.String({ format: 'date-time' }) }),
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/stats': {
    tags,
    summary: 'Message counts per day (UTC) from the hourly statistics',
    querystring: Type.Object(
      { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'default 7' })) },
      { additionalProperties: false },
    ),
    response: {
      200: Type.Object({
        days: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), ...DayCounts })),
        totals: Type.Object(DayCounts),
      }),
      ...errorResponses,
    },
  },
  'POST /portal/tenant/current/worker/restart': {
    tags,
    summary: "Restart the caller's worker (TENANT_ADMIN and up)",
    response: { 202: Type.Object({ status: WorkerStatusSchema }), ...errorResponses },
  },
  'POST /portal/tenant/current/setup-requests': {
    tags,
    summary: 'Ask the platform admins for help with setup',
    body: Type.Object(
      { notes: Type.String({ minLength: 1, maxLength: 4000 }) },
      { additionalProperties: false },
    ),
    response: { 201: SetupRequestSchema, ...errorResponses },
  },
  'GET /portal/tenant/current/setup-requests': {
    tags,
    summary: "The caller's tenant's setup requests, newest first",
    response: { 200: Items(SetupRequestSchema), ...errorResponses },
  },
  'GET /portal/tenant/current/logs': {
    tags,
    summary: "Message logs of the caller's tenant, newest first, keyset pagination on (created_at, id)",
    querystring: Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
        cursor: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(MessageSortSchema),
        ...messageFilterFields,
      },
      { additionalProperties: false },
    ),
    response: { 200: Page(MessageSchema), ...errorResponses },
  },
  'GET /portal/tenant/current/logs/export': {
    tags,
    summary:
      "CSV of every message of the list's filter, newest first, streamed from one database cursor. " +
      '413 when more than MESSAGE_EXPORT_MAX_ROWS match (nothing is sent: narrow the filter)',
    description:
      'Columns: time_utc (ISO 8601, UTC), direction, from, to, status, text, error, sent_by, id. RFC 4180 ' +
      'quoting; a cell starting with = + - @ (or tab / carriage return) gets a leading apostrophe so a ' +
      'spreadsheet never runs it as a formula.',
    querystring: MessageFilterQuery,
    response: {
      200: { description: 'text/csv', content: { 'text/csv': { schema: Type.String() } } },
      413: ErrorBody,
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/logs/export/size': {
    tags,
    summary:
      'Whether the CSV export of this filter fits MESSAGE_EXPORT_MAX_ROWS (asked before the download, ' +
      'so the portal can say why instead of starting a download that gets 413)',
    description:
      'Counts the matching rows only up to maxRows + 1. The export itself checks the cap again when it ' +
      'starts: rows written in between can still make it answer 413.',
    querystring: MessageFilterQuery,
    response: {
      200: Type.Object({
        fits: Type.Boolean({ description: 'false: more than maxRows messages match' }),
        maxRows: Type.Integer({ description: 'MESSAGE_EXPORT_MAX_ROWS' }),
      }),
      ...errorResponses,
    },
  },
  'POST /portal/tenant/current/messages': {
    tags,
    summary:
      'Queue an outbound message (stored QUEUED first; a repeated idempotencyKey returns the first one)',
    body: Type.Object(
      {
        to: Type.String({
          pattern: '^\\+?[0-9]{5,20}$',
          description: 'phone number, digits with country code',
        }),
        text: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 4096,
            description: 'the message; with media, its caption (required without media)',
          }),
        ),
        media: Type.Optional(SendMediaSchema),
        idempotencyKey: Type.Optional(
          Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
        ),
      },
      { additionalProperties: false },
    ),
    response: {
      202: Type.Object({ id: Type.String(), status: MessageStatusSchema, isDuplicate: Type.Boolean() }),
      413: ErrorBody,
      415: ErrorBody,
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/messages/:id/media': {
    tags,
    summary:
      "A message's file (the caller's tenant only; another tenant's id is 404). `variant=thumbnail`: a JPEG of at most 320 px for images and stickers",
    params: IdParams,
    querystring: Type.Object(
      { variant: Type.Optional(Type.Enum(['original', 'thumbnail'], { description: 'default original' })) },
      { additionalProperties: false },
    ),
    response: {
      200: {
        description: 'the file, with its type read from its bytes',
        content: {
          'application/octet-stream': {
            schema: Type.Unsafe<Uint8Array>({ type: 'string', format: 'binary' }),
          },
        },
      },
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/conversations': {
    tags,
    summary:
      'Chats of the tenant, newest activity first: the contact, the last message and how many inbound ones came since the tenant last read the chat',
    querystring: Type.Object(
      { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })) },
      { additionalProperties: false },
    ),
    response: {
      200: Items(
        Type.Object({
          contact: Type.String(),
          lastMessage: MessageSchema,
          unread: Type.Integer(),
          lastReadAt: NullableDateTime,
        }),
      ),
      ...errorResponses,
    },
  },
  'GET /portal/tenant/current/conversations/:contact/messages': {
    tags,
    summary:
      'One chat, oldest first: the newest `limit` messages (reactions included; `before` pages back by a message id)',
    params: Type.Object({ contact: Type.String({ pattern: '^[0-9A-Za-z@._-]{1,64}$' }) }),
    querystring: Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 100' })),
        before: Type.Optional(Uuid),
      },
      { additionalProperties: false },
    ),
    response: { 200: Items(MessageSchema), ...errorResponses },
  },
  'POST /portal/tenant/current/conversations/:contact/read': {
    tags,
    summary: 'The tenant has read this chat up to now: its unread count starts again from zero',
    params: Type.Object({ contact: Type.String({ pattern: '^[0-9A-Za-z@._-]{1,64}$' }) }),
    response: { 200: Type.Object({ contact: Type.String(), lastReadAt: DateTime }), ...errorResponses },
  },
  'GET /portal/tenant/current/auto-replies': {
    tags,
    summary: 'Auto-reply rules, by priority',
    response: { 200: Items(RuleSchema), ...errorResponses },
  },
  'GET /portal/tenant/current/auto-replies/:id': {
    tags,
    summary: 'One auto-reply rule',
    params: IdParams,
    response: { 200: RuleSchema, ...errorResponses },
  },
  'POST /portal/tenant/current/auto-replies': {
    tags,
    summary: 'Create an auto-reply rule (TENANT_ADMIN and up)',
    body: Type.Object(
      {
        name: ruleFields.name,
        matchType: ruleFields.matchType,
        pattern: Type.Optional(ruleFields.pattern),
        reply: ruleFields.reply,
        priority: Type.Optional(ruleFields.priority),
        isEnabled: Type.Optional(ruleFields.isEnabled),
      },
      { additionalProperties: false },
    ),
    response: { 201: RuleSchema, ...errorResponses },
  },
  'PATCH /portal/tenant/current/auto-replies/:id': {
    tags,
    summary: 'Change an auto-reply rule (TENANT_ADMIN and up)',
    params: IdParams,
    body: Type.Object(
      {
        name: Type.Optional(ruleFields.name),
        matchType: Type.Optional(ruleFields.matchType),
        pattern: Type.Optional(ruleFields.pattern),
        reply: Type.Optional(ruleFields.reply),
        priority: Type.Optional(ruleFields.priority),
        isEnabled: Type.Optional(ruleFields.isEnabled),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: { 200: RuleSchema, ...errorResponses },
  },
  'DELETE /portal/tenant/current/auto-replies/:id': {
    tags,
    summary: 'Delete an auto-reply rule (TENANT_ADMIN and up)',
    params: IdParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
} as const;
