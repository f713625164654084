'use client';
import { formatAge } from '@/lib/format.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

/** "Why does this user see no logs?": everything that decides it, in one place. */
export function DiagnosticsPanel({ slug }: { slug: string }) {
  const diag = usePoll('GET /admin/tenants/:tenant/diagnostics', { params: { tenant: slug } }, 10_000);
  const d = diag.data;
  return (
    <section className="card" aria-labelledby="diag-h">
      <h2 id="diag-h">Diagnostics</h2>
      <ApiErrorNotice error={diag.error} what="load diagnostics" />
      {diag.isLoading && !d && <Loading />}
      {d && (
        <>
          {d.hints.length > 0 ? (
            <ul className="banner banner-warn" data-testid="diagnostic-hints">
              {d.hints.map((h) => (
                <li key={h}>{h}</li>
              ))}
            </ul>
          ) : (
            <p className="banner banner-ok" role="status">
              Nothing looks wrong: members exist, the worker runs, the number is linked.
            </p>
          )}
          <div className="grid">
            <dl className="facts">
              <dt>Worker</dt>
              <dd>
                <StatusBadge value={d.worker.status} /> {formatAge(d.worker.heartbeatAgeMs)}
              </dd>
              <dt>Session</dt>
              <dd>
                <StatusBadge value={d.session.state} />
              </dd>
              <dt>Messages</dt>
              <dd>
                {d.messages.total} ({d.messages.inbound} in, {d.messages.outbound} out, {d.messages.queued}{' '}
                queued, {d.messages.failed} failed)
              </dd>
              <dt>Last message</dt>
              <dd>
                <LocalTime iso={d.messages.lastMessageAt} />
              </dd>
            </dl>
            <div>
              <strong>Members</strong>
              {d.memberships.length === 0 ? (
                <p className="muted">None.</p>
              ) : (
                <ul>
                  {d.memberships.map((m) => (
                    <li key={m.email}>
                      {m.email} · {m.role}
                      {m.isActive ? '' : ' · inactive'}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
