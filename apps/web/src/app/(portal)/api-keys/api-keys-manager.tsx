'use client';
import { useState } from 'react';
import type { ApiKeyDto, ApiKeyScope } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { useApiAction } from '@/lib/use-api-action.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { ConfirmPanel } from '@/components/confirm.tsx';
import { DataTable } from '@/components/data-table.tsx';
import { Field } from '@/components/field.tsx';
import { Loading, SuccessNotice } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

// A record over the contract's union: a scope added to the API fails the typecheck until described here.
const SCOPES: Record<ApiKeyScope, string> = {
  'messages:send': 'send messages',
  'messages:read': 'list and read messages and their status',
  'session:read': 'read the WhatsApp session and worker status',
  'webhooks:manage': 'manage webhook subscriptions',
};

const EXPIRY_DAYS = { never: 0, '30': 30, '90': 90, '365': 365 } as const;
type Expiry = keyof typeof EXPIRY_DAYS;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Creating, listing and revoking the tenant's API keys. The secret is on screen once, after creation. */
export function ApiKeysManager() {
  const keys = usePoll('GET /portal/tenant/current/api-keys', {}, 0);
  const action = useApiAction();
  const [created, setCreated] = useState<{ name: string; secret: string }>();
  const [revoking, setRevoking] = useState<ApiKeyDto>();

  async function create(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const scopes = form
      .getAll('scopes')
      .filter((s): s is ApiKeyScope => typeof s === 'string' && s in SCOPES);
    const days = EXPIRY_DAYS[formText(form, 'expiry', 'never') as Expiry] ?? 0;
    const name = formText(form, 'name').trim();
    setCreated(undefined);
    const res = await action.run(
      callRoute('POST /portal/tenant/current/api-keys', {
        body: {
          name,
          scopes,
          ...(days > 0 ? { expiresAt: new Date(Date.now() + days * DAY_MS).toISOString() } : {}),
        },
      }),
      `Key "${name}" created.`,
    );
    if (!res.ok) return;
    setCreated({ name, secret: res.data.secret });
    formEl.reset();
    await keys.refresh();
  }

  async function revoke(key: ApiKeyDto) {
    setRevoking(undefined);
    const res = await action.run(
      callRoute('DELETE /portal/tenant/current/api-keys/:id', { params: { id: key.id } }),
      `Key "${key.name}" revoked: it stops working at once.`,
    );
    if (res.ok) await keys.refresh();
  }

  const items = keys.data?.items ?? [];
  return (
    <>
      <ApiErrorNotice error={action.error ?? keys.error} what="change the keys" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      {created && (
        <section className="card banner-info" aria-label="New API key" data-testid="new-key-panel">
          <h2>Copy the key now</h2>
          <p>
            This is the only time the key <strong>{created.name}</strong> is shown. Store it where your
            integration keeps secrets; if it is lost, revoke it and create another.
          </p>
          <p>
            <code data-testid="new-key-secret" style={{ wordBreak: 'break-all', userSelect: 'all' }}>
              {created.secret}
            </code>
          </p>
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={() => void navigator.clipboard?.writeText(created.secret).catch(() => undefined)}
            >
              Copy
            </button>
            <button type="button" onClick={() => setCreated(undefined)}>
              I have stored it
            </button>
          </div>
        </section>
      )}
      <h2>Keys</h2>
      {keys.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty">No API keys yet.</p>
      ) : (
        <DataTable
          caption="API keys of this tenant"
          testId="api-keys-table"
          cardsOnPhone
          columns={['Name', 'Key', 'Scopes', 'Created', 'Expires', 'Last used', 'Status', '']}
        >
          {items.map((k) => (
            <tr key={k.id} data-key-id={k.keyId}>
              <td data-label="Name">{k.name}</td>
              <td data-label="Key" className="nowrap">
                <code>wak_{k.keyId}_…</code>
              </td>
              <td data-label="Scopes">{k.scopes.join(', ')}</td>
              <td data-label="Created">
                <LocalTime iso={k.createdAt} />
                <br />
                <span className="muted small">{k.createdBy}</span>
              </td>
              <td data-label="Expires">{<LocalTime iso={k.expiresAt} fallback="never" />}</td>
              <td data-label="Last used">{<LocalTime iso={k.lastUsedAt} fallback="never" />}</td>
              <td data-label="Status">
                <StatusBadge value={k.status.toUpperCase()} label={`Key ${k.name}`} />
              </td>
              <td>
                {k.status !== 'revoked' &&
                  (revoking?.id === k.id ? (
                    <ConfirmPanel
                      question={`Revoke the key ${k.name}? Integrations using it stop working at once.`}
                      confirmLabel="Yes, revoke"
                      onConfirm={() => void revoke(k)}
                      onCancel={() => setRevoking(undefined)}
                    />
                  ) : (
                    <button type="button" className="secondary" onClick={() => setRevoking(k)}>
                      Revoke
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <h2>Create a key</h2>
      <form className="stack card" onSubmit={(e) => void create(e)}>
        <Field id="key-name" label="Name" hint="Who or what uses it, e.g. “CRM integration”.">
          {(control) => <input {...control} name="name" required maxLength={100} />}
        </Field>
        <fieldset>
          <legend>Scopes</legend>
          {(Object.keys(SCOPES) as ApiKeyScope[]).map((scope) => (
            <div key={scope} className="check-row">
              <input id={`scope-${scope}`} type="checkbox" name="scopes" value={scope} />{' '}
              <label htmlFor={`scope-${scope}`}>
                <code>{scope}</code>: {SCOPES[scope]}
              </label>
            </div>
          ))}
        </fieldset>
        <Field id="key-expiry" label="Expires">
          {(control) => (
            <select {...control} name="expiry" defaultValue="never">
              <option value="never">never</option>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={action.isBusy}>
            Create key
          </button>
        </div>
      </form>
    </>
  );
}
