import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { isUniqueViolation, type Prisma } from '@wa-fleet/db';
import { maskPhone, type MessageStatus, type SenderKind } from '@wa-fleet/shared';
import { writeAudit } from './audit.ts';

// Queueing an outbound message, for the portal's send form and the public API alike: the QUEUED row, its
// audit entry and the send job, with the idempotency key and the sender recorded the same way.

export interface OutboundMessageRequest {
  tenant: { id: string; slug: string };
  to: string;
  text: string;
  idempotencyKey?: string;
  /** Who asked: recorded on the row (sent_by_*) for the portal and the API to show. */
  sender: { kind: SenderKind; id: string | null; label: string };
  /** Audit actor ("user:<email>", "api-key", "tenant-key:<keyId>"). */
  actor: string;
  /** Extra audit details naming the requester (user id, API key id); never a secret. */
  auditDetails: Record<string, string | null>;
  log: FastifyBaseLogger;
}

export interface QueuedMessage {
  id: string;
  status: MessageStatus;
  isDuplicate: boolean;
}

export async function queueOutboundMessage(
  app: FastifyInstance,
  req: OutboundMessageRequest,
): Promise<QueuedMessage> {
  const tenantId = req.tenant.id;
  const to = req.to.replace(/^\+/, '');
  const idempotencyKey = req.idempotencyKey ?? randomUUID();
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
          body: req.text,
          status: 'QUEUED',
          idempotencyKey,
          sentByKind: req.sender.kind,
          sentById: req.sender.id,
          sentByLabel: req.sender.label,
        },
        select: { id: true, status: true },
      });
      await writeAudit(tx, {
        actor: req.actor,
        action: 'message.send',
        tenantId,
        tenantSlug: req.tenant.slug,
        details: { ...req.auditDetails, messageId: row.id, to: maskPhone(to) },
      });
      return row;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await app.db.messageLog.findUniqueOrThrow({
      where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } },
      select: { id: true, status: true },
    });
    return { ...existing, isDuplicate: true };
  }
  try {
    await app.sendQueues.enqueueSend(tenantId, message.id);
  } catch (err) {
    // The row is the promise: the worker sweeps QUEUED rows when it starts, so the send is not lost.
    req.log.warn({ err, messageId: message.id }, 'enqueue failed; message stays QUEUED for the worker sweep');
  }
  req.log.info({ messageId: message.id, to: maskPhone(to) }, 'message queued');
  return { ...message, isDuplicate: false };
}
