'use client';
import { useEffect, useState } from 'react';
import type { AuditEntryDto } from '@wa-fleet/contract';
import { callRoute, type ApiError } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Field } from '@/components/field.tsx';
import { Loading } from '@/components/notices.tsx';

export function AuditLogView() {
  const [filter, setFilter] = useState({ tenant: '', action: '' });
  const [items, setItems] = useState<AuditEntryDto[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [isLoading, setIsLoading] = useState(true);

  async function load(from: string | null) {
    const res = await callRoute('GET /admin/audit', {
      query: {
        limit: 100,
        tenant: filter.tenant || undefined,
        action: filter.action || undefined,
        cursor: from ?? undefined,
      },
    });
    setIsLoading(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(undefined);
    setItems((shown) => (from ? [...shown, ...res.data.items] : res.data.items));
    setCursor(res.data.nextCursor);
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
        aria-label="Audit log filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setFilter({ tenant: formText(form, 'tenant').trim(), action: formText(form, 'action').trim() });
        }}
      >
        <Field id="audit-tenant" label="Tenant slug">
          {(control) => <input {...control} name="tenant" defaultValue={filter.tenant} />}
        </Field>
        <Field id="audit-action" label="Action">
          {(control) => (
            <input {...control} name="action" defaultValue={filter.action} placeholder="e.g. worker.stop" />
          )}
        </Field>
        <div className="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <ApiErrorNotice error={error} what="load the audit log" />
      {isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty card">
          No audit entries{filter.tenant || filter.action ? ' match this filter' : ' yet'}.
        </p>
      ) : (
        <DataTable
          caption="Audit log, newest first"
          columns={['Time', 'Actor', 'Tenant', 'Action', 'Details']}
          testId="audit-table"
        >
          {items.map((a) => (
            <tr key={a.id}>
              <td className="nowrap">
                <LocalTime iso={a.createdAt} />
              </td>
              <td>{a.actor}</td>
              <td className="mono">{a.tenantSlug ?? '—'}</td>
              <td className="mono">{a.action}</td>
              <td className="text mono small">{JSON.stringify(a.details)}</td>
            </tr>
          ))}
        </DataTable>
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
