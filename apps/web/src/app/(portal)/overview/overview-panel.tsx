'use client';
import { useState } from 'react';
import { callApi } from '@/lib/api-client.ts';
import { formatAge, formatDateTime } from '@/lib/format.ts';
import { heartbeatAgeOf, type CurrentTenant, type QrAnswer } from '@/lib/types.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';

const REFRESH_MS = 2_000;

export function OverviewPanel({ canRestart }: { canRestart: boolean }) {
  const current = usePoll<CurrentTenant>('/api/tenant/current', REFRESH_MS);
  const state = current.data?.session?.state;
  // The QR rotates while it waits for a scan; stop asking for it once the number is linked.
  const qr = usePoll<QrAnswer>(state && state !== 'CONNECTED' ? '/api/tenant/qr' : null, REFRESH_MS);

  if (current.isLoading && !current.data) return <p aria-busy="true">Loading status…</p>;
  const data = current.data;
  return (
    <>
      <ApiErrorNotice error={current.error} what="load the status" />
      {data && (
        <div className="grid">
          <section className="card" aria-labelledby="worker-heading">
            <h2 id="worker-heading">Worker</h2>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="worker-status">
                <StatusBadge value={data.worker?.status ?? 'STOPPED'} label="Worker status" />
              </dd>
              <dt>Last heartbeat</dt>
              <dd data-testid="heartbeat-age">{formatAge(heartbeatAgeOf(data.worker))}</dd>
              {data.worker?.lastError && (
                <>
                  <dt>Last error</dt>
                  <dd>{data.worker.lastError}</dd>
                </>
              )}
            </dl>
            {canRestart && <RestartButton onDone={() => void current.refresh()} />}
          </section>
          <section className="card" aria-labelledby="session-heading">
            <h2 id="session-heading">WhatsApp session</h2>
            <dl className="facts">
              <dt>State</dt>
              <dd data-testid="session-state">
                <StatusBadge value={state ?? 'DISCONNECTED'} label="Session state" />
              </dd>
              {data.session?.lastSeenAt && (
                <>
                  <dt>Last seen</dt>
                  <dd>{formatDateTime(data.session.lastSeenAt)}</dd>
                </>
              )}
            </dl>
            <SessionBody state={state} phoneNumber={data.session?.phoneNumber} qr={qr.data} />
          </section>
        </div>
      )}
    </>
  );
}

function SessionBody({
  state,
  phoneNumber,
  qr,
}: {
  state: string | undefined;
  phoneNumber: string | null | undefined;
  qr: QrAnswer | undefined;
}) {
  if (state === 'CONNECTED') {
    return (
      <div className="banner banner-ok" role="status">
        Linked to{' '}
        <span className="linked-number" data-testid="linked-number">
          {phoneNumber ? `+${phoneNumber.replace(/^\+/, '')}` : 'your number'}
        </span>
      </div>
    );
  }
  if (qr?.qr) {
    return (
      <div className="qr-box" data-testid="qr">
        <p>
          Open WhatsApp on your phone, go to <strong>Linked devices</strong> and scan this code.
        </p>
        <img src={qr.qr} alt="QR code to link your WhatsApp number" width={320} height={320} />
        <p className="hint">
          The code refreshes by itself{qr.updatedAt ? ` (last ${formatDateTime(qr.updatedAt)})` : ''}.
        </p>
      </div>
    );
  }
  return (
    <p className="muted" role="status">
      {state === 'LOGGED_OUT' || state === 'AUTH_FAILURE'
        ? 'The number was unlinked. A new QR code appears here when the worker starts a new session.'
        : 'Waiting for the worker to show a QR code. It appears here once the worker is running.'}
    </p>
  );
}

function RestartButton({ onDone }: { onDone: () => void }) {
  const [isConfirming, setIsConfirming] = useState(false);
  const [result, setResult] = useState<string>();
  async function restart() {
    setIsConfirming(false);
    const res = await callApi<{ status?: string }>('/api/tenant/worker/restart', { method: 'POST' });
    setResult(
      res.ok ? `Restart requested${res.data.status ? `: ${res.data.status}` : ''}.` : res.error.message,
    );
    onDone();
  }
  return (
    <div className="actions" style={{ marginTop: '0.75rem' }}>
      {isConfirming ? (
        <div className="confirm" role="group" aria-label="Confirm restart">
          <p>Restart the worker? The WhatsApp session reconnects; messages are not lost.</p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => void restart()}>
              Yes, restart
            </button>
            <button type="button" className="secondary" onClick={() => setIsConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="secondary" onClick={() => setIsConfirming(true)}>
          Restart worker
        </button>
      )}
      {result && <span role="status">{result}</span>}
    </div>
  );
}
