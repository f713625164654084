// Linking by pairing code with the simulator, through a real worker process: the control plane's part
// (the request row and the ping on the worker's control channel) is played by the test, the phone's
// part (typing the code) by the simulated network's `enter_pairing_code` command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@wa-fleet/devstack';
import { workerControlChannel } from '@wa-fleet/shared';
import { simulatedPhoneNumber } from '@wa-fleet/simulator';
import {
  createSuite,
  createTenant,
  readLog,
  sendCommand,
  sessionRow,
  spawnWorker,
  tenantEnv,
  waitForSessionState,
  type Suite,
} from './helpers.ts';

const CODE = /^[A-HJ-NP-TV-Z2-9]{8}$/;
/** Short, so a refresh is seen within the test; long enough to type a code read from the database. */
const TTL_MS = 4_000;

let suite: Suite;

beforeAll(async () => {
  suite = await createSuite();
});

afterAll(async () => {
  await suite?.close();
});

async function askForCode(tenantId: string, phone: string): Promise<void> {
  await suite.db.whatsAppSession.update({
    where: { tenantId },
    data: { pairingPhone: phone, pairingRequestedAt: new Date(), pairingCode: null, pairingExpiresAt: null },
  });
  const heard = await suite.redis.publish(
    workerControlChannel(suite.prefix, tenantId),
    JSON.stringify({ type: 'pairing_code' }),
  );
  expect(heard).toBe(1);
}

/** Waits for a code on the row other than `previous`; returns it with its expiry. */
async function nextCode(tenantId: string, previous: string | null = null) {
  let found: { code: string; expiresAt: Date } | undefined;
  await waitFor(
    `a pairing code other than ${previous ?? 'none'}`,
    async () => {
      const row = await sessionRow(suite, tenantId);
      if (row?.pairingCode && row.pairingCode !== previous && row.pairingExpiresAt) {
        found = { code: row.pairingCode, expiresAt: row.pairingExpiresAt };
        return true;
      }
      return false;
    },
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  return found!;
}

/** Types `code` on the phone; waits until the worker logged that it refused it. */
async function typeRefused(slug: string, tenantId: string, code: string, warning: RegExp): Promise<void> {
  const before = readLog(suite.logDir, slug).filter((l) => warning.test(String(l.msg))).length;
  await sendCommand(suite, tenantId, { type: 'enter_pairing_code', code });
  await waitFor(
    'the typed code refused',
    async () => readLog(suite.logDir, slug).filter((l) => warning.test(String(l.msg))).length > before,
  );
  expect((await sessionRow(suite, tenantId))?.state).toBe('QR');
}

describe('pairing-code linking (real worker process, simulator)', () => {
  it('links only with the current code typed on the phone of the requested number; codes refresh', async () => {
    const tenant = await createTenant(suite);
    const phone = simulatedPhoneNumber(tenant.id);
    spawnWorker(
      suite,
      tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '-1', SIM_PAIRING_CODE_TTL_MS: String(TTL_MS) }),
    );
    await waitForSessionState(suite, tenant.id, 'QR', 30_000);

    // A code asked for another number: typing it on this phone does not link.
    await askForCode(tenant.id, '15550009999');
    const forOther = await nextCode(tenant.id);
    expect(forOther.code).toMatch(CODE);
    await typeRefused(tenant.slug, tenant.id, forOther.code, /asked for another number/);

    // The right number: a code valid for the TTL, then a new one replaces it.
    await askForCode(tenant.id, phone);
    const first = await nextCode(tenant.id, forOther.code);
    expect(first.code).toMatch(CODE);
    const validFor = first.expiresAt.getTime() - Date.now();
    expect(validFor).toBeGreaterThan(0);
    expect(validFor).toBeLessThanOrEqual(TTL_MS + 1_000);
    const second = await nextCode(tenant.id, first.code);
    expect(second.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    // The replaced code and a made-up one are refused...
    await typeRefused(tenant.slug, tenant.id, first.code, /not a valid pairing code/);
    await typeRefused(tenant.slug, tenant.id, 'AAAA-AAAA', /not a valid pairing code/);

    // ...the current one links (typed as the phone shows it, with a dash). Read it again right before
    // typing: on a slow machine it may have been replaced meanwhile, which the phone would refuse too.
    await waitFor(
      'linked by the current code',
      async () => {
        const row = await sessionRow(suite, tenant.id);
        if (row?.state === 'CONNECTED') return true;
        if (row?.pairingCode) {
          const c = row.pairingCode;
          await sendCommand(suite, tenant.id, {
            type: 'enter_pairing_code',
            code: `${c.slice(0, 4)}-${c.slice(4)}`,
          });
        }
        await new Promise((r) => setTimeout(r, 300));
        return (await sessionRow(suite, tenant.id))?.state === 'CONNECTED';
      },
      { timeoutMs: 20_000, intervalMs: 0 },
    );
    const linked = await sessionRow(suite, tenant.id);
    expect(linked?.phoneNumber).toBe(phone);
    // Once linked, nothing of the pairing remains to be shown or reused.
    expect(linked).toMatchObject({ pairingPhone: null, pairingCode: null, pairingExpiresAt: null });

    // The codes link the number: they reach the row, never the log.
    const log = JSON.stringify(readLog(suite.logDir, tenant.slug));
    expect(log).toContain('pairing code issued');
    for (const code of [forOther.code, first.code, second.code]) expect(log).not.toContain(code);
  });

  it('a request while already linked is refused with a reason on the row', async () => {
    const tenant = await createTenant(suite);
    spawnWorker(suite, tenantEnv(tenant.id, { SIM_LINK_DELAY_MS: '0' }));
    await waitForSessionState(suite, tenant.id, 'CONNECTED', 30_000);
    await askForCode(tenant.id, simulatedPhoneNumber(tenant.id));
    await waitFor('pairing error recorded', async () => !!(await sessionRow(suite, tenant.id))?.pairingError);
    const row = await sessionRow(suite, tenant.id);
    expect(row?.pairingError).toBe('the number is already linked');
    expect(row?.pairingCode).toBeNull();
  });
});
