// The control plane's side of linking by pairing code: the request is validated, written on the
// session row and announced on the worker's control channel; the code the worker writes back is shown
// to TENANT_ADMINs only while valid and while the number is not linked.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RouteResponse } from '@wa-fleet/contract';
import { waitFor } from '@wa-fleet/devstack';
import { workerControlChannel } from '@wa-fleet/shared';
import {
  buildTestApp,
  createTenant,
  createTestStack,
  createUser,
  portalHeaders,
  requireEnv,
  type TestStack,
} from './helpers.ts';

let stack: TestStack;
let app: FastifyInstance;
let tenantId: string;
let otherId: string;
const URL = '/portal/tenant/current/pairing-code';

beforeAll(async () => {
  stack = await createTestStack();
  app = await buildTestApp(stack);
  tenantId = (await createTenant(stack.db, 'pairing')).id;
  otherId = (await createTenant(stack.db, 'pairing-other')).id;
  await createUser(stack.db, 'owner@pairing.test', [{ tenantId, role: 'TENANT_ADMIN' }]);
  await createUser(stack.db, 'viewer@pairing.test', [{ tenantId, role: 'VIEWER' }]);
  await stack.db.whatsAppSession.update({ where: { tenantId }, data: { state: 'QR' } });
});

afterAll(async () => {
  await app?.close();
  await stack?.cleanup();
});

const post = (phoneNumber: unknown, email = 'owner@pairing.test') =>
  app.inject({ method: 'POST', url: URL, headers: portalHeaders(email), payload: { phoneNumber } });
type QrView = RouteResponse<'GET /portal/tenant/current/qr'>;
const qr = async (): Promise<QrView> => {
  const res = await app.inject({
    method: 'GET',
    url: '/portal/tenant/current/qr',
    headers: portalHeaders('owner@pairing.test'),
  });
  return res.json<QrView>();
};

/** A stand-in for the tenant's running worker: a real subscriber on its control channel. */
async function listenAsWorker(id: string) {
  const sub = new Redis(requireEnv('TEST_REDIS_URL'));
  const heard: string[] = [];
  sub.on('message', (_c: string, m: string) => heard.push(m));
  await sub.subscribe(workerControlChannel(app.config.REDIS_PREFIX, id));
  return { heard, close: () => sub.quit() };
}

describe('POST /portal/tenant/current/pairing-code', () => {
  it('refuses a number that is not one, naming the field; a valid one passes validation', async () => {
    for (const bad of ['abc', '1234567', '+1234567890123456', '', 15551234567, '+1 555 123 4567']) {
      const res = await post(bad);
      expect(res.statusCode, String(bad)).toBe(400);
      expect(res.json().error.message).toContain('phoneNumber');
    }
    // Positive control: the same route with a valid number gets past validation (409: no worker yet).
    expect((await post('+15551234567')).statusCode).toBe(409);
  });

  it('with no worker running: 409 saying so, and the reason shows with the request', async () => {
    const res = await post('+15551234567');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('worker is not running');
    const view = await qr();
    expect(view.pairing).toMatchObject({
      phoneNumber: '+15551234567',
      code: null,
      error: 'the worker is not running',
    });
  });

  it('with a worker listening: 202, the worker is pinged (no data, no secret), the request is audited', async () => {
    const worker = await listenAsWorker(tenantId);
    const other = await listenAsWorker(otherId);
    try {
      const res = await post('15557654321');
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ phoneNumber: '+15557654321' });
      await waitFor('worker pinged', () => worker.heard.length === 1);
      expect(worker.heard).toEqual([JSON.stringify({ type: 'pairing_code' })]);
      // Only the caller's tenant's worker hears it.
      expect(other.heard).toEqual([]);
      const row = await stack.db.whatsAppSession.findUniqueOrThrow({ where: { tenantId } });
      expect(row).toMatchObject({ pairingPhone: '15557654321', pairingCode: null, pairingError: null });
      const audit = await stack.db.auditLog.findFirstOrThrow({
        where: { tenantId, action: 'session.pairing-code' },
      });
      expect(JSON.stringify(audit.details)).not.toContain('15557654321');
    } finally {
      await worker.close();
      await other.close();
    }
  });

  it('shows the code the worker wrote only while it is valid, to TENANT_ADMINs only', async () => {
    await stack.db.whatsAppSession.update({
      where: { tenantId },
      data: { pairingCode: 'WXYZ2345', pairingExpiresAt: new Date(Date.now() + 120_000) },
    });
    expect((await qr()).pairing).toMatchObject({ phoneNumber: '+15557654321', code: 'WXYZ2345' });
    const viewer = await app.inject({
      method: 'GET',
      url: '/portal/tenant/current/qr',
      headers: portalHeaders('viewer@pairing.test'),
    });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.body).not.toContain('WXYZ2345');
    expect((await post('15557654321', 'viewer@pairing.test')).statusCode).toBe(403);

    await stack.db.whatsAppSession.update({
      where: { tenantId },
      data: { pairingExpiresAt: new Date(Date.now() - 1_000) },
    });
    const expired = await qr();
    expect(expired.pairing).toMatchObject({ code: null, expiresAt: null });
    expect(JSON.stringify(expired)).not.toContain('WXYZ2345');
  });

  it('once the number is linked: no pairing shown, and a new request is 409', async () => {
    await stack.db.whatsAppSession.update({
      where: { tenantId },
      data: { state: 'CONNECTED', pairingExpiresAt: new Date(Date.now() + 120_000) },
    });
    const view = await qr();
    expect(view.pairing).toBeNull();
    expect(JSON.stringify(view)).not.toContain('WXYZ2345');
    const res = await post('15557654321');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('already linked');
  });
});
