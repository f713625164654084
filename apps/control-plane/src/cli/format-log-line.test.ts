import { describe, expect, it } from 'vitest';
import { formatLogLine } from './format-log-line.ts';

const line = {
  time: '2025-03-04T05:06:07.089Z',
  level: 'info',
  tenant: 'acme',
  pid: 4242,
  service: 'worker',
  hostname: 'box',
  msg: 'message stored',
  direction: 'INBOUND',
  id: 'm1',
};

describe('formatLogLine', () => {
  it('prints time as written, level, tenant, message, then the other fields as JSON', () => {
    expect(formatLogLine(line, false)).toBe(
      '2025-03-04T05:06:07.089Z INFO  [acme] message stored {"direction":"INBOUND","id":"m1"}',
    );
  });

  it('leaves out the tenant bracket and the field JSON when there is nothing to show', () => {
    expect(formatLogLine({ time: line.time, level: 'warn', msg: 'control plane ready' }, false)).toBe(
      '2025-03-04T05:06:07.089Z WARN  control plane ready',
    );
  });

  it('shows placeholders for a line without time, level or message, never a made-up time', () => {
    expect(formatLogLine({ detail: 1 }, false)).toBe('- ?      {"detail":1}');
    expect(formatLogLine({ level: 30, msg: 'pino numeric level' }, false)).toBe('- 30    pino numeric level');
  });

  it('colors the level label by severity when asked to', () => {
    const error = formatLogLine({ ...line, level: 'error' }, true);
    expect(error).toContain('\x1b[31mERROR\x1b[0m');
    expect(formatLogLine({ ...line, level: 'warn' }, true)).toContain('\x1b[33mWARN \x1b[0m');
    expect(formatLogLine(line, false)).not.toContain('\x1b[');
  });

  it('shows nested fields without losing them', () => {
    const out = formatLogLine({ ...line, err: { message: 'boom', stack: 'Error: boom\n  at x' } }, false);
    expect(out).toContain('"err":{"message":"boom","stack":"Error: boom\\n  at x"}');
    // One output line per log line, even when a field holds a newline.
    expect(out.split('\n')).toHaveLength(1);
  });
});
