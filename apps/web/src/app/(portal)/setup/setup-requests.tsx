'use client';
import { formText } from '@/lib/form.ts';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import { formatDateTime } from '@/lib/format.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

interface SetupRequest {
  id: string;
  status: string;
  notes: string;
  adminNote?: string | null;
  createdAt: string;
}

function readItems(data: unknown): SetupRequest[] {
  if (Array.isArray(data)) return data as SetupRequest[];
  const items = (data as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? (items as SetupRequest[]) : [];
}

/** Everyone sees the tenant's requests; sending one needs OPERATOR (the control plane's rule too). */
export function SetupRequests({ canRequest }: { canRequest: boolean }) {
  const list = usePoll<unknown>('/api/tenant/setup-requests', 0);
  const [error, setError] = useState<ApiError>();
  const [sent, setSent] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const res = await callApi('/api/tenant/setup-requests', {
      method: 'POST',
      body: { notes: formText(new FormData(formEl), 'notes') },
    });
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(undefined);
    setSent(true);
    formEl.reset();
    await list.refresh();
  }

  const items = readItems(list.data);
  return (
    <>
      {canRequest ? (
        <form className="stack card" onSubmit={(e) => void submit(e)}>
          <ApiErrorNotice error={error} what="send the request" />
          {sent && (
            <div className="banner banner-ok" role="status">
              Request sent. An admin will pick it up.
            </div>
          )}
          <div className="field">
            <label htmlFor="setup-notes">What do you need?</label>
            <textarea id="setup-notes" name="notes" required maxLength={4000} />
          </div>
          <div className="actions">
            <button type="submit">Send request</button>
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
        <p aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">No setup requests yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Sent</th>
                <th scope="col">Status</th>
                <th scope="col">Request</th>
                <th scope="col">Admin note</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td className="nowrap">{formatDateTime(r.createdAt)}</td>
                  <td>
                    <StatusBadge value={r.status} />
                  </td>
                  <td className="text">{r.notes}</td>
                  <td className="text">{r.adminNote ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
