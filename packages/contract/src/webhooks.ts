import { Type } from 'typebox';
import { UUID_PATTERN, WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '@wa-fleet/shared';
import { DateTime, errorResponses, Items, NullableDateTime, Nullable } from './common.ts';

// Webhook endpoints of a tenant: the same routes on the public API (/v1/webhooks, scope webhooks:manage)
// and in the portal (/portal/tenant/current/webhooks, TENANT_ADMIN and up). The secret is in the answer
// of a create and of a rotation only, never again.

export const WebhookEventTypeSchema = Type.Enum([...WEBHOOK_EVENT_TYPES], {
  description:
    'message.received (inbound message), message.status (sent, delivered, read, failed), ' +
    'session.state (WhatsApp session state), worker.status (tenant worker status)',
});

const exampleEndpoint = {
  id: '3a6f0b8e-5d2c-4f1a-9b7e-2c4d6e8f0a1b',
  url: 'https://crm.example.com/hooks/wa-fleet',
  description: 'CRM',
  eventTypes: ['message.received', 'message.status'],
  enabled: true,
  status: 'active',
  pausedAt: null,
  pausedReason: null,
  secretRotatedAt: null,
  createdAt: '2026-12-02T09:00:00.000Z',
  updatedAt: '2026-12-02T09:00:00.000Z',
};

export const WebhookEndpointSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.String(),
    eventTypes: Type.Array(WebhookEventTypeSchema),
    enabled: Type.Boolean(),
    status: Type.Enum(['active', 'disabled', 'paused'], {
      description: 'paused: stopped after failing for long (see pausedReason); resume sends what waited',
    }),
    pausedAt: NullableDateTime,
    pausedReason: Nullable(Type.String()),
    secretRotatedAt: NullableDateTime,
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { examples: [exampleEndpoint] },
);

export const WebhookAttemptSchema = Type.Object({
  startedAt: DateTime,
  statusCode: Nullable(Type.Integer()),
  latencyMs: Type.Integer(),
  error: Nullable(Type.String()),
  responseExcerpt: Nullable(Type.String({ description: 'the first bytes of the response body' })),
});

const exampleDelivery = {
  id: '9c1e5f7a-3b2d-4e6f-8a0b-1c2d3e4f5a6b',
  eventId: '5b7d9f1a-2c4e-4a6b-8d0f-1e3a5c7e9b0d',
  eventType: 'message.received',
  status: 'SUCCEEDED',
  attempts: 2,
  nextAttemptAt: null,
  lastStatusCode: 200,
  lastError: null,
  createdAt: '2026-12-02T09:30:00.000Z',
  finishedAt: '2026-12-02T09:30:31.000Z',
  attemptLog: [
    {
      startedAt: '2026-12-02T09:30:00.010Z',
      statusCode: 503,
      latencyMs: 41,
      error: 'HTTP 503',
      responseExcerpt: 'busy',
    },
    {
      startedAt: '2026-12-02T09:30:31.000Z',
      statusCode: 200,
      latencyMs: 12,
      error: null,
      responseExcerpt: 'ok',
    },
  ],
};

export const WebhookDeliverySchema = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String({
      description: 'the receiver idempotency key: the same on every attempt and replay',
    }),
    eventType: Type.String(),
    status: Type.Enum([...WEBHOOK_DELIVERY_STATUSES], {
      description:
        'PENDING (waiting or retrying), SUCCEEDED, FAILED (refused by a final 4xx), DEAD (every attempt failed)',
    }),
    attempts: Type.Integer({ description: 'attempts of the current round (a replay starts a new one)' }),
    nextAttemptAt: NullableDateTime,
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: DateTime,
    finishedAt: NullableDateTime,
    attemptLog: Type.Array(WebhookAttemptSchema, { description: 'every attempt, oldest first' }),
  },
  { examples: [exampleDelivery] },
);

const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  pattern: '^https?://',
  description: 'http:// or https:// URL the events are POSTed to',
});
const EventTypes = Type.Array(WebhookEventTypeSchema, {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  uniqueItems: true,
});

const createBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Type.String({ maxLength: 200 })),
    eventTypes: EventTypes,
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [
      { url: 'https://crm.example.com/hooks/wa-fleet', description: 'CRM', eventTypes: ['message.received'] },
    ],
  },
);
const updateBody = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    eventTypes: Type.Optional(EventTypes),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: false }] },
);
const withSecret = Type.Object(
  {
    endpoint: WebhookEndpointSchema,
    secret: Type.String({ description: 'the signing secret: shown this once only' }),
  },
  { examples: [{ endpoint: exampleEndpoint, secret: 'whsec_q3V9tC2b1Yx0nJ7mP4sK8rL5dF6gH2aW0eZ1uI9oT3c' }] },
);
const uuid = (example: string) =>
  Type.String({ pattern: UUID_PATTERN.source, description: 'uuid', examples: [example] });
const IdParams = Type.Object({ id: uuid(exampleEndpoint.id) });
const DeliveryParams = Type.Object({ id: uuid(exampleEndpoint.id), deliveryId: uuid(exampleDelivery.id) });
const deliveriesQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum([...WEBHOOK_DELIVERY_STATUSES])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
const replayFailedBody = Type.Object(
  {
    since: Type.String({
      format: 'date-time',
      description: 'failed and dead deliveries of this endpoint finished at or after this time are replayed',
    }),
  },
  { additionalProperties: false, examples: [{ since: '2026-12-01T00:00:00Z' }] },
);
const testAnswer = Type.Object(
  { deliveryId: Type.String(), eventId: Type.String() },
  { examples: [{ deliveryId: exampleDelivery.id, eventId: exampleDelivery.eventId }] },
);
const replayedAnswer = Type.Object({ replayed: Type.Integer() }, { examples: [{ replayed: 3 }] });
const endpointList = Type.Object(Items(WebhookEndpointSchema).properties, {
  examples: [{ items: [exampleEndpoint] }],
});
const deliveryList = Type.Object(Items(WebhookDeliverySchema).properties, {
  examples: [{ items: [exampleDelivery] }],
});

const v1 = { tags: ['public API (v1)'], security: [{ tenantKey: [] }] };
const portal = { tags: ['portal'] };
const scope = ' (scope webhooks:manage)';
const admin = ' (TENANT_ADMIN and up)';

export const webhookRoutes = {
  'GET /v1/webhooks': {
    ...v1,
    summary: `The tenant's webhook endpoints${scope}`,
    response: { 200: endpointList, ...errorResponses },
  },
  'POST /v1/webhooks': {
    ...v1,
    summary: `Create a webhook endpoint; the answer carries its signing secret, shown once${scope}`,
    body: createBody,
    response: { 201: withSecret, ...errorResponses },
  },
  'GET /v1/webhooks/:id': {
    ...v1,
    summary: `One webhook endpoint${scope}`,
    params: IdParams,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'PATCH /v1/webhooks/:id': {
    ...v1,
    summary: `Change a webhook endpoint's URL, description, event types or enabled flag${scope}`,
    params: IdParams,
    body: updateBody,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'DELETE /v1/webhooks/:id': {
    ...v1,
    summary: `Delete a webhook endpoint and its deliveries${scope}`,
    params: IdParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
  'POST /v1/webhooks/:id/rotate-secret': {
    ...v1,
    summary: `Replace the signing secret at once; the answer carries the new one, shown once${scope}`,
    params: IdParams,
    response: { 200: withSecret, ...errorResponses },
  },
  'POST /v1/webhooks/:id/resume': {
    ...v1,
    summary: `Resume a paused endpoint: what waited is sent, in event order${scope}`,
    params: IdParams,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'POST /v1/webhooks/:id/test': {
    ...v1,
    summary: `Send a test event (type webhook.test) to this endpoint only${scope}`,
    params: IdParams,
    response: { 202: testAnswer, ...errorResponses },
  },
  'GET /v1/webhooks/:id/deliveries': {
    ...v1,
    summary: `The endpoint's deliveries, newest first, each with its attempts${scope}`,
    params: IdParams,
    querystring: deliveriesQuery,
    response: { 200: deliveryList, ...errorResponses },
  },
  'POST /v1/webhooks/:id/deliveries/:deliveryId/replay': {
    ...v1,
    summary: `Deliver one delivery again, with a fresh round of attempts and the same event id${scope}`,
    params: DeliveryParams,
    response: { 202: WebhookDeliverySchema, ...errorResponses },
  },
  'POST /v1/webhooks/:id/replay-failed': {
    ...v1,
    summary: `Replay this endpoint's failed and dead deliveries finished since a time${scope}`,
    params: IdParams,
    body: replayFailedBody,
    response: { 202: replayedAnswer, ...errorResponses },
  },

  'GET /portal/tenant/current/webhooks': {
    ...portal,
    summary: `The tenant's webhook endpoints${admin}`,
    response: { 200: endpointList, ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks': {
    ...portal,
    summary: `Create a webhook endpoint; the answer carries its signing secret, shown once${admin}`,
    body: createBody,
    response: { 201: withSecret, ...errorResponses },
  },
  'GET /portal/tenant/current/webhooks/:id': {
    ...portal,
    summary: `One webhook endpoint${admin}`,
    params: IdParams,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'PATCH /portal/tenant/current/webhooks/:id': {
    ...portal,
    summary: `Change a webhook endpoint${admin}`,
    params: IdParams,
    body: updateBody,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'DELETE /portal/tenant/current/webhooks/:id': {
    ...portal,
    summary: `Delete a webhook endpoint${admin}`,
    params: IdParams,
    response: { 204: Type.Null(), ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks/:id/rotate-secret': {
    ...portal,
    summary: `Replace the signing secret${admin}`,
    params: IdParams,
    response: { 200: withSecret, ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks/:id/resume': {
    ...portal,
    summary: `Resume a paused endpoint${admin}`,
    params: IdParams,
    response: { 200: WebhookEndpointSchema, ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks/:id/test': {
    ...portal,
    summary: `Send a test event to this endpoint${admin}`,
    params: IdParams,
    response: { 202: testAnswer, ...errorResponses },
  },
  'GET /portal/tenant/current/webhooks/:id/deliveries': {
    ...portal,
    summary: `The endpoint's deliveries with their attempts${admin}`,
    params: IdParams,
    querystring: deliveriesQuery,
    response: { 200: deliveryList, ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks/:id/deliveries/:deliveryId/replay': {
    ...portal,
    summary: `Deliver one delivery again${admin}`,
    params: DeliveryParams,
    response: { 202: WebhookDeliverySchema, ...errorResponses },
  },
  'POST /portal/tenant/current/webhooks/:id/replay-failed': {
    ...portal,
    summary: `Replay this endpoint's failed deliveries since a time${admin}`,
    params: IdParams,
    body: replayFailedBody,
    response: { 202: replayedAnswer, ...errorResponses },
  },
} as const;
