'use client';
import { useState } from 'react';
import { callApi } from '@/lib/api-client.ts';

type Action = 'start' | 'stop' | 'restart';

const CONSEQUENCES: Record<Action, string> = {
  start: 'The worker process starts and opens the WhatsApp session.',
  stop: 'The worker process stops. No messages are received or sent until it is started again.',
  restart: 'The worker process stops and starts again; the session reconnects.',
};

/** Lifecycle buttons: each asks for confirmation, then says what the control plane answered. */
export function WorkerControls({
  slug,
  status,
  onDone,
}: {
  slug: string;
  status: string;
  onDone: () => void;
}) {
  const [pending, setPending] = useState<Action>();
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const [isBusy, setIsBusy] = useState(false);

  async function run(action: Action) {
    setPending(undefined);
    setIsBusy(true);
    const res = await callApi<{ status: string }>(`/api/admin/tenants/${slug}/worker/${action}`, {
      method: 'POST',
    });
    setIsBusy(false);
    setResult(
      res.ok
        ? {
            ok: true,
            text: `${action[0]?.toUpperCase()}${action.slice(1)} accepted: worker is ${res.data.status}.`,
          }
        : { ok: false, text: `${action} failed: ${res.error.message}` },
    );
    onDone();
  }

  const isRunning = status === 'RUNNING' || status === 'STARTING';
  return (
    <div style={{ marginTop: '0.75rem' }}>
      <div className="actions">
        <button type="button" onClick={() => setPending('start')} disabled={isBusy || isRunning}>
          Start
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => setPending('stop')}
          disabled={isBusy || status === 'STOPPED'}
        >
          Stop
        </button>
        <button type="button" className="secondary" onClick={() => setPending('restart')} disabled={isBusy}>
          Restart
        </button>
      </div>
      {pending && (
        <div
          className="confirm"
          role="alertdialog"
          aria-labelledby="confirm-text"
          style={{ marginTop: '0.5rem' }}
        >
          <p id="confirm-text">
            <strong>
              {pending[0]?.toUpperCase()}
              {pending.slice(1)} the worker of {slug}?
            </strong>{' '}
            {CONSEQUENCES[pending]}
          </p>
          <div className="actions">
            <button
              type="button"
              className={pending === 'start' ? undefined : 'danger'}
              onClick={() => void run(pending)}
              autoFocus
            >
              Yes, {pending}
            </button>
            <button type="button" className="secondary" onClick={() => setPending(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {result && (
        <div
          className={`banner ${result.ok ? 'banner-ok' : 'banner-error'}`}
          role="status"
          data-testid="worker-action-result"
          style={{ marginTop: '0.5rem' }}
        >
          {result.text}
        </div>
      )}
    </div>
  );
}
