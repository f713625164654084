'use client';
import { formText } from '@/lib/form.ts';
import { useEffect, useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import type { Items } from '@/lib/admin-types.ts';
import { formatDateTime } from '@/lib/format.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';

interface AuditEntry {
  id: string;
  actor: string;
  tenantSlug: string | null;
  action: string;
  details: unknown;
  createdAt: string;
}

export function AuditLogView() {
  const [filter, setFilter] = useState({ tenant: '', action: '' });
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [isLoading, setIsLoading] = useState(true);

  async function load(from: string | null) {
    const params = new URLSearchParams({ limit: '100' });
    if (filter.tenant) params.set('tenant', filter.tenant);
    if (filter.action) params.set('action', filter.action);
    if (from) params.set('cursor', from);
    const res = await callApi<Items<AuditEntry>>(`/api/admin/audit?${params.toString()}`);
    setIsLoading(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(undefined);
    setItems((shown) => (from ? [...shown, ...res.data.items] : res.data.items));
    setCursor(res.data.nextCursor ?? null);
  }

  useEffect(() => {
    setIsLoading(true);
    void load(null);
  }, [filter]);

  return (
    <>
      <form
        className="filters card"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setFilter({ tenant: formText(form, 'tenant').trim(), action: formText(form, 'action').trim() });
        }}
      >
        <div className="field">
          <label htmlFor="audit-tenant">Tenant slug</label>
          <input id="audit-tenant" name="tenant" defaultValue={filter.tenant} />
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            name="action"
            defaultValue={filter.action}
            placeholder="e.g. worker.stop"
          />
        </div>
        <div className="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <ApiErrorNotice error={error} what="load the audit log" />
      {isLoading ? (
        <p aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty card">
          No audit entries{filter.tenant || filter.action ? ' match this filter' : ' yet'}.
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Tenant</th>
                <th scope="col">Action</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td className="nowrap">{formatDateTime(a.createdAt)}</td>
                  <td>{a.actor}</td>
                  <td className="mono">{a.tenantSlug ?? '—'}</td>
                  <td className="mono">{a.action}</td>
                  <td className="text mono small">{JSON.stringify(a.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div className="actions" style={{ marginTop: '0.75rem' }}>
          <button type="button" onClick={() => void load(cursor)}>
            Load more
          </button>
        </div>
      )}
    </>
  );
}
