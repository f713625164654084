import { describe, expect, it } from 'vitest';
import { ageSince, formatAge, formatBytes, formatDateTime, formatLogTime, formatPercent } from './format.ts';

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
});
