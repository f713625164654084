// The simulated network's record of sends, on a real Redis: one message per clientRef goes out, and
// every attempt is counted, so a client asking twice for the same message shows up in the counts.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatorNetwork } from './network.ts';

const url = process.env.TEST_REDIS_URL;
if (!url) throw new Error('TEST_REDIS_URL must be set (npm test starts a throwaway Redis)');

let redis: Redis;
let network: SimulatorNetwork;
const prefix = `simtest${randomUUID().slice(0, 8)}`;

beforeAll(() => {
  redis = new Redis(url);
  network = new SimulatorNetwork(redis, prefix);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('SimulatorNetwork send attempts', () => {
  it('counts one attempt per clientRef asked for once (nothing repeated)', async () => {
    const tenantId = randomUUID();
    await network.sendOnce(tenantId, { clientRef: 'a', to: '15550000001', ackDelayMs: 10 });
    await network.sendOnce(tenantId, { clientRef: 'b', to: '15550000002', ackDelayMs: 10 });

    expect(await network.sendAttempts(tenantId)).toEqual(
      new Map([
        ['a', 1],
        ['b', 1],
      ]),
    );
    expect((await network.sends(tenantId)).map((s) => s.clientRef)).toEqual(['a', 'b']);
  });

  it('counts a refused repeat of a clientRef, while still sending it only once', async () => {
    const tenantId = randomUUID();
    const first = await network.sendOnce(tenantId, { clientRef: 'a', to: '15550000001', ackDelayMs: 10 });
    const repeat = await network.sendOnce(tenantId, { clientRef: 'a', to: '15550000001', ackDelayMs: 10 });
    await network.sendOnce(tenantId, { clientRef: 'b', to: '15550000002', ackDelayMs: 10 });

    // The repeat is refused: same WhatsApp id back, one message out ...
    expect(repeat.waMessageId).toBe(first.waMessageId);
    expect((await network.sends(tenantId)).map((s) => s.clientRef)).toEqual(['a', 'b']);
    // ... but the attempt is on record, so a caller that sent twice is caught.
    expect(await network.sendAttempts(tenantId)).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
  });

  it('keeps tenants apart: one tenant repeating does not count against another', async () => {
    const [one, two] = [randomUUID(), randomUUID()];
    await network.sendOnce(one, { clientRef: 'x', to: '15550000001', ackDelayMs: 10 });
    await network.sendOnce(one, { clientRef: 'x', to: '15550000001', ackDelayMs: 10 });
    await network.sendOnce(two, { clientRef: 'x', to: '15550000001', ackDelayMs: 10 });

    expect((await network.sendAttempts(one)).get('x')).toBe(2);
    expect((await network.sendAttempts(two)).get('x')).toBe(1);
  });
});
