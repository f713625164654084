'use client';
import type { WorkerStatus } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { useWorkerActions, type WorkerAction } from '@/lib/worker-action.ts';
import { ConfirmPanel } from '@/components/confirm.tsx';
import { OutcomeBanner } from '@/components/notices.tsx';

const CONSEQUENCES: Record<WorkerAction, string> = {
  start: 'The worker process starts and opens the WhatsApp session.',
  stop: 'The worker process stops. No messages are received or sent until it is started again.',
  restart: 'The worker process stops and starts again; the session reconnects.',
};

const LABELS: Record<WorkerAction, string> = { start: 'Start', stop: 'Stop', restart: 'Restart' };

/** Lifecycle buttons: each asks for confirmation, then says what the control plane answered. */
export function WorkerControls({
  slug,
  status,
  onDone,
}: {
  slug: string;
  status: WorkerStatus;
  onDone: () => void;
}) {
  const { pending, ask, cancel, confirm, isBusy, outcome } = useWorkerActions(
    (action) => callRoute(`POST /admin/tenants/:tenant/worker/${action}`, { params: { tenant: slug } }),
    onDone,
  );
  const isRunning = status === 'RUNNING' || status === 'STARTING';
  return (
    <div style={{ marginTop: '0.75rem' }}>
      <div className="actions">
        <button type="button" onClick={() => ask('start')} disabled={isBusy || isRunning}>
          Start
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => ask('stop')}
          disabled={isBusy || status === 'STOPPED'}
        >
          Stop
        </button>
        <button type="button" className="secondary" onClick={() => ask('restart')} disabled={isBusy}>
          Restart
        </button>
      </div>
      {pending && (
        <ConfirmPanel
          question={
            <>
              <strong>
                {LABELS[pending]} the worker of {slug}?
              </strong>{' '}
              {CONSEQUENCES[pending]}
            </>
          }
          confirmLabel={`Yes, ${pending}`}
          isDanger={pending !== 'start'}
          onConfirm={() => void confirm()}
          onCancel={cancel}
        />
      )}
      <OutcomeBanner outcome={outcome} testId="worker-action-result" />
    </div>
  );
}
