import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import {
  maskPhone,
  workerControlChannel,
  type SessionState,
  type TenantStatus,
  type WorkerStatus,
} from '@wa-fleet/shared';
import type { FastifyRequest } from 'fastify';
import { AppError, conflict, notFound } from '../../errors.ts';
import {
  databaseNow,
  toSessionDto,
  toTenantDto,
  toWorkerDto,
  SETUP_REQUEST_INCLUDE,
  toSetupRequestDto,
} from '../mappers.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { serve } from '../serve.ts';

/** The caller's tenant, set by the portal auth hook from a membership (never from request input). */
export function currentTenant(request: FastifyRequest): { id: string; slug: string; name: string } {
  const tenant = request.portal?.tenant;
  if (!tenant) throw new AppError('FORBIDDEN', 'no tenant selected');
  return tenant;
}

interface CurrentTenantRow {
  now: Date;
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  engine: string | null;
  created_at: Date;
  updated_at: Date;
  w_status: WorkerStatus | null;
  w_pid: number | null;
  w_started_at: Date | null;
  w_last_heartbeat_at: Date | null;
  w_last_error: string | null;
  w_restart_count: number | null;
  s_state: SessionState | null;
  s_phone_number: string | null;
  s_qr_updated_at: Date | null;
  s_last_seen_at: Date | null;
}

const CURRENT_TENANT_QUERY = `
  SELECT now() AS now, t.id::text AS id, t.slug, t.name, t.status::text AS status, t.engine::text AS engine,
    t.created_at, t.updated_at,
    w.status::text AS w_status, w.pid AS w_pid, w.started_at AS w_started_at,
    w.last_heartbeat_at AS w_last_heartbeat_at, w.last_error AS w_last_error,
    w.restart_count AS w_restart_count,
    s.state::text AS s_state, s.phone_number AS s_phone_number, s.qr_updated_at AS s_qr_updated_at,
    s.last_seen_at AS s_last_seen_at
  FROM tenants t
  LEFT JOIN worker_processes w ON w.tenant_id = t.id
  LEFT JOIN whatsapp_sessions s ON s.tenant_id = t.id
  WHERE t.id = $1::uuid`;

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /portal/tenant/current', async (request) => {
    const { id } = currentTenant(request);
    // The page polls this: one round trip for the tenant, its worker, its session and the database clock.
    const [row] = (await app.sql.query<CurrentTenantRow>(CURRENT_TENANT_QUERY, [id])).rows;
    if (!row) throw notFound(`tenant ${id}`);
    return {
      tenant: toTenantDto({ ...row, createdAt: row.created_at, updatedAt: row.updated_at }),
      role: request.portal?.role ?? 'VIEWER',
      memberships: request.portal?.memberships ?? [],
      worker: toWorkerDto(
        row.w_status === null
          ? null
          : {
              status: row.w_status,
              pid: row.w_pid,
              startedAt: row.w_started_at,
              lastHeartbeatAt: row.w_last_heartbeat_at,
              lastError: row.w_last_error,
              restartCount: row.w_restart_count ?? 0,
            },
        row.now,
      ),
      session: toSessionDto(
        row.s_state === null
          ? null
          : {
              state: row.s_state,
              phoneNumber: row.s_phone_number,
              qrUpdatedAt: row.s_qr_updated_at,
              lastSeenAt: row.s_last_seen_at,
            },
      ),
    };
  });

  // Scanning it links a phone to the tenant's number: as much power as the number itself.
  serve(app, 'GET /portal/tenant/current/qr', { config: { minRole: 'TENANT_ADMIN' } }, async (request) => {
    const { id } = currentTenant(request);
    const [now, session] = await Promise.all([
      databaseNow(app.db),
      app.db.whatsAppSession.findUnique({
        where: { tenantId: id },
        select: {
          state: true,
          lastQr: true,
          qrUpdatedAt: true,
          pairingPhone: true,
          pairingRequestedAt: true,
          pairingCode: true,
          pairingExpiresAt: true,
          pairingError: true,
        },
      }),
    ]);
    const state = session?.state ?? 'DISCONNECTED';
    const isWaiting = state !== 'CONNECTED';
    // The payload links the number: it leaves only as an image, only while a scan is awaited.
    const qr =
      state === 'QR' && session?.lastQr
        ? await QRCode.toDataURL(session.lastQr, { margin: 1, width: 320 })
        : null;
    // A pairing code is as strong as the QR: shown only while valid and while the number is not linked.
    const codeIsValid =
      isWaiting && !!session?.pairingCode && !!session.pairingExpiresAt && session.pairingExpiresAt > now;
    const pairing =
      isWaiting && session?.pairingPhone && session.pairingRequestedAt
        ? {
            phoneNumber: `+${session.pairingPhone}`,
            requestedAt: session.pairingRequestedAt.toISOString(),
            code: codeIsValid ? session.pairingCode : null,
            expiresAt: codeIsValid ? (session.pairingExpiresAt?.toISOString() ?? null) : null,
            error: session.pairingError,
          }
        : null;
    return { state, qr, updatedAt: session?.qrUpdatedAt?.toISOString() ?? null, pairing };
  });

  serve(
    app,
    'POST /portal/tenant/current/pairing-code',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request, reply) => {
      const { id, slug } = currentTenant(request);
      const phone = request.body.phoneNumber.replace(/^\+/, '');
      const session = await app.db.whatsAppSession.findUnique({
        where: { tenantId: id },
        select: { state: true },
      });
      if (session?.state === 'CONNECTED') {
        throw conflict('the number is already linked: unlink it on the phone before linking again');
      }
      // The row is the request (the worker reads it); the ping only wakes the worker up.
      const requestedAt = await app.db.$transaction(async (tx) => {
        const row = await tx.whatsAppSession.upsert({
          where: { tenantId: id },
          create: { tenantId: id, pairingPhone: phone, pairingRequestedAt: new Date() },
          update: {
            pairingPhone: phone,
            pairingRequestedAt: new Date(),
            pairingCode: null,
            pairingExpiresAt: null,
            pairingError: null,
          },
          select: { pairingRequestedAt: true },
        });
        await writeAudit(tx, {
          actor: request.actor,
          action: 'session.pairing-code',
          tenantId: id,
          tenantSlug: slug,
          details: { ...portalAuditUser(request), phoneNumber: maskPhone(phone) },
        });
        return row.pairingRequestedAt ?? new Date();
      });
      const listeners = await app.redis.publish(
        workerControlChannel(app.config.REDIS_PREFIX, id),
        JSON.stringify({ type: 'pairing_code' }),
      );
      if (listeners === 0) {
        await app.db.whatsAppSession.update({
          where: { tenantId: id },
          data: { pairingError: 'the worker is not running' },
        });
        throw conflict('the worker is not running: start it, then ask for a pairing code again');
      }
      return reply.status(202).send({ phoneNumber: `+${phone}`, requestedAt: requestedAt.toISOString() });
    },
  );

  serve(app, 'GET /portal/tenant/current/stats', async (request) => {
    const { id } = currentTenant(request);
    const days = request.query.days ?? 7;
    const rows = await app.db.$queryRaw<
      { day: string; inbound: number; outbound: number; failed: number; auto_replies: number }[]
    >`
        SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
          COALESCE(sum(s.inbound), 0)::int AS inbound, COALESCE(sum(s.outbound), 0)::int AS outbound,
          COALESCE(sum(s.failed), 0)::int AS failed, COALESCE(sum(s.auto_replies), 0)::int AS auto_replies
        FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => ${days}::int - 1),
                             date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d(day)
        LEFT JOIN message_stats_hourly s
          ON s.tenant_id = ${id}::uuid AND date_trunc('day', s.hour AT TIME ZONE 'UTC') = d.day
        GROUP BY d.day ORDER BY d.day`;
    const list = rows.map((r) => ({
      day: r.day,
      inbound: r.inbound,
      outbound: r.outbound,
      failed: r.failed,
      autoReplies: r.auto_replies,
    }));
    const totals = list.reduce(
      (t, r) => ({
        inbound: t.inbound + r.inbound,
        outbound: t.outbound + r.outbound,
        failed: t.failed + r.failed,
        autoReplies: t.autoReplies + r.autoReplies,
      }),
      { inbound: 0, outbound: 0, failed: 0, autoReplies: 0 },
    );
    return { days: list, totals };
  });

  serve(
    app,
    'POST /portal/tenant/current/worker/restart',
    { config: { minRole: 'TENANT_ADMIN' } },
    async (request, reply) => {
      const { id } = currentTenant(request);
      const tenant = await app.db.tenant.findUniqueOrThrow({
        where: { id },
        select: { id: true, slug: true, name: true, engine: true },
      });
      const status = await app.workers.request(tenant, 'restart', request.actor);
      return reply.status(202).send({ status });
    },
  );

  serve(
    app,
    'POST /portal/tenant/current/setup-requests',
    { config: { minRole: 'OPERATOR' } },
    async (request, reply) => {
      const { id, slug } = currentTenant(request);
      const row = await app.db.$transaction(async (tx) => {
        const created = await tx.setupRequest.create({
          data: { tenantId: id, userId: request.portal?.user.id ?? null, notes: request.body.notes },
          include: SETUP_REQUEST_INCLUDE,
        });
        await writeAudit(tx, {
          actor: request.actor,
          action: 'setup-request.create',
          tenantId: id,
          tenantSlug: slug,
          details: { ...portalAuditUser(request), setupRequestId: created.id },
        });
        return created;
      });
      return reply.status(201).send(toSetupRequestDto(row));
    },
  );

  serve(app, 'GET /portal/tenant/current/setup-requests', async (request) => {
    const { id } = currentTenant(request);
    const rows = await app.db.setupRequest.findMany({
      where: { tenantId: id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 200,
      include: SETUP_REQUEST_INCLUDE,
    });
    return { items: rows.map(toSetupRequestDto) };
  });
};

export default routes;
