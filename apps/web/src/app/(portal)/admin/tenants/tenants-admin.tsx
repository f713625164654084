'use client';
import { formText } from '@/lib/form.ts';
import Link from 'next/link';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import type { Items, TenantWithWorker, WorkerHealth } from '@/lib/admin-types.ts';
import { formatAge, formatBytes, formatDuration } from '@/lib/format.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

const REFRESH_MS = 3_000;

export function TenantsAdmin() {
  const tenants = usePoll<Items<TenantWithWorker>>('/api/admin/tenants', REFRESH_MS);
  const workers = usePoll<Items<WorkerHealth>>('/api/admin/workers', REFRESH_MS);
  const healthBySlug = new Map((workers.data?.items ?? []).map((w) => [w.tenantSlug, w]));
  const list = tenants.data?.items ?? [];
  return (
    <>
      <ApiErrorNotice error={tenants.error ?? workers.error} what="load tenants" />
      {tenants.isLoading ? (
        <p aria-busy="true">Loading tenants…</p>
      ) : list.length === 0 && !tenants.error ? (
        <p className="empty card">No tenants yet. Create the first one below.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="tenants-table">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Tenant status</th>
                <th scope="col">Worker</th>
                <th scope="col">Heartbeat</th>
                <th scope="col">PID</th>
                <th scope="col">Memory</th>
                <th scope="col">CPU</th>
                <th scope="col">Uptime</th>
                <th scope="col">Restarts</th>
              </tr>
            </thead>
            <tbody>
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
                    <td>
                      {h?.cpuPercent === null || h?.cpuPercent === undefined ? '—' : `${h.cpuPercent}%`}
                    </td>
                    <td className="nowrap">{formatDuration(h?.uptimeMs)}</td>
                    <td>{h?.restarts ?? t.worker.restartCount ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <CreateTenantForm onCreated={() => void tenants.refresh()} />
    </>
  );
}

function CreateTenantForm({ onCreated }: { onCreated: () => void }) {
  const [error, setError] = useState<ApiError>();
  const [created, setCreated] = useState<string>();
  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const res = await callApi<{ slug: string }>('/api/admin/tenants', {
      method: 'POST',
      body: { slug: formText(form, 'slug').trim(), name: formText(form, 'name') },
    });
    if (!res.ok) {
      setError(res.error);
      setCreated(undefined);
      return;
    }
    setError(undefined);
    setCreated(res.data.slug);
    formEl.reset();
    onCreated();
  }
  return (
    <section className="card" aria-labelledby="create-tenant" style={{ marginTop: '1rem' }}>
      <h2 id="create-tenant">Create a tenant</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <ApiErrorNotice error={error} what="create the tenant" />
        {created && (
          <div className="banner banner-ok" role="status">
            Tenant {created} created. Its worker is stopped: start it from the{' '}
            <Link href={`/admin/tenants/${created}`}>tenant page</Link>.
          </div>
        )}
        <div className="field">
          <label htmlFor="tenant-slug">Slug</label>
          <input
            id="tenant-slug"
            name="slug"
            required
            pattern="[a-z0-9][a-z0-9\-]{1,38}[a-z0-9]"
            aria-describedby="tenant-slug-hint"
          />
          <span id="tenant-slug-hint" className="hint">
            3-40 lowercase letters, digits and inner hyphens. Permanent: it names the log file and the worker.
          </span>
        </div>
        <div className="field">
          <label htmlFor="tenant-name">Name</label>
          <input id="tenant-name" name="name" required maxLength={200} />
        </div>
        <div className="actions">
          <button type="submit">Create tenant</button>
        </div>
      </form>
    </section>
  );
}
