import { describe, expect, it } from 'vitest';
import { niceMax, readDayStats } from './stats-data.ts';

describe('statistics data', () => {
  it('reads per-day rows oldest first and treats missing counts as zero', () => {
    const rows = readDayStats({
      days: [
        { day: '2026-11-21', inbound: 3, outbound: 1, failed: 0 },
        { day: '2026-11-20', inbound: 5 },
      ],
    });
    expect(rows).toEqual([
      { day: '2026-11-20', inbound: 5, outbound: 0, failed: 0 },
      { day: '2026-11-21', inbound: 3, outbound: 1, failed: 0 },
    ]);
  });

  it('picks a round axis maximum', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(130)).toBe(200);
    expect(niceMax(5)).toBe(5);
  });
});
