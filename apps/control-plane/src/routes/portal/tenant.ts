import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import { maskPhone, workerControlChannel } from '@wa-fleet/shared';
import type { FastifyRequest } from 'fastify';
import { AppError, conflict } from '../../errors.ts';
import {
  databaseNow,
  SESSION_SELECT,
  toSessionDto,
  toTenantDto,
  toWorkerDto,
  WORKER_SELECT,
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

const routes: FastifyPluginAsync = async (app) => {
  serve(app, 'GET /portal/tenant/current', async (request) => {
    const { id } = currentTenant(request);
    const [now, tenant] = await Promise.all([
      databaseNow(app.db),
      app.db.tenant.findUniqueOrThrow({
        where: { id },
        include: { worker: { select: WORKER_SELECT }, session: { select: SESSION_SELECT } },
      }),
    ]);
    return {
      tenant: toTenantDto(tenant),
      role: request.portal?.role ?? 'VIEWER',
      memberships: request.portal?.memberships ?? [],
      worker: toWorkerDto(tenant.worker, now),
      session: toSessionDto(tenant.session),
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
