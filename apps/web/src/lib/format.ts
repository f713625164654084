/** "12 s ago", "3 min ago", "2 h ago"; "never" for a missing time. */
export function formatAge(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return 'never';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export function ageSince(iso: string | null | undefined, now = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : now - t;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} days`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value}%`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatLocal(iso: string | null | undefined, withMs: boolean): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${text}.${pad(d.getMilliseconds(), 3)}` : text;
}

/** Local date and time with seconds, no zone, e.g. "2026-11-22 14:03:07" (only with a zone beside it). */
export function formatDateTime(iso: string | null | undefined): string {
  return formatLocal(iso, false);
}

/** Date and time with milliseconds, no zone, for log lines. */
export function formatLogTime(iso: string | null | undefined): string {
  return formatLocal(iso, true);
}

/** The viewer's UTC offset at `d`, e.g. "UTC+01:00", "UTC+05:30", "UTC-05:00". */
export function utcOffset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function withZone(iso: string | null | undefined, withMs: boolean): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${formatLocal(iso, withMs)} ${utcOffset(d)}`;
}

/** Local date and time with the viewer's zone, e.g. "2026-11-22 14:03:07 UTC+01:00": how the portal shows times. */
export function formatDateTimeZone(iso: string | null | undefined): string {
  return withZone(iso, false);
}

/** Local time with milliseconds and the zone, for log lines. */
export function formatLogTimeZone(iso: string | null | undefined): string {
  return withZone(iso, true);
}

/** The same instant in UTC, e.g. "2026-11-22 13:03:07 UTC": what the server renders before the browser's zone is known. */
export function formatDateTimeUtc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
