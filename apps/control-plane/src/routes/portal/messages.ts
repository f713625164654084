import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isUniqueViolation, type Prisma } from '@wa-fleet/db';
import { maskPhone } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { errorResponses, Nullable } from '../../schemas/common.ts';
import { decodeCursor, encodeCursor } from '../mappers.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { currentTenant } from './tenant.ts';

const MessageStatusSchema = Type.Enum(['RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED']);

const MessageSchema = Type.Object({
  id: Type.String(),
  direction: Type.Enum(['IN', 'OUT']),
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
      kind: Type.Enum(['USER', 'API_KEY', 'AUTO_REPLY']),
      id: Nullable(Type.String()),
      label: Nullable(Type.String()),
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

function toMessageDto(m: Prisma.MessageLogGetPayload<object>) {
  return {
    id: m.id,
    direction: m.direction,
    from: m.fromNumber,
    to: m.toNumber,
    body: m.body,
    status: m.status,
    error: m.error,
    waMessageId: m.waMessageId,
    idempotencyKey: m.idempotencyKey,
    replyToId: m.replyToId,
    attempts: m.attempts,
    sentBy: m.sentByKind ? { kind: m.sentByKind, id: m.sentById, label: m.sentByLabel } : null,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenant/current/logs',
    {
      schema: {
        tags: ['portal'],
        summary: "Message logs of the caller's tenant, newest first, keyset pagination on (created_at, id)",
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            direction: Type.Optional(Type.Enum(['IN', 'OUT'])),
            status: Type.Optional(MessageStatusSchema),
            q: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'text in body or numbers' }),
            ),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(MessageSchema), nextCursor: Nullable(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id: tenantId } = currentTenant(request);
      const { cursor, direction, status, q, from, to } = request.query;
      const limit = request.query.limit ?? 50;
      const and: Prisma.MessageLogWhereInput[] = [{ tenantId }];
      if (direction) and.push({ direction });
      if (status) and.push({ status });
      if (from) and.push({ createdAt: { gte: new Date(from) } });
      if (to) and.push({ createdAt: { lt: new Date(to) } });
      if (q) {
        and.push({
          OR: [
            { body: { contains: q, mode: 'insensitive' } },
            { fromNumber: { contains: q } },
            { toNumber: { contains: q } },
          ],
        });
      }
      if (cursor) {
        const c = decodeCursor(cursor);
        if (!c) throw new AppError('VALIDATION_ERROR', 'querystring/cursor is not a valid cursor');
        and.push({ OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] });
      }
      const rows = await app.db.messageLog.findMany({
        where: { AND: and },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(toMessageDto),
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },
  );

  app.post(
    '/tenant/current/messages',
    {
      config: { minRole: 'OPERATOR' },
      schema: {
        tags: ['portal'],
        summary:
          'Queue an outbound message (stored QUEUED first; a repeated idempotencyKey returns the first one)',
        body: Type.Object(
          {
            to: Type.String({
              pattern: '^\\+?[0-9]{5,20}$',
              description: 'phone number, digits with country code',
            }),
            text: Type.String({ minLength: 1, maxLength: 4096 }),
            idempotencyKey: Type.Optional(
              Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          202: Type.Object({ id: Type.String(), status: MessageStatusSchema, isDuplicate: Type.Boolean() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id: tenantId } = currentTenant(request);
      const to = request.body.to.replace(/^\+/, '');
      const idempotencyKey = request.body.idempotencyKey ?? randomUUID();
      const session = await app.db.whatsAppSession.findUnique({
        where: { tenantId },
        select: { phoneNumber: true },
      });
      let message: { id: string; status: Prisma.MessageLogGetPayload<object>['status'] };
      try {
        // The row and its audit entry together: no send without a record of who asked for it.
        message = await app.db.$transaction(async (tx) => {
          const row = await tx.messageLog.create({
            data: {
              tenantId,
              direction: 'OUT',
              fromNumber: session?.phoneNumber ?? '',
              toNumber: to,
              body: request.body.text,
              status: 'QUEUED',
              idempotencyKey,
              sentByKind: request.actor === 'api-key' ? 'API_KEY' : 'USER',
              sentById: request.portal?.user.id ?? null,
              sentByLabel: request.portal?.user.email ?? request.actor,
            },
            select: { id: true, status: true },
          });
          await writeAudit(tx, {
            actor: request.actor,
            action: 'message.send',
            tenantId,
            tenantSlug: currentTenant(request).slug,
            details: { ...portalAuditUser(request), messageId: row.id, to: maskPhone(to) },
          });
          return row;
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const existing = await app.db.messageLog.findUniqueOrThrow({
          where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } },
          select: { id: true, status: true },
        });
        return reply.status(202).send({ ...existing, isDuplicate: true });
      }
      try {
        await app.sendQueues.enqueueSend(tenantId, message.id);
      } catch (err) {
        // The row is the promise: the worker sweeps QUEUED rows when it starts, so the send is not lost.
        request.log.warn(
          { err, messageId: message.id },
          'enqueue failed; message stays QUEUED for the worker sweep',
        );
      }
      request.log.info({ messageId: message.id, to: maskPhone(to) }, 'message queued');
      return reply.status(202).send({ ...message, isDuplicate: false });
    },
  );
};

export default routes;
