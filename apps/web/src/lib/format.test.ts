import { describe, expect, it } from 'vitest';
import {
  ageSince,
  formatAge,
  formatBytes,
  formatDateTime,
  formatDateTimeUtc,
  formatDateTimeZone,
  formatLogTime,
  formatLogTimeZone,
  formatPercent,
} from './format.ts';

describe('display formats', () => {
  it('says how old a heartbeat is in words an operator reads at a glance', () => {
    expect(formatAge(null)).toBe('never');
    expect(formatAge(4_400)).toBe('4 s ago');
    expect(formatAge(125_000)).toBe('2 min ago');
    expect(formatAge(3 * 3_600_000)).toBe('3 h ago');
  });

  it('measures age from an ISO time and ignores garbage', () => {
    expect(ageSince('2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:40.000Z'))).toBe(30_000);
    expect(ageSince('not a date')).toBeNull();
    expect(ageSince(undefined)).toBeNull();
  });

  it('shows memory in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(formatBytes(undefined)).toBe('—');
  });

  it('shows local times to the second, log times to the millisecond, and a dash when missing', () => {
    const iso = new Date(2026, 0, 2, 3, 4, 5, 67).toISOString();
    expect(formatDateTime(iso)).toBe('2026-01-02 03:04:05');
    expect(formatLogTime(iso)).toBe('2026-01-02 03:04:05.067');
    expect(formatDateTime(null)).toBe('—');
    expect(formatLogTime('garbage')).toBe('garbage');
    expect(formatPercent(12.5)).toBe('12.5%');
    expect(formatPercent(null)).toBe('—');
  });

  it("shows an instant in the viewer's zone with its offset, and in UTC before the zone is known", () => {
    const saved = process.env.TZ;
    try {
      const iso = '2026-12-02T13:05:09.250Z';
      process.env.TZ = 'Asia/Kolkata';
      expect(formatDateTimeZone(iso)).toBe('2026-12-02 18:35:09 UTC+05:30');
      expect(formatLogTimeZone(iso)).toBe('2026-12-02 18:35:09.250 UTC+05:30');
      process.env.TZ = 'America/New_York';
      expect(formatDateTimeZone(iso)).toBe('2026-12-02 08:05:09 UTC-05:00');
      // Summer time is the offset of that instant, not of today.
      expect(formatDateTimeZone('2026-07-01T12:00:00Z')).toBe('2026-07-01 08:00:00 UTC-04:00');
      expect(formatDateTimeUtc(iso)).toBe('2026-12-02 13:05:09 UTC');
      expect(formatDateTimeZone(null)).toBe('—');
      expect(formatDateTimeUtc('garbage')).toBe('garbage');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
