'use client';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Field } from '@/components/field.tsx';
import { Loading, SuccessNotice } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

/** Everyone sees the tenant's requests; sending one needs OPERATOR (the control plane's rule too). */
export function SetupRequests({ canRequest }: { canRequest: boolean }) {
  const list = usePoll('GET /portal/tenant/current/setup-requests', {}, 0);
  const action = useApiAction();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const res = await action.run(
      callRoute('POST /portal/tenant/current/setup-requests', {
        body: { notes: formText(new FormData(formEl), 'notes') },
      }),
      'Request sent. An admin will pick it up.',
    );
    if (!res.ok) return;
    formEl.reset();
    await list.refresh();
  }

  const items = list.data?.items ?? [];
  return (
    <>
      {canRequest ? (
        <form className="stack card" onSubmit={(e) => void submit(e)}>
          <ApiErrorNotice error={action.error} what="send the request" />
          <SuccessNotice>{action.notice}</SuccessNotice>
          <Field id="setup-notes" label="What do you need?">
            {(control) => <textarea {...control} name="notes" required maxLength={4000} />}
          </Field>
          <div className="actions">
            <button type="submit" disabled={action.isBusy}>
              Send request
            </button>
          </div>
        </form>
      ) : (
        <p className="banner banner-warn" role="alert">
          Sending a setup request needs the OPERATOR role or higher. Ask a tenant admin to send it.
        </p>
      )}
      <h2>Your tenant&apos;s requests</h2>
      <ApiErrorNotice error={list.error} what="load requests" />
      {list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty">No setup requests yet.</p>
      ) : (
        <DataTable
          caption="Your tenant's setup requests"
          columns={['Sent', 'Status', 'Request', 'Admin note']}
        >
          {items.map((r) => (
            <tr key={r.id}>
              <td className="nowrap">
                <LocalTime iso={r.createdAt} />
              </td>
              <td>
                <StatusBadge value={r.status} />
              </td>
              <td className="text">{r.notes}</td>
              <td className="text">{r.adminNote ?? '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
