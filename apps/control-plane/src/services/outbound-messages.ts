import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { isUniqueViolation, type Prisma } from '@wa-fleet/db';
import { detectFileType, LocalMediaStore, MediaRejectedError, type StoredMedia } from '@wa-fleet/media';
import {
  maskPhone,
  OUTBOUND_MEDIA_TYPES,
  outboundMediaType,
  type MessageMeta,
  type MessageStatus,
  type MessageType,
  type SenderKind,
} from '@wa-fleet/shared';
import { AppError } from '../errors.ts';
import { writeAudit } from './audit.ts';
import { removeUnusedMedia } from './message-media.ts';

// Queueing an outbound message, for the portal's send form and the public API alike: the QUEUED row, its
// audit entry and the send job, with the idempotency key and the sender recorded the same way. A file
// sent with it is checked (size, type read from its bytes) and stored in the tenant's media folder
// before the row is written; the row points at it by hash, so the worker sends exactly what was checked.

export interface OutboundMessageRequest {
  tenant: { id: string; slug: string };
  to: string;
  /** The text; with media, its caption. One of the two is required. */
  text?: string | undefined;
  /** A file, base64, as the contract's SendMediaSchema describes it. */
  media?: { data: string; fileName?: string | undefined; mimeType?: string | undefined } | undefined;
  idempotencyKey?: string | undefined;
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
  if (!req.text && !req.media) {
    throw new AppError('VALIDATION_ERROR', 'body must have text, media or both');
  }
  // Everything about the file that can be wrong is found before anything is written.
  const file = req.media ? await checkMedia(req.media.data, app.config.SEND_MEDIA_MAX_BYTES) : undefined;
  if (file && req.idempotencyKey) {
    // A retry of a send that was accepted: the first message is the answer, nothing is stored again.
    const existing = await findByKey(app, tenantId, idempotencyKey);
    if (existing) return { ...existing, isDuplicate: true };
  }
  let stored: (StoredMedia & { type: MessageType }) | undefined;
  if (file) {
    try {
      stored = { ...(await uploadStore(app).put(tenantId, file.data)), type: file.type };
    } catch (err) {
      if (err instanceof MediaRejectedError) throw new AppError('MEDIA_TOO_LARGE', err.message);
      throw err;
    }
  }
  const meta: MessageMeta = {};
  if (stored) {
    if (req.text) meta.caption = req.text;
    if (req.media?.fileName) meta.fileName = req.media.fileName;
    if (req.media?.mimeType) meta.mimeType = req.media.mimeType;
    meta.size = stored.size;
  }
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
          body: req.text ?? '',
          status: 'QUEUED',
          ...(stored
            ? {
                type: stored.type,
                meta: meta as Prisma.InputJsonObject,
                mediaStatus: 'STORED' as const,
                mediaSha256: stored.sha256,
                mediaMime: stored.mimeType,
                mediaSize: stored.size,
              }
            : {}),
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
        details: {
          ...req.auditDetails,
          messageId: row.id,
          to: maskPhone(to),
          ...(stored ? { media: `${stored.mimeType}, ${stored.size} bytes` } : {}),
        },
      });
      return row;
    });
  } catch (err) {
    // The file stored for a row that was not written goes again, unless another row uses it.
    if (stored) {
      await removeUnusedMedia(app.db, uploadStore(app), [{ tenantId, sha256: stored.sha256 }]).catch(
        (e: unknown) => req.log.warn({ err: e }, 'could not remove the file of a message not written'),
      );
    }
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
  req.log.info(
    { messageId: message.id, to: maskPhone(to), ...(stored ? { mediaMime: stored.mimeType } : {}) },
    'message queued',
  );
  return { ...message, isDuplicate: false };
}

/** Bytes a send's JSON body may have: a file of `maxFileBytes` in base64, and room for the rest. */
export function sendBodyLimit(maxFileBytes: number): number {
  return Math.ceil(maxFileBytes / 3) * 4 + 64 * 1024;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The file's bytes and the type it is sent as; 400 / 413 / 415 naming what is wrong. */
async function checkMedia(data: string, maxBytes: number): Promise<{ data: Buffer; type: MessageType }> {
  if (data.length % 4 !== 0 || !BASE64.test(data)) {
    throw new AppError(
      'VALIDATION_ERROR',
      'body/media/data must be base64 (A-Z, a-z, 0-9, +, / and = padding)',
    );
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) throw new AppError('VALIDATION_ERROR', 'body/media/data holds no bytes');
  if (bytes.length > maxBytes) {
    throw new AppError(
      'MEDIA_TOO_LARGE',
      `file of ${bytes.length} bytes is over the limit of ${maxBytes} bytes per file`,
    );
  }
  const detected = await detectFileType(bytes);
  const type = detected ? outboundMediaType(detected) : undefined;
  if (!type) {
    throw new AppError(
      'MEDIA_TYPE_NOT_ALLOWED',
      `the file's bytes are ${detected ?? 'of no known type'}, which cannot be sent (allowed: ${Object.keys(OUTBOUND_MEDIA_TYPES).join(', ')})`,
    );
  }
  return { data: bytes, type };
}

async function findByKey(app: FastifyInstance, tenantId: string, idempotencyKey: string) {
  return app.db.messageLog.findUnique({
    where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } },
    select: { id: true, status: true },
  });
}

/** The tenant's media folder with the upload limits (the workers write inbound files to the same one). */
function uploadStore(app: FastifyInstance): LocalMediaStore {
  return new LocalMediaStore(app.config.MEDIA_DIR, {
    maxFileBytes: app.config.SEND_MEDIA_MAX_BYTES,
    maxTenantBytes: app.config.MEDIA_MAX_TENANT_BYTES,
  });
}
