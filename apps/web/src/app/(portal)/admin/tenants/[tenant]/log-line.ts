import type { LogLineDto as LogLine } from '@wa-fleet/contract';

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const SHOWN_APART = new Set(['time', 'level', 'msg', 'tenant', 'pid', 'hostname', 'service']);

export function levelLabel(level: LogLine['level']): string {
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  return typeof level === 'string' ? level : 'info';
}

/** The line's other fields, compact, so nothing the worker logged is hidden. */
export function extraFields(line: LogLine): string {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(line)) if (!SHOWN_APART.has(key)) rest[key] = value;
  return Object.keys(rest).length > 0 ? JSON.stringify(rest) : '';
}

/** Identity of a line, so a reconnect that replays recent lines does not show them twice. */
export function lineKey(line: LogLine): string {
  return `${String(line.time)}|${String(line.pid)}|${String(line.msg)}|${extraFields(line)}`;
}
