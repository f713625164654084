// One readable line per JSON log line: time (as written, never re-stamped), level, tenant, message,
// then the remaining fields as compact JSON.

const COLORS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const SHOWN = new Set(['time', 'level', 'msg', 'tenant', 'pid', 'service', 'hostname']);

export function formatLogLine(line: Record<string, unknown>, useColor = process.stdout.isTTY): string {
  const level =
    typeof line.level === 'string' ? line.level : typeof line.level === 'number' ? String(line.level) : '?';
  const time = typeof line.time === 'string' ? line.time : '-';
  const rest = Object.fromEntries(Object.entries(line).filter(([k]) => !SHOWN.has(k)));
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const tenant = typeof line.tenant === 'string' ? ` [${line.tenant}]` : '';
  const label = level.toUpperCase().padEnd(5);
  const coloredLabel = useColor ? `${COLORS[level] ?? ''}${label}${RESET}` : label;
  return `${time} ${coloredLabel}${tenant} ${typeof line.msg === 'string' ? line.msg : ''}${extra}`;
}
