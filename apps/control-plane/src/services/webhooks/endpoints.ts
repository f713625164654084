import { randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import type { DbClient, Prisma } from '@wa-fleet/db';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type WebhookDeliveryStatus,
  type WebhookEventType,
} from '@wa-fleet/shared';
import { AppError, notFound } from '../../errors.ts';
import { writeAudit } from '../audit.ts';
import type { WebhookDispatcher } from './dispatcher.ts';
import { isPublicAddress } from './http-post.ts';

/**
 * Webhook endpoint management, shared by the public API and the portal: every function takes the
 * caller's tenant and touches that tenant's rows only (another tenant's id is "not found").
 */

export interface WebhookActor {
  tenant: { id: string; slug: string };
  /** Audit actor ("user:<email>", "tenant-key:<keyId>"). */
  actor: string;
  details?: Record<string, string | null>;
}

/** One audit row of a webhook change: the caller's tenant, actor and details, and what changed. */
function auditWebhook(
  db: Pick<DbClient, 'auditLog'>,
  who: WebhookActor,
  action: string,
  details: Prisma.InputJsonObject,
): Promise<void> {
  return writeAudit(db, {
    actor: who.actor,
    action,
    tenantId: who.tenant.id,
    tenantSlug: who.tenant.slug,
    details: { ...who.details, ...details },
  });
}

const ENDPOINT_SELECT = {
  id: true,
  url: true,
  description: true,
  eventTypes: true,
  enabled: true,
  pausedAt: true,
  pausedReason: true,
  secretRotatedAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof ENDPOINT_SELECT }>;

const isEventType = (value: string): value is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

export function toEndpointDto(row: EndpointRow) {
  const status: 'active' | 'disabled' | 'paused' = row.pausedAt
    ? 'paused'
    : row.enabled
      ? 'active'
      : 'disabled';
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes.filter(isEventType),
    enabled: row.enabled,
    status,
    pausedAt: row.pausedAt?.toISOString() ?? null,
    pausedReason: row.pausedReason,
    secretRotatedAt: row.secretRotatedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function mintWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Refuses what can never be delivered: not http(s), credentials in the URL, a non-public IP literal. */
export function checkEndpointUrl(value: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('VALIDATION_ERROR', 'body/url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('VALIDATION_ERROR', 'body/url must be http:// or https://');
  }
  if (url.username || url.password) {
    throw new AppError('VALIDATION_ERROR', 'body/url must not carry a user name or password');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && ipaddr.isValid(host) && !isPublicAddress(host)) {
    throw new AppError('VALIDATION_ERROR', `body/url points at ${host}, which is not a public address`);
  }
  return url.toString();
}

async function findEndpoint(db: DbClient, tenantId: string, id: string): Promise<EndpointRow> {
  const row = await db.webhookEndpoint.findFirst({ where: { id, tenantId }, select: ENDPOINT_SELECT });
  if (!row) throw notFound(`webhook endpoint ${id}`);
  return row;
}

export async function listEndpoints(db: DbClient, tenantId: string) {
  const rows = await db.webhookEndpoint.findMany({
    where: { tenantId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 100,
    select: ENDPOINT_SELECT,
  });
  return { items: rows.map(toEndpointDto) };
}

export async function getEndpoint(db: DbClient, tenantId: string, id: string) {
  return toEndpointDto(await findEndpoint(db, tenantId, id));
}

/** Endpoints one tenant may have. */
export const MAX_ENDPOINTS_PER_TENANT = 20;

export async function createEndpoint(
  db: DbClient,
  who: WebhookActor,
  body: {
    url: string;
    description?: string | undefined;
    eventTypes: string[];
    enabled?: boolean | undefined;
  },
  allowPrivate: boolean,
) {
  const url = checkEndpointUrl(body.url, allowPrivate);
  const count = await db.webhookEndpoint.count({ where: { tenantId: who.tenant.id } });
  if (count >= MAX_ENDPOINTS_PER_TENANT) {
    throw new AppError('CONFLICT', `a tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`);
  }
  const secret = mintWebhookSecret();
  const row = await db.$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: {
        tenantId: who.tenant.id,
        url,
        description: body.description ?? '',
        eventTypes: body.eventTypes,
        enabled: body.enabled ?? true,
        secret,
      },
      select: ENDPOINT_SELECT,
    });
    await auditWebhook(tx, who, 'webhook.create', {
      webhookId: created.id,
      url,
      eventTypes: created.eventTypes,
    });
    return created;
  });
  return { endpoint: toEndpointDto(row), secret };
}

export async function updateEndpoint(
  db: DbClient,
  dispatcher: WebhookDispatcher,
  who: WebhookActor,
  id: string,
  body: {
    url?: string | undefined;
    description?: string | undefined;
    eventTypes?: string[] | undefined;
    enabled?: boolean | undefined;
  },
  allowPrivate: boolean,
) {
  await findEndpoint(db, who.tenant.id, id);
  const url = body.url === undefined ? undefined : checkEndpointUrl(body.url, allowPrivate);
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: {
        ...(url !== undefined ? { url } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.eventTypes !== undefined ? { eventTypes: body.eventTypes } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      },
      select: ENDPOINT_SELECT,
    });
    await auditWebhook(tx, who, 'webhook.update', { webhookId: id, changed: Object.keys(body) });
    return updated;
  });
  // Re-enabled: what waited goes out now.
  if (body.enabled === true) await dispatcher.wake(id);
  return toEndpointDto(row);
}

export async function deleteEndpoint(db: DbClient, who: WebhookActor, id: string): Promise<void> {
  await findEndpoint(db, who.tenant.id, id);
  await db.$transaction(async (tx) => {
    await tx.webhookEndpoint.delete({ where: { id } });
    await auditWebhook(tx, who, 'webhook.delete', { webhookId: id });
  });
}

export async function rotateSecret(db: DbClient, who: WebhookActor, id: string) {
  await findEndpoint(db, who.tenant.id, id);
  const secret = mintWebhookSecret();
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: { secret, secretRotatedAt: new Date() },
      select: ENDPOINT_SELECT,
    });
    await auditWebhook(tx, who, 'webhook.rotate-secret', { webhookId: id });
    return updated;
  });
  return { endpoint: toEndpointDto(row), secret };
}

/** Clears the pause; the deliveries that waited are due at once and go out in event order. */
export async function resumeEndpoint(
  db: DbClient,
  dispatcher: WebhookDispatcher,
  who: WebhookActor,
  id: string,
) {
  await findEndpoint(db, who.tenant.id, id);
  const row = await db.$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({
      where: { id },
      data: { pausedAt: null, pausedReason: null, consecutiveDead: 0, failingSince: null },
      select: ENDPOINT_SELECT,
    });
    await tx.webhookDelivery.updateMany({
      where: { endpointId: id, status: 'PENDING' },
      data: { nextAttemptAt: new Date() },
    });
    await auditWebhook(tx, who, 'webhook.resume', { webhookId: id });
    return updated;
  });
  await dispatcher.wake(id);
  return toEndpointDto(row);
}

export async function sendTestEvent(
  db: DbClient,
  dispatcher: WebhookDispatcher,
  who: WebhookActor,
  id: string,
) {
  await findEndpoint(db, who.tenant.id, id);
  const { deliveryId, eventId } = await db.$transaction(async (tx) => {
    const event = await tx.webhookEvent.create({
      data: {
        tenantId: who.tenant.id,
        type: WEBHOOK_TEST_EVENT,
        data: { message: 'a test event sent from wa-fleet', endpointId: id },
        dispatchedAt: new Date(),
      },
      select: { id: true },
    });
    const delivery = await tx.webhookDelivery.create({
      data: { tenantId: who.tenant.id, endpointId: id, eventId: event.id },
      select: { id: true },
    });
    return { deliveryId: delivery.id, eventId: event.id };
  });
  await dispatcher.wake(id, `f-${deliveryId}`);
  return { deliveryId, eventId };
}

const DELIVERY_SELECT = {
  id: true,
  eventId: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastStatusCode: true,
  lastError: true,
  createdAt: true,
  finishedAt: true,
  event: { select: { type: true } },
  attemptRows: {
    orderBy: { id: 'asc' },
    take: 100,
    select: { startedAt: true, statusCode: true, latencyMs: true, error: true, responseExcerpt: true },
  },
} as const;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof DELIVERY_SELECT }>;

function toDeliveryDto(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.event.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt.toISOString() : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    attemptLog: row.attemptRows.map((a) => ({
      startedAt: a.startedAt.toISOString(),
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      error: a.error,
      responseExcerpt: a.responseExcerpt,
    })),
  };
}

export async function listDeliveries(
  db: DbClient,
  tenantId: string,
  id: string,
  query: { status?: WebhookDeliveryStatus | undefined; limit?: number | undefined },
) {
  await findEndpoint(db, tenantId, id);
  const rows = await db.webhookDelivery.findMany({
    where: { endpointId: id, tenantId, ...(query.status ? { status: query.status } : {}) },
    orderBy: { seq: 'desc' },
    take: query.limit ?? 50,
    select: DELIVERY_SELECT,
  });
  return { items: rows.map(toDeliveryDto) };
}

/** A replay: a new round of attempts for the same event (same event id), due now. */
const replayData = {
  status: 'PENDING' as const,
  attempts: 0,
  round: { increment: 1 },
  lockedUntil: null,
  finishedAt: null,
};

export async function replayDelivery(
  db: DbClient,
  dispatcher: WebhookDispatcher,
  who: WebhookActor,
  id: string,
  deliveryId: string,
) {
  await findEndpoint(db, who.tenant.id, id);
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: deliveryId, endpointId: id, tenantId: who.tenant.id, status: { not: 'PENDING' } },
    data: { ...replayData, nextAttemptAt: new Date() },
  });
  const row = await db.webhookDelivery.findFirst({
    where: { id: deliveryId, endpointId: id, tenantId: who.tenant.id },
    select: DELIVERY_SELECT,
  });
  if (!row) throw notFound(`webhook delivery ${deliveryId}`);
  if (count === 0)
    throw new AppError('CONFLICT', 'this delivery is still pending: it is already being delivered');
  await auditWebhook(db, who, 'webhook.replay', { webhookId: id, deliveryId });
  await dispatcher.wake(id);
  return toDeliveryDto(row);
}

export async function replayFailed(
  db: DbClient,
  dispatcher: WebhookDispatcher,
  who: WebhookActor,
  id: string,
  since: string,
) {
  await findEndpoint(db, who.tenant.id, id);
  const { count } = await db.webhookDelivery.updateMany({
    where: {
      endpointId: id,
      tenantId: who.tenant.id,
      status: { in: ['FAILED', 'DEAD'] },
      finishedAt: { gte: new Date(since) },
    },
    data: { ...replayData, nextAttemptAt: new Date() },
  });
  await auditWebhook(db, who, 'webhook.replay-failed', { webhookId: id, since, replayed: String(count) });
  if (count > 0) await dispatcher.wake(id);
  return { replayed: count };
}
