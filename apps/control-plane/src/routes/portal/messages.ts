import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { isUniqueViolation, type Prisma } from '@wa-fleet/db';
import { maskPhone } from '@wa-fleet/shared';
import { AppError } from '../../errors.ts';
import { decodeCursor, encodeCursor } from '../mappers.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

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

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /portal/tenant/current/logs', async (request) => {
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
  });

  serve(
    app,
    'POST /portal/tenant/current/messages',
    { config: { minRole: 'OPERATOR' } },
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
