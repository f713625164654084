'use client';
import { useState } from 'react';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Loading } from '@/components/notices.tsx';
import { niceMax, type DayStats } from './stats-data.ts';

// Failed bars are hatched as well as red, and every day's bars keep this order: colour is never the only cue.
const SERIES = [
  { key: 'inbound', label: 'Inbound', color: '#0b5cad', isHatched: false },
  { key: 'outbound', label: 'Outbound', color: '#2f8f4e', isHatched: false },
  { key: 'failed', label: 'Failed', color: '#b3261e', isHatched: true },
] as const;
const HATCH_ID = 'failed-hatch';

export function StatsView() {
  const [days, setDays] = useState(14);
  const stats = usePoll('GET /portal/tenant/current/stats', { query: { days } }, 60_000);
  const rows = stats.data?.days ?? [];
  const total = rows.reduce((sum, r) => sum + r.inbound + r.outbound + r.failed, 0);
  return (
    <>
      <div className="actions" style={{ marginBottom: '0.75rem' }}>
        <label htmlFor="stats-days">Period</label>
        <select id="stats-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={7}>Last 7 days</option>
          <option value={14}>Last 14 days</option>
          <option value={30}>Last 30 days</option>
          <option value={90}>Last 90 days</option>
        </select>
      </div>
      <ApiErrorNotice error={stats.error} what="load statistics" />
      {stats.isLoading ? (
        <Loading />
      ) : total === 0 ? (
        <p className="empty card">No messages in this period, so there is nothing to chart.</p>
      ) : (
        <section className="card chart" aria-labelledby="chart-title">
          <h2 id="chart-title">Messages per day (UTC days)</h2>
          <Legend />
          <BarChart rows={rows} />
          <details>
            <summary>Numbers as a table</summary>
            <StatsTable rows={rows} />
          </details>
        </section>
      )}
    </>
  );
}

function Legend() {
  return (
    <div className="legend" aria-hidden="true">
      <span className="muted">Each day, left to right:</span>
      {SERIES.map((s) => (
        <span key={s.key}>
          <span className={s.isHatched ? 'swatch hatched' : 'swatch'} style={{ backgroundColor: s.color }} />
          {s.label}
        </span>
      ))}
    </div>
  );
}

function BarChart({ rows }: { rows: DayStats[] }) {
  const width = 760;
  const height = 280;
  const pad = { left: 40, right: 10, top: 10, bottom: 40 };
  const max = niceMax(Math.max(...rows.map((r) => Math.max(r.inbound, r.outbound, r.failed))));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const groupW = plotW / rows.length;
  const barW = Math.max(2, (groupW * 0.8) / SERIES.length);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(rows.length / 14);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Bar chart of inbound, outbound and failed messages per day, ${rows.length} days`}
    >
      <defs>
        <pattern
          id={HATCH_ID}
          width="5"
          height="5"
          patternUnits="userSpaceOnUse"
          patternTransform="rotate(45)"
        >
          <rect width="2" height="5" fill="rgba(255,255,255,0.7)" />
        </pattern>
      </defs>
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line x1={pad.left} x2={width - pad.right} y1={y(max * f)} y2={y(max * f)} stroke="#d5dbe1" />
          <text x={pad.left - 6} y={y(max * f) + 4} textAnchor="end" fontSize="11" fill="#4a5360">
            {Number((max * f).toFixed(1))}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const x0 = pad.left + i * groupW + groupW * 0.1;
        return (
          <g key={r.day}>
            {SERIES.map((s, j) => {
              const bar = {
                x: x0 + j * barW,
                y: y(r[s.key]),
                width: barW - 1,
                height: pad.top + plotH - y(r[s.key]),
              };
              return (
                <g key={s.key}>
                  <rect {...bar} fill={s.color}>
                    <title>{`${r.day} ${s.label.toLowerCase()}: ${r[s.key]}`}</title>
                  </rect>
                  {s.isHatched && <rect {...bar} fill={`url(#${HATCH_ID})`} pointerEvents="none" />}
                </g>
              );
            })}
            {i % labelEvery === 0 && (
              <text
                x={x0 + (barW * SERIES.length) / 2}
                y={height - pad.bottom + 16}
                textAnchor="middle"
                fontSize="11"
                fill="#4a5360"
              >
                {r.day.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function StatsTable({ rows }: { rows: DayStats[] }) {
  return (
    <DataTable caption="Messages per day (UTC days)" columns={['Day (UTC)', 'Inbound', 'Outbound', 'Failed']}>
      {rows.map((r) => (
        <tr key={r.day}>
          <td>{r.day}</td>
          <td>{r.inbound}</td>
          <td>{r.outbound}</td>
          <td>{r.failed}</td>
        </tr>
      ))}
    </DataTable>
  );
}
