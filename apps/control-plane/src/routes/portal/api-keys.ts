import type { FastifyPluginAsync } from 'fastify';
import { AppError, notFound } from '../../errors.ts';
import { API_KEY_SELECT, apiKeyLabel, mintApiKey, toApiKeyDto } from '../../services/api-keys.ts';
import { portalAuditUser, writeAudit } from '../../services/audit.ts';
import { serve } from '../serve.ts';
import { currentTenant } from './tenant.ts';

/** A tenant admin's management of the tenant's API keys. The secret leaves the control plane once. */
const routes: FastifyPluginAsync = async (app) => {
  const adminOnly = { config: { minRole: 'TENANT_ADMIN' as const } };

  serve(app, 'GET /portal/tenant/current/api-keys', adminOnly, async (request) => {
    const { id: tenantId } = currentTenant(request);
    const rows = await app.db.apiKey.findMany({
      where: { tenantId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 500,
      select: API_KEY_SELECT,
    });
    const now = new Date();
    return { items: rows.map((row) => toApiKeyDto(row, now)) };
  });

  serve(app, 'POST /portal/tenant/current/api-keys', adminOnly, async (request, reply) => {
    const tenant = currentTenant(request);
    const user = request.portal?.user;
    if (!user) throw new AppError('UNAUTHENTICATED', 'sign in first');
    const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AppError('VALIDATION_ERROR', 'body/expiresAt must be in the future');
    }
    const { keyId, secretHash, fullKey } = mintApiKey();
    const row = await app.db.$transaction(async (tx) => {
      const created = await tx.apiKey.create({
        data: {
          tenantId: tenant.id,
          keyId,
          secretHash,
          name: request.body.name,
          scopes: request.body.scopes,
          createdById: user.id,
          createdBy: user.email,
          expiresAt,
        },
        select: API_KEY_SELECT,
      });
      await writeAudit(tx, {
        actor: request.actor,
        action: 'api-key.create',
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        details: {
          ...portalAuditUser(request),
          apiKeyId: created.id,
          key: apiKeyLabel(created),
          scopes: created.scopes,
          expiresAt: created.expiresAt?.toISOString() ?? null,
        },
      });
      return created;
    });
    request.log.info({ apiKey: `wak_${keyId}` }, 'api key created');
    return reply.status(201).send({ key: toApiKeyDto(row), secret: fullKey });
  });

  serve(app, 'DELETE /portal/tenant/current/api-keys/:id', adminOnly, async (request, reply) => {
    const tenant = currentTenant(request);
    const { id } = request.params;
    const revoked = await app.db.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id, tenantId: tenant.id, revokedAt: null },
        data: { revokedAt: new Date(), revokedBy: request.portal?.user.email ?? request.actor },
      });
      if (count === 0) return null;
      const key = await tx.apiKey.findUniqueOrThrow({ where: { id }, select: { keyId: true, name: true } });
      await writeAudit(tx, {
        actor: request.actor,
        action: 'api-key.revoke',
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        details: { ...portalAuditUser(request), apiKeyId: id, key: apiKeyLabel(key) },
      });
      return key;
    });
    if (!revoked) {
      // Revoking twice is not an error; another tenant's key is as unknown as a made-up id.
      const exists = await app.db.apiKey.count({ where: { id, tenantId: tenant.id } });
      if (exists === 0) throw notFound(`API key ${id}`);
    } else {
      request.log.info({ apiKey: `wak_${revoked.keyId}` }, 'api key revoked');
    }
    return reply.status(204).send(null);
  });
};

export default routes;
