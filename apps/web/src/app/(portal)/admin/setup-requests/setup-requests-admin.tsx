'use client';
import { useState } from 'react';
import type { SetupRequestStatus } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Field, Options } from '@/components/field.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

// A record over the contract's union: a status added to the API fails the typecheck until listed here.
const STATUS_SHOWN: Record<SetupRequestStatus, true> = {
  OPEN: true,
  IN_PROGRESS: true,
  DONE: true,
  REJECTED: true,
};
const STATUSES = Object.keys(STATUS_SHOWN) as SetupRequestStatus[];

export function SetupRequestsAdmin() {
  const [status, setStatus] = useState<SetupRequestStatus | ''>('');
  const list = usePoll('GET /admin/setup-requests', { query: { status: status || undefined } }, 15_000);
  const action = useApiAction();
  const [saved, setSaved] = useState<string>();

  async function save(id: string, event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const note = formText(form, 'adminNote');
    const res = await action.run(
      callRoute('PATCH /admin/setup-requests/:id', {
        params: { id },
        // The select offers only the contract's statuses; the portal's route validates the value again.
        body: {
          status: formText(form, 'status') as SetupRequestStatus,
          adminNote: note === '' ? null : note,
        },
      }),
    );
    if (!res.ok) return;
    setSaved(id);
    await list.refresh();
  }

  const items = list.data?.items ?? [];
  return (
    <>
      <div className="actions" style={{ marginBottom: '0.75rem' }}>
        <label htmlFor="sr-filter">Show</label>
        <select
          id="sr-filter"
          value={status}
          onChange={(e) => setStatus(e.target.value as SetupRequestStatus | '')}
        >
          <option value="">All</option>
          <Options values={STATUSES} />
        </select>
      </div>
      <ApiErrorNotice error={action.error ?? list.error} what="update the request" />
      {list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty card">No setup requests{status ? ` with status ${status}` : ''}.</p>
      ) : (
        items.map((r) => (
          <section key={r.id} className="card" aria-label={`Request from ${r.tenantSlug}`}>
            <p>
              <StatusBadge value={r.status} /> <strong>{r.tenantSlug}</strong>{' '}
              <span className="muted small">
                {r.userEmail ?? 'unknown user'} · <LocalTime iso={r.createdAt} />
              </span>
            </p>
            <p style={{ whiteSpace: 'pre-wrap' }}>{r.notes}</p>
            <form className="filters" onSubmit={(e) => void save(r.id, e)}>
              <Field id={`st-${r.id}`} label="Status">
                {(control) => (
                  <select {...control} name="status" defaultValue={r.status}>
                    <Options values={STATUSES} />
                  </select>
                )}
              </Field>
              <Field id={`note-${r.id}`} label="Note to the tenant" style={{ flex: '1 1 16rem' }}>
                {(control) => (
                  <input {...control} name="adminNote" maxLength={2000} defaultValue={r.adminNote ?? ''} />
                )}
              </Field>
              <div className="actions">
                <button type="submit">Save</button>
                {saved === r.id && <span role="status">Saved.</span>}
              </div>
            </form>
          </section>
        ))
      )}
    </>
  );
}
