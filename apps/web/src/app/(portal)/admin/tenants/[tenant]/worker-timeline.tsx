'use client';
import { formatDuration } from '@/lib/format.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

const LIMIT = 50;

/**
 * Every status change of the tenant's worker, newest first, with how long each state lasted: on-call
 * reads what happened (hung, restarted, recovered) and since when.
 */
export function WorkerTimeline({ slug }: { slug: string }) {
  const history = usePoll(
    'GET /admin/tenants/:tenant/worker/history',
    { params: { tenant: slug }, query: { limit: LIMIT } },
    5_000,
  );
  const items = history.data?.items;
  return (
    <section className="card" aria-labelledby="timeline-h">
      <h2 id="timeline-h">Worker timeline</h2>
      <ApiErrorNotice error={history.error} what="load the worker timeline" />
      {history.isLoading && !items && <Loading />}
      {items && items.length === 0 && <p className="muted">No status change recorded yet.</p>}
      {items && items.length > 0 && (
        <ol className="timeline" data-testid="worker-timeline">
          {items.map((change, i) => {
            const until = i === 0 ? Date.now() : Date.parse(items[i - 1]!.at);
            const lasted = until - Date.parse(change.at);
            return (
              <li key={`${change.at}-${change.to}-${i}`} data-testid="timeline-entry">
                <time dateTime={change.at} className="mono">
                  <LocalTime iso={change.at} />
                </time>{' '}
                {change.from ? <StatusBadge value={change.from} /> : '—'} → <StatusBadge value={change.to} />
                <span className="muted">
                  {' '}
                  {i === 0 ? `since ${formatDuration(lasted)}` : `for ${formatDuration(lasted)}`}
                </span>
                {change.reason && <div className="small">{change.reason}</div>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
