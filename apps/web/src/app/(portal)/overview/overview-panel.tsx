'use client';
import { formatAge } from '@/lib/format.ts';
import { LocalTime } from '@/components/local-time.tsx';
import type { QrDto, SessionState } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { usePoll } from '@/lib/use-poll.ts';
import { useWorkerActions } from '@/lib/worker-action.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { ConfirmPanel } from '@/components/confirm.tsx';
import { Loading, OutcomeBanner } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';
import { PairingPanel } from './pairing-panel.tsx';

const REFRESH_MS = 2_000;

export function OverviewPanel({ canRestart, canLink }: { canRestart: boolean; canLink: boolean }) {
  const current = usePoll('GET /portal/tenant/current', {}, REFRESH_MS);
  const state = current.data?.session?.state;
  // The QR rotates while it waits for a scan; stop asking for it once the number is linked. Only a
  // TENANT_ADMIN may see it (scanning it links a phone to the number), so others never ask.
  const qr = usePoll(
    'GET /portal/tenant/current/qr',
    canLink && state && state !== 'CONNECTED' ? {} : null,
    REFRESH_MS,
  );

  if (current.isLoading && !current.data) return <Loading text="Loading status…" />;
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
                <StatusBadge value={data.worker.status} label="Worker status" />
              </dd>
              <dt>Last heartbeat</dt>
              <dd data-testid="heartbeat-age">{formatAge(data.worker.heartbeatAgeMs)}</dd>
              <dt>Started</dt>
              <dd data-testid="worker-started">
                {data.worker.startedAt ? <LocalTime iso={data.worker.startedAt} /> : '—'}
              </dd>
              {data.worker.lastError && (
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
                <StatusBadge value={state} label="Session state" />
              </dd>
              {data.session.lastSeenAt && (
                <>
                  <dt>Last seen</dt>
                  <dd>
                    <LocalTime iso={data.session.lastSeenAt} />
                  </dd>
                </>
              )}
            </dl>
            <SessionBody
              state={state}
              phoneNumber={data.session.phoneNumber}
              qr={qr.data}
              canLink={canLink}
              onPairingRequested={() => void qr.refresh()}
            />
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
  canLink,
  onPairingRequested,
}: {
  state: SessionState | undefined;
  phoneNumber: string | null;
  qr: QrDto | undefined;
  canLink: boolean;
  onPairingRequested: () => void;
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
  if (!canLink) {
    return (
      <p className="muted" role="status" data-testid="qr-ask-admin">
        The number is not linked. Ask a tenant admin to link it: only they can see the QR code.
      </p>
    );
  }
  return (
    <>
      <QrBody state={state} qr={qr} />
      <PairingPanel pairing={qr?.pairing ?? null} onRequested={onPairingRequested} />
    </>
  );
}

function QrBody({ state, qr }: { state: SessionState | undefined; qr: QrDto | undefined }) {
  if (qr?.qr) {
    return (
      <div className="qr-box" data-testid="qr">
        <p>
          Open WhatsApp on your phone, go to <strong>Linked devices</strong> and scan this code.
        </p>
        <img src={qr.qr} alt="QR code to link your WhatsApp number" width={320} height={320} />
        <p className="hint">
          The code refreshes by itself
          {qr.updatedAt ? (
            <>
              {' '}
              (last <LocalTime iso={qr.updatedAt} />)
            </>
          ) : (
            ''
          )}
          .
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

/** A tenant admin's one lifecycle control: the same confirmation and answer as the admin pages give. */
function RestartButton({ onDone }: { onDone: () => void }) {
  const { pending, ask, cancel, confirm, isBusy, outcome } = useWorkerActions(
    () => callRoute('POST /portal/tenant/current/worker/restart', {}),
    onDone,
  );
  return (
    <div style={{ marginTop: '0.75rem' }}>
      <button type="button" className="secondary" onClick={() => ask('restart')} disabled={isBusy}>
        Restart worker
      </button>
      {pending && (
        <ConfirmPanel
          question={
            <>
              <strong>Restart the worker?</strong> The WhatsApp session reconnects; messages are not lost.
            </>
          }
          confirmLabel="Yes, restart"
          onConfirm={() => void confirm()}
          onCancel={cancel}
        />
      )}
      <OutcomeBanner outcome={outcome} testId="restart-result" />
    </div>
  );
}
