'use client';
import { useState } from 'react';
import type { WebhookDeliveryDto, WebhookEndpointDto } from '@wa-fleet/contract';
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

type EventType = WebhookEndpointDto['eventTypes'][number];

// A record over the contract's union: an event type added to the API fails the typecheck until described here.
const EVENTS: Record<EventType, string> = {
  'message.received': 'an inbound message arrived',
  'message.status': 'an outbound message was sent, delivered, read or failed',
  'session.state': 'the WhatsApp session changed state',
  'worker.status': "the tenant's worker changed status",
};

/** Creating, listing and changing the tenant's webhook endpoints; a selected one shows its deliveries. */
export function WebhooksManager() {
  const endpoints = usePoll('GET /portal/tenant/current/webhooks', {}, 5_000);
  const action = useApiAction();
  const [secret, setSecret] = useState<{ url: string; secret: string }>();
  const [deleting, setDeleting] = useState<string>();
  const [selected, setSelected] = useState<string>();

  async function create(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const eventTypes = form
      .getAll('eventTypes')
      .filter((s): s is EventType => typeof s === 'string' && s in EVENTS);
    const url = formText(form, 'url').trim();
    const description = formText(form, 'description').trim();
    setSecret(undefined);
    const res = await action.run(
      callRoute('POST /portal/tenant/current/webhooks', { body: { url, description, eventTypes } }),
      `Endpoint ${url} created.`,
    );
    if (!res.ok) return;
    setSecret({ url, secret: res.data.secret });
    setSelected(res.data.endpoint.id);
    formEl.reset();
    await endpoints.refresh();
  }

  async function rotate(e: WebhookEndpointDto) {
    const res = await action.run(
      callRoute('POST /portal/tenant/current/webhooks/:id/rotate-secret', { params: { id: e.id } }),
      'New secret in effect: deliveries are signed with it from now on.',
    );
    if (res.ok) setSecret({ url: e.url, secret: res.data.secret });
  }

  async function simple(
    key:
      | 'POST /portal/tenant/current/webhooks/:id/resume'
      | 'POST /portal/tenant/current/webhooks/:id/test'
      | 'DELETE /portal/tenant/current/webhooks/:id',
    e: WebhookEndpointDto,
    notice: string,
  ) {
    setDeleting(undefined);
    const res = await action.run(callRoute(key, { params: { id: e.id } }), notice);
    if (res.ok) await endpoints.refresh();
    if (res.ok && key.startsWith('DELETE') && selected === e.id) setSelected(undefined);
  }

  async function setEnabled(e: WebhookEndpointDto, enabled: boolean) {
    const res = await action.run(
      callRoute('PATCH /portal/tenant/current/webhooks/:id', { params: { id: e.id }, body: { enabled } }),
      enabled ? 'Endpoint enabled.' : 'Endpoint disabled: no new events are queued for it.',
    );
    if (res.ok) await endpoints.refresh();
  }

  const items = endpoints.data?.items ?? [];
  const current = items.find((e) => e.id === selected);
  return (
    <>
      <ApiErrorNotice error={action.error ?? endpoints.error} what="change the webhooks" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      {secret && (
        <section className="card banner-info" aria-label="Signing secret" data-testid="new-secret-panel">
          <h2>Copy the signing secret now</h2>
          <p>
            This is the only time the secret of <strong>{secret.url}</strong> is shown. Your receiver uses it
            to check the <code>Wa-Fleet-Signature</code> header of every request.
          </p>
          <p>
            <code data-testid="new-secret" style={{ wordBreak: 'break-all', userSelect: 'all' }}>
              {secret.secret}
            </code>
          </p>
          <div className="actions">
            <button type="button" onClick={() => setSecret(undefined)}>
              I have stored it
            </button>
          </div>
        </section>
      )}
      <h2>Endpoints</h2>
      {endpoints.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty">No webhook endpoints yet.</p>
      ) : (
        <DataTable
          caption="Webhook endpoints of this tenant"
          testId="webhooks-table"
          cardsOnPhone
          columns={['URL', 'Events', 'Status', 'Created', '']}
        >
          {items.map((e) => (
            <tr key={e.id} data-endpoint-id={e.id}>
              <td data-label="URL" style={{ wordBreak: 'break-all' }}>
                {e.url}
                {e.description && (
                  <>
                    <br />
                    <span className="muted small">{e.description}</span>
                  </>
                )}
              </td>
              <td data-label="Events">{e.eventTypes.join(', ')}</td>
              <td data-label="Status">
                <StatusBadge value={e.status.toUpperCase()} label={`Endpoint ${e.url}`} />
                {e.pausedReason && (
                  <>
                    <br />
                    <span className="small" data-testid="paused-reason">
                      {e.pausedReason}
                    </span>
                  </>
                )}
              </td>
              <td data-label="Created">
                <LocalTime iso={e.createdAt} />
              </td>
              <td>
                <div className="actions">
                  <button type="button" className="secondary" onClick={() => setSelected(e.id)}>
                    Deliveries
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() =>
                      void simple('POST /portal/tenant/current/webhooks/:id/test', e, 'Test event queued.')
                    }
                  >
                    Send test event
                  </button>
                  {e.status === 'paused' && (
                    <button
                      type="button"
                      onClick={() =>
                        void simple(
                          'POST /portal/tenant/current/webhooks/:id/resume',
                          e,
                          'Resumed: what waited is being sent, in order.',
                        )
                      }
                    >
                      Resume
                    </button>
                  )}
                  <button type="button" className="secondary" onClick={() => void setEnabled(e, !e.enabled)}>
                    {e.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" className="secondary" onClick={() => void rotate(e)}>
                    Rotate secret
                  </button>
                  {deleting === e.id ? (
                    <ConfirmPanel
                      question={`Delete the endpoint ${e.url} and its delivery history?`}
                      confirmLabel="Yes, delete"
                      onConfirm={() =>
                        void simple('DELETE /portal/tenant/current/webhooks/:id', e, 'Endpoint deleted.')
                      }
                      onCancel={() => setDeleting(undefined)}
                    />
                  ) : (
                    <button type="button" className="secondary" onClick={() => setDeleting(e.id)}>
                      Delete
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {current && <Deliveries endpoint={current} />}
      <h2>Add an endpoint</h2>
      <form className="stack card" onSubmit={(e) => void create(e)}>
        <Field id="webhook-url" label="URL" hint="https:// address of your receiver.">
          {(control) => <input {...control} name="url" type="url" required maxLength={2000} />}
        </Field>
        <Field id="webhook-description" label="Description" hint="Optional, e.g. “CRM”.">
          {(control) => <input {...control} name="description" maxLength={200} />}
        </Field>
        <fieldset>
          <legend>Events</legend>
          {(Object.keys(EVENTS) as EventType[]).map((type) => (
            <div key={type} className="check-row">
              <input id={`event-${type}`} type="checkbox" name="eventTypes" value={type} />{' '}
              <label htmlFor={`event-${type}`}>
                <code>{type}</code>: {EVENTS[type]}
              </label>
            </div>
          ))}
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={action.isBusy}>
            Add endpoint
          </button>
        </div>
      </form>
    </>
  );
}

/** One endpoint's deliveries, newest first, each with every attempt; replay one, or all failed since. */
function Deliveries({ endpoint }: { endpoint: WebhookEndpointDto }) {
  const list = usePoll(
    'GET /portal/tenant/current/webhooks/:id/deliveries',
    { params: { id: endpoint.id } },
    2_000,
  );
  const action = useApiAction();

  async function replay(d: WebhookDeliveryDto) {
    const res = await action.run(
      callRoute('POST /portal/tenant/current/webhooks/:id/deliveries/:deliveryId/replay', {
        params: { id: endpoint.id, deliveryId: d.id },
      }),
      'Delivery queued again.',
    );
    if (res.ok) await list.refresh();
  }

  async function replayFailed(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const since = formText(new FormData(event.currentTarget), 'since');
    const res = await action.run(
      callRoute('POST /portal/tenant/current/webhooks/:id/replay-failed', {
        params: { id: endpoint.id },
        body: { since: new Date(since).toISOString() },
      }),
      'Failed deliveries queued again.',
    );
    if (res.ok) await list.refresh();
  }

  const items = list.data?.items ?? [];
  return (
    <section aria-label={`Deliveries to ${endpoint.url}`} data-testid="deliveries">
      <h2>Deliveries to {endpoint.url}</h2>
      <ApiErrorNotice error={action.error ?? list.error} what="replay deliveries" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      <form className="actions" onSubmit={(e) => void replayFailed(e)}>
        <Field id="replay-since" label="Replay failed deliveries since">
          {(control) => <input {...control} name="since" type="datetime-local" required />}
        </Field>
        <button type="submit" className="secondary" disabled={action.isBusy}>
          Replay failed
        </button>
      </form>
      {list.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty">No deliveries yet.</p>
      ) : (
        <DataTable
          caption={`Deliveries to ${endpoint.url}`}
          testId="deliveries-table"
          columns={['Event', 'Status', 'Attempts', '']}
        >
          {items.map((d) => (
            <tr key={d.id} data-delivery-id={d.id}>
              <td data-label="Event">
                <code>{d.eventType}</code>
                <br />
                <span className="muted small">{d.eventId}</span>
                <br />
                <span className="muted small">
                  <LocalTime iso={d.createdAt} />
                </span>
              </td>
              <td data-label="Status">
                <StatusBadge value={d.status} label={`Delivery ${d.eventId}`} />
                {d.nextAttemptAt && (
                  <span className="muted small">
                    {' '}
                    next try <LocalTime iso={d.nextAttemptAt} />
                  </span>
                )}
              </td>
              <td data-label="Attempts">
                <ol className="small" data-testid="attempts">
                  {d.attemptLog.map((a, i) => (
                    <li key={i}>
                      <LocalTime iso={a.startedAt} />:{' '}
                      {a.statusCode === null ? 'no answer' : `HTTP ${a.statusCode}`}, {a.latencyMs} ms
                      {a.error ? ` (${a.error})` : ''}
                      {a.responseExcerpt ? (
                        <>
                          {' '}
                          <code>{a.responseExcerpt.slice(0, 200)}</code>
                        </>
                      ) : null}
                    </li>
                  ))}
                </ol>
              </td>
              <td>
                {d.status !== 'PENDING' && (
                  <button type="button" className="secondary" onClick={() => void replay(d)}>
                    Replay
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
