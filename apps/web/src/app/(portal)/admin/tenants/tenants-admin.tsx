'use client';
import Link from 'next/link';
import { useState } from 'react';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { formatAge, formatBytes, formatDuration, formatPercent } from '@/lib/format.ts';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Field } from '@/components/field.tsx';
import { Loading, SuccessNotice } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

const REFRESH_MS = 3_000;
const COLUMNS = [
  'Tenant',
  'Tenant status',
  'Worker',
  'Heartbeat',
  'PID',
  'Memory',
  'CPU',
  'Uptime',
  'Restarts',
] as const;

export function TenantsAdmin() {
  const tenants = usePoll('GET /admin/tenants', {}, REFRESH_MS);
  const workers = usePoll('GET /admin/workers', {}, REFRESH_MS);
  const healthBySlug = new Map((workers.data?.items ?? []).map((w) => [w.tenantSlug, w]));
  const list = tenants.data?.items ?? [];
  return (
    <>
      <ApiErrorNotice error={tenants.error ?? workers.error} what="load tenants" />
      {tenants.isLoading ? (
        <Loading text="Loading tenants…" />
      ) : list.length === 0 && !tenants.error ? (
        <p className="empty card">No tenants yet. Create the first one below.</p>
      ) : (
        <DataTable caption="Tenants and their workers" columns={COLUMNS} testId="tenants-table">
          {list.map((t) => {
            const h = healthBySlug.get(t.slug);
            return (
              <tr key={t.id} data-testid={`tenant-row-${t.slug}`}>
                <td>
                  <Link href={`/admin/tenants/${t.slug}`}>{t.name}</Link>
                  <div className="small muted mono">{t.slug}</div>
                </td>
                <td>
                  <StatusBadge value={t.status} />
                </td>
                <td>
                  <StatusBadge value={h?.status ?? t.worker.status} label={`Worker of ${t.slug}`} />
                  {(h?.lastError ?? t.worker.lastError) && (
                    <div className="small muted">{h?.lastError ?? t.worker.lastError}</div>
                  )}
                </td>
                <td className="nowrap">{formatAge(h?.heartbeatAgeMs ?? t.worker.heartbeatAgeMs)}</td>
                <td className="mono">{h?.pid ?? t.worker.pid ?? '—'}</td>
                <td className="nowrap">{formatBytes(h?.memoryBytes)}</td>
                <td>{formatPercent(h?.cpuPercent)}</td>
                <td className="nowrap">{formatDuration(h?.uptimeMs)}</td>
                <td>{h?.restartCount ?? t.worker.restartCount}</td>
              </tr>
            );
          })}
        </DataTable>
      )}
      <CreateTenantForm onCreated={() => void tenants.refresh()} />
    </>
  );
}

function CreateTenantForm({ onCreated }: { onCreated: () => void }) {
  const action = useApiAction();
  const [created, setCreated] = useState<string>();
  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const res = await action.run(
      callRoute('POST /admin/tenants', {
        body: { slug: formText(form, 'slug').trim(), name: formText(form, 'name') },
      }),
    );
    setCreated(res.ok ? res.data.slug : undefined);
    if (!res.ok) return;
    formEl.reset();
    onCreated();
  }
  return (
    <section className="card" aria-labelledby="create-tenant" style={{ marginTop: '1rem' }}>
      <h2 id="create-tenant">Create a tenant</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <ApiErrorNotice error={action.error} what="create the tenant" />
        <SuccessNotice>
          {created && (
            <>
              Tenant {created} created. Its worker is stopped: start it from the{' '}
              <Link href={`/admin/tenants/${created}`}>tenant page</Link>.
            </>
          )}
        </SuccessNotice>
        <Field
          id="tenant-slug"
          label="Slug"
          hint="3-40 lowercase letters, digits and inner hyphens. Permanent: it names the log file and the worker."
        >
          {(control) => (
            <input {...control} name="slug" required pattern="[a-z0-9][a-z0-9\-]{1,38}[a-z0-9]" />
          )}
        </Field>
        <Field id="tenant-name" label="Name">
          {(control) => <input {...control} name="name" required maxLength={200} />}
        </Field>
        <div className="actions">
          <button type="submit" disabled={action.isBusy}>
            Create tenant
          </button>
        </div>
      </form>
    </section>
  );
}
