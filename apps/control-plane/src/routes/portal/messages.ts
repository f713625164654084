import { Transform } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { portalAuditUser } from '../../services/audit.ts';
import { toCsvRow } from '../../services/csv.ts';
import {
  listTenantMessages,
  messageExportCountSql,
  messageExportSql,
  type MessageRow,
} from '../../services/message-queries.ts';
import { queueOutboundMessage, sendBodyLimit } from '../../services/outbound-messages.ts';
import { AppError, notFound } from '../../errors.ts';
import { listConversations, listThread, markConversationRead } from '../../services/conversations.ts';
import { mediaStore, readMessageMedia } from '../../services/message-media.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

/** Exports running at once; one more waits up to EXPORT_CONNECT_TIMEOUT_MS for a slot, then gets 503. */
const EXPORT_CONNECTIONS = 2;
const EXPORT_CONNECT_TIMEOUT_MS = 5_000;
/** Rows the database cursor hands over per round trip. */
const EXPORT_BATCH_ROWS = 500;

export const EXPORT_COLUMNS = [
  'time_utc',
  'direction',
  'from',
  'to',
  'status',
  'text',
  'error',
  'sent_by',
  'id',
] as const;

function toExportRow(m: MessageRow): string {
  return toCsvRow([
    m.createdAt.toISOString(),
    m.direction,
    m.fromNumber,
    m.toNumber,
    m.status,
    m.body,
    m.error,
    m.sentByKind ? `${m.sentByKind}${m.sentByLabel ? `: ${m.sentByLabel}` : ''}` : null,
    m.id,
  ]);
}

const routes: FastifyPluginAsync = async (app) => {
  const store = mediaStore(app.config.MEDIA_DIR);

  // The file is served only for a message of the session's tenant: the row is looked up by id AND
  // tenant, so another tenant's id answers 404 exactly like an id that does not exist.
  serve(app, 'GET /portal/tenant/current/messages/:id/media', async (request, reply) => {
    const variant = request.query.variant ?? 'original';
    const file = await readMessageMedia(app.db, store, currentTenant(request).id, request.params.id, variant);
    if (!file.ok) {
      if (file.reason === 'not_found') throw notFound('message');
      if (file.reason === 'no_thumbnail') throw notFound('thumbnail (this file is not an image)');
      throw notFound('file (not stored yet, or not available)');
    }
    const name = (file.fileName ?? `message-${request.params.id}`).replace(/[^\w.\- ]/g, '_');
    return reply
      .header('content-type', file.mimeType)
      .header('content-length', file.data.length)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-disposition',
        `${file.mimeType.startsWith('image/') || file.mimeType.startsWith('audio/') || file.mimeType.startsWith('video/') ? 'inline' : 'attachment'}; filename="${name}"`,
      )
      .send(file.data);
  });

  serve(app, 'GET /portal/tenant/current/conversations', async (request) =>
    listConversations(app.db, currentTenant(request).id, request.query.limit ?? 50),
  );

  serve(app, 'GET /portal/tenant/current/conversations/:contact/messages', async (request) =>
    listThread(app.db, currentTenant(request).id, request.params.contact, {
      limit: request.query.limit ?? 100,
      before: request.query.before,
    }),
  );

  serve(app, 'POST /portal/tenant/current/conversations/:contact/read', async (request) => {
    if (!request.params.contact) throw new AppError('VALIDATION_ERROR', 'params/contact is empty');
    return markConversationRead(app.db, currentTenant(request).id, request.params.contact);
  });

  serve(app, 'GET /portal/tenant/current/logs', async (request) =>
    listTenantMessages(app.db, currentTenant(request).id, request.query),
  );

  // The export reads through its own small pool: a server-side cursor holds its connection for the
  // whole download, which must not starve the Prisma pool that serves every other request.
  let exportPool: pg.Pool | undefined;
  app.addHook('onClose', async () => exportPool?.end());

  // Asked before a download, so the page can explain a refused export instead of a failed download.
  serve(app, 'GET /portal/tenant/current/logs/export/size', async (request) => {
    const maxRows = app.config.MESSAGE_EXPORT_MAX_ROWS;
    const [counted] = await app.db.$queryRaw<{ n: number }[]>(
      messageExportCountSql(currentTenant(request).id, request.query, maxRows),
    );
    return { fits: (counted?.n ?? 0) <= maxRows, maxRows };
  });

  serve(app, 'GET /portal/tenant/current/logs/export', async (request, reply) => {
    const tenant = currentTenant(request);
    const cap = app.config.MESSAGE_EXPORT_MAX_ROWS;
    const filter = request.query;
    const countSql = messageExportCountSql(tenant.id, filter, cap);
    const rowsSql = messageExportSql(tenant.id, filter);
    exportPool ??= new pg.Pool({
      connectionString: app.config.DATABASE_URL,
      max: EXPORT_CONNECTIONS,
      connectionTimeoutMillis: EXPORT_CONNECT_TIMEOUT_MS,
      application_name: 'wa-control-plane:export',
    });
    let client: pg.PoolClient;
    try {
      client = await exportPool.connect();
    } catch (err) {
      request.log.warn({ err }, 'no database connection for a CSV export');
      throw new AppError('BUSY', 'too many CSV exports at once; try again shortly', { retryAfterSeconds: 5 });
    }
    let isReleased = false;
    // A connection left inside a transaction or an open cursor is closed, never reused.
    const release = (isBroken: boolean) => {
      if (isReleased) return;
      isReleased = true;
      client.release(isBroken);
    };
    try {
      // One snapshot for the count and the rows: the cap check is about exactly the rows sent.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const counted = await client.query<{ n: number }>(countSql.text, countSql.values);
      if ((counted.rows[0]?.n ?? 0) > cap) {
        throw new AppError(
          'EXPORT_TOO_LARGE',
          `more than ${cap} messages match; narrow the filter (a shorter date range, a direction or a status)`,
        );
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      release(false);
      throw err;
    }
    const rows = client.query(
      new QueryStream(rowsSql.text, rowsSql.values, { batchSize: EXPORT_BATCH_ROWS }),
    );
    let isHeaderSent = false;
    const csv = new Transform({
      writableObjectMode: true,
      transform(row: MessageRow, _enc, done) {
        const head = isHeaderSent ? '' : toCsvRow(EXPORT_COLUMNS);
        isHeaderSent = true;
        done(null, head + toExportRow(row));
      },
      flush(done) {
        if (!isHeaderSent) this.push(toCsvRow(EXPORT_COLUMNS));
        client.query('COMMIT').then(
          () => {
            release(false);
            done();
          },
          (err: Error) => {
            release(true);
            done(err);
          },
        );
      },
    });
    rows.on('error', (err) => {
      request.log.error({ err }, 'CSV export failed while reading');
      release(true);
      csv.destroy(err);
    });
    // The download ended early (client gone): stop reading and drop the connection.
    csv.on('close', () => {
      if (!isReleased) {
        rows.destroy();
        release(true);
      }
    });
    rows.pipe(csv);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return (
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="messages-${tenant.slug}-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        // A stream is piped as it is (no serialization); the contract's type names only JSON bodies.
        .send(csv as unknown as string)
    );
  });

  serve(
    app,
    'POST /portal/tenant/current/messages',
    { config: { minRole: 'OPERATOR' }, bodyLimit: sendBodyLimit(app.config.SEND_MEDIA_MAX_BYTES) },
    async (request, reply) => {
      const message = await queueOutboundMessage(app, {
        tenant: currentTenant(request),
        to: request.body.to,
        text: request.body.text,
        media: request.body.media,
        idempotencyKey: request.body.idempotencyKey,
        sender: {
          kind: request.actor === 'api-key' ? 'API_KEY' : 'USER',
          id: request.portal?.user.id ?? null,
          label: request.portal?.user.email ?? request.actor,
        },
        actor: request.actor,
        auditDetails: portalAuditUser(request),
        log: request.log,
      });
      return reply.status(202).send(message);
    },
  );
};

export default routes;
