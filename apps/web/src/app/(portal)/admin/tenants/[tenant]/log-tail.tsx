'use client';
import { useEffect, useRef, useState } from 'react';
import type { LogLevel, LogLineDto as LogLine } from '@wa-fleet/contract';
import { portalUrl } from '@/lib/portal-api.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { Options } from '@/components/field.tsx';
import { extraFields, levelLabel, lineKey } from './log-line.ts';

const MAX_LINES = 1_000;
const RECENT_LINES = 100;
// A record over the contract's union: a level added to the API fails the typecheck until listed here.
const LEVELS_SHOWN: Record<LogLevel, true> = {
  trace: true,
  debug: true,
  info: true,
  warn: true,
  error: true,
  fatal: true,
};
const LEVELS = Object.keys(LEVELS_SHOWN) as LogLevel[];

type Connection = 'connecting' | 'live' | 'retrying';

/**
 * The tenant's process log, live (SSE through the portal). Each line shows the time written in it by
 * the worker, never the time it arrived. Pausing holds new lines aside instead of dropping them.
 */
export function LogTail({ slug }: { slug: string }) {
  const [level, setLevel] = useState<LogLevel | ''>('');
  const [lines, setLines] = useState<LogLine[]>([]);
  const [held, setHeld] = useState<LogLine[]>([]);
  const [isPaused, setIsPaused] = useState(false);
  const [connection, setConnection] = useState<Connection>('connecting');
  const pausedRef = useRef(isPaused);
  pausedRef.current = isPaused;
  const boxRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  useEffect(() => {
    const seen = new Set<string>();
    setLines([]);
    setHeld([]);
    setConnection('connecting');
    const source = new EventSource(
      portalUrl('GET /admin/tenants/:tenant/logs/stream', {
        params: { tenant: slug },
        query: { lines: RECENT_LINES, level: level || undefined },
      }),
    );
    source.onopen = () => setConnection('live');
    source.onerror = () => setConnection('retrying');
    source.onmessage = (event: MessageEvent<string>) => {
      let line: LogLine;
      try {
        line = JSON.parse(event.data) as LogLine;
      } catch {
        return;
      }
      const key = lineKey(line);
      if (seen.has(key)) return;
      seen.add(key);
      const append = (list: LogLine[]) => [...list, line].slice(-MAX_LINES);
      if (pausedRef.current) setHeld(append);
      else setLines(append);
    };
    return () => source.close();
  }, [slug, level]);

  useEffect(() => {
    const box = boxRef.current;
    if (box && stickToBottom.current) box.scrollTop = box.scrollHeight;
  }, [lines]);

  function togglePause() {
    if (isPaused) {
      setLines((list) => [...list, ...held].slice(-MAX_LINES));
      setHeld([]);
    }
    setIsPaused(!isPaused);
  }

  return (
    <section className="card" aria-labelledby="logs-h">
      <h2 id="logs-h">Live log</h2>
      <div className="actions" style={{ marginBottom: '0.5rem' }}>
        <label htmlFor="log-level">Minimum level</label>
        <select id="log-level" value={level} onChange={(e) => setLevel(e.target.value as LogLevel | '')}>
          <option value="">All</option>
          <Options values={LEVELS} />
        </select>
        <button type="button" className="secondary" aria-pressed={isPaused} onClick={togglePause}>
          {isPaused ? `Resume${held.length ? ` (${held.length} new)` : ''}` : 'Pause'}
        </button>
        <span className="small muted" role="status" data-testid="log-connection">
          {connection === 'live'
            ? 'Following the log.'
            : connection === 'connecting'
              ? 'Connecting…'
              : 'Connection lost, retrying…'}
        </span>
      </div>
      <div
        className="log-tail"
        ref={boxRef}
        role="log"
        aria-label={`Process log of ${slug}`}
        tabIndex={0}
        data-testid="log-tail"
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {lines.length === 0 ? (
          <div className="muted">No log lines yet. Lines appear here as the worker writes them.</div>
        ) : (
          lines.map((line, i) => {
            const label = levelLabel(line.level);
            return (
              <div
                className="log-line"
                key={`${i}-${lineKey(line)}`}
                data-testid="log-line"
                data-time={typeof line.time === 'string' ? line.time : ''}
              >
                <span className="log-time">
                  <LocalTime iso={typeof line.time === 'string' ? line.time : undefined} withMs />
                </span>{' '}
                <span className={`log-level lvl-${label}`}>{label.toUpperCase()}</span>{' '}
                {typeof line.msg === 'string' ? line.msg : ''}{' '}
                <span className="log-time">{extraFields(line)}</span>
              </div>
            );
          })
        )}
      </div>
    </section>
  );
}
