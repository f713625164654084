import { Type } from 'typebox';
import {
  ErrorBody,
  errorResponses,
  IdParams,
  MessageStatusSchema,
  Page,
  SessionSchema,
  TenantStatusSchema,
  WorkerSchema,
} from './common.ts';
import { MessageSchema, portalRoutes } from './portal.ts';

// The public, versioned tenant API (/v1/*): `Authorization: Bearer <tenant API key>`. The tenant is the
// key's, never anything in the request. Each route needs one scope (named in its summary); a key without
// it gets 403 naming the scope. Rate limited per key: RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset on every answer, 429 with Retry-After past the limit.

const tags = ['public API (v1)'];
const security = [{ tenantKey: [] }];

// The same fields and rules as the portal's send form and message list: one service serves both.
const sendBody = portalRoutes['POST /portal/tenant/current/messages'].body;
const listQuery = portalRoutes['GET /portal/tenant/current/logs'].querystring;

const exampleMessage = {
  id: '7d4f7c1e-52a4-4c55-9a57-0c1f3e1b2a10',
  direction: 'OUT',
  from: '4915100000000',
  to: '4915112345678',
  body: 'Your order 1042 has shipped.',
  status: 'DELIVERED',
  error: null,
  waMessageId: 'sim-3f2a9c',
  idempotencyKey: 'order-1042-shipped',
  replyToId: null,
  attempts: 1,
  sentBy: {
    kind: 'API_KEY',
    id: '0b5c6f3e-8d2a-4c1b-9e7f-1a2b3c4d5e6f',
    label: 'CRM integration (wak_3k9x2m7q4t1z)',
  },
  type: 'TEXT',
  rawType: null,
  meta: {},
  media: null,
  editedAt: null,
  edits: [],
  deletedAt: null,
  createdAt: '2026-12-02T09:30:00.000Z',
  updatedAt: '2026-12-02T09:30:02.000Z',
};

export const publicApiRoutes = {
  'POST /v1/messages': {
    tags,
    security,
    summary: 'Queue an outbound message (scope messages:send)',
    description:
      'Stored QUEUED, then sent by the tenant worker. A repeated idempotencyKey returns the first message ' +
      '(isDuplicate: true) instead of sending twice. The message records the key as its sender. With ' +
      '`media` (base64) it sends a file with `text` as its caption: the type is read from the bytes (JPEG, ' +
      'PNG, WebP, PDF, Ogg/Opus, MP3, M4A, AAC, AMR; anything else is 415), a file over the size limit is ' +
      '413; either writes nothing.',
    body: Type.Object(sendBody.properties, {
      additionalProperties: false,
      examples: [
        { to: '+4915112345678', text: 'Your order 1042 has shipped.', idempotencyKey: 'order-1042-shipped' },
        {
          to: '+4915112345678',
          text: 'Your invoice for order 1042',
          media: { data: 'JVBERi0xLjQK...', fileName: 'invoice-1042.pdf', mimeType: 'application/pdf' },
          idempotencyKey: 'order-1042-invoice',
        },
      ],
    }),
    response: {
      202: Type.Object(
        { id: Type.String(), status: MessageStatusSchema, isDuplicate: Type.Boolean() },
        { examples: [{ id: exampleMessage.id, status: 'QUEUED', isDuplicate: false }] },
      ),
      413: ErrorBody,
      415: ErrorBody,
      ...errorResponses,
    },
  },
  'GET /v1/messages': {
    tags,
    security,
    summary: "Messages of the key's tenant, newest first, keyset pagination (scope messages:read)",
    description:
      "The filters and paging of the portal's message list: pass nextCursor back as cursor for the next page.",
    querystring: listQuery,
    response: {
      200: Type.Object(Page(MessageSchema).properties, {
        examples: [{ items: [exampleMessage], nextCursor: 'MjAyNi0xMi0wMlQwOTozMDowMC4wMDBafDdkNGY3YzFl' }],
      }),
      ...errorResponses,
    },
  },
  'GET /v1/messages/:id': {
    tags,
    security,
    summary: 'One message and its delivery status (scope messages:read)',
    params: IdParams,
    response: {
      200: Type.Object(MessageSchema.properties, { examples: [exampleMessage] }),
      ...errorResponses,
    },
  },
  'GET /v1/session': {
    tags,
    security,
    summary: "The WhatsApp session and worker status of the key's tenant (scope session:read)",
    response: {
      200: Type.Object(
        {
          tenant: Type.Object({ slug: Type.String(), name: Type.String(), status: TenantStatusSchema }),
          session: SessionSchema,
          worker: WorkerSchema,
        },
        {
          examples: [
            {
              tenant: { slug: 'acme', name: 'Acme Ltd', status: 'ACTIVE' },
              session: {
                state: 'CONNECTED',
                phoneNumber: '4915100000000',
                qrUpdatedAt: null,
                lastSeenAt: '2026-12-02T09:29:58.000Z',
              },
              worker: {
                status: 'RUNNING',
                pid: 41235,
                startedAt: '2026-12-02T08:00:00.000Z',
                lastHeartbeatAt: '2026-12-02T09:29:58.000Z',
                heartbeatAgeMs: 2100,
                lastError: null,
                restartCount: 0,
              },
            },
          ],
        },
      ),
      ...errorResponses,
    },
  },
} as const;
