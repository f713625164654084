'use client';
import Link from 'next/link';
import { callApi } from '@/lib/api-client.ts';
import { formatAge, formatBytes, formatDuration, formatPercent } from '@/lib/format.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';
import { DiagnosticsPanel } from './diagnostics-panel.tsx';
import { LogTail } from './log-tail.tsx';
import { WorkerControls } from './worker-controls.tsx';
import { WorkerTimeline } from './worker-timeline.tsx';

const REFRESH_MS = 2_000;

export function TenantDetailView({ slug }: { slug: string }) {
  const detail = usePoll('GET /admin/tenants/:tenant', { params: { tenant: slug } }, REFRESH_MS);
  const workers = usePoll('GET /admin/workers', {}, REFRESH_MS);
  const health = workers.data?.items.find((w) => w.tenantSlug === slug);
  const t = detail.data;

  async function openTenantPages() {
    const res = await callApi('/api/auth/tenant', { method: 'POST', body: { slug } });
    if (res.ok) window.location.assign('/overview');
  }

  return (
    <>
      <p className="small">
        <Link href="/admin/tenants">← All tenants</Link>
      </p>
      <h1>{t ? `${t.name} (${t.slug})` : slug}</h1>
      <ApiErrorNotice error={detail.error} what="load the tenant" />
      {detail.isLoading && !t && <Loading />}
      {t && (
        <div className="grid">
          <section className="card" aria-labelledby="worker-h">
            <h2 id="worker-h">Worker</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="admin-worker-status">
                <StatusBadge value={t.worker.status} label="Worker status" />
              </dd>
              <dt>PID</dt>
              <dd className="mono" data-testid="admin-worker-pid">
                {health?.pid ?? t.worker.pid ?? '—'}
              </dd>
              <dt>Heartbeat</dt>
              <dd>{formatAge(t.worker.heartbeatAgeMs)}</dd>
              <dt>Memory</dt>
              <dd>{formatBytes(health?.memoryBytes)}</dd>
              <dt>CPU</dt>
              <dd>{formatPercent(health?.cpuPercent)}</dd>
              <dt>Uptime</dt>
              <dd>{formatDuration(health?.uptimeMs)}</dd>
              <dt>Restarts</dt>
              <dd>{health?.restartCount ?? t.worker.restartCount}</dd>
              <dt>Started</dt>
              <dd>
                <LocalTime iso={t.worker.startedAt} />
              </dd>
              {t.worker.lastError && (
                <>
                  <dt>Last error</dt>
                  <dd>{t.worker.lastError}</dd>
                </>
              )}
            </dl>
            <WorkerControls slug={slug} status={t.worker.status} onDone={() => void detail.refresh()} />
          </section>
          <section className="card" aria-labelledby="tenant-h">
            <h2 id="tenant-h">Tenant and session</h2>
            <dl className="facts">
              <dt>Tenant status</dt>
              <dd>
                <StatusBadge value={t.status} />
              </dd>
              <dt>Engine</dt>
              <dd>{t.engine ?? 'fleet default'}</dd>
              <dt>Session</dt>
              <dd>
                <StatusBadge value={t.session.state} label="Session state" />
              </dd>
              <dt>Linked number</dt>
              <dd>{t.session.phoneNumber ?? '—'}</dd>
              <dt>Created</dt>
              <dd>
                <LocalTime iso={t.createdAt} />
              </dd>
            </dl>
            <div className="actions" style={{ marginTop: '0.75rem' }}>
              <button type="button" className="secondary" onClick={() => void openTenantPages()}>
                Open this tenant&apos;s pages
              </button>
            </div>
          </section>
        </div>
      )}
      <WorkerTimeline slug={slug} />
      <LogTail slug={slug} />
      <DiagnosticsPanel slug={slug} />
    </>
  );
}
