'use client';
import { useEffect, useState } from 'react';
import type { QrDto } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { useApiAction } from '@/lib/use-api-action.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Field } from '@/components/field.tsx';

type Pairing = NonNullable<QrDto['pairing']>;

/** "ABCD-EFGH", as the phone shows the boxes to type it in. */
function groupCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/** A clock that ticks every second while `isOn`, for the code's countdown. */
function useNow(isOn: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isOn) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [isOn]);
  return now;
}

function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Linking by phone number: a tenant admin asks for a code for the number, then types it on that phone
 * (WhatsApp > Linked devices > Link a device > Link with phone number instead). The code arrives
 * through the same poll as the QR and is replaced before it expires.
 */
export function PairingPanel({ pairing, onRequested }: { pairing: Pairing | null; onRequested: () => void }) {
  const action = useApiAction();
  const expiresAt = pairing?.expiresAt ? Date.parse(pairing.expiresAt) : null;
  const now = useNow(expiresAt !== null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const res = await action.run(
      callRoute('POST /portal/tenant/current/pairing-code', {
        body: { phoneNumber: formText(new FormData(event.currentTarget), 'phoneNumber') },
      }),
    );
    if (res.ok) onRequested();
  }

  return (
    <div className="stack" data-testid="pairing">
      <h3>Or link with a phone number</h3>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <ApiErrorNotice error={action.error} what="ask for a pairing code" />
        <Field
          id="pairing-phone"
          label="Phone number of the WhatsApp account"
          hint="International format, e.g. +15551234567"
        >
          {(control) => (
            <input
              {...control}
              name="phoneNumber"
              type="tel"
              inputMode="tel"
              required
              pattern="\+?[0-9]{8,15}"
              autoComplete="tel"
              defaultValue={pairing?.phoneNumber ?? ''}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" className="secondary" disabled={action.isBusy}>
            Get a pairing code
          </button>
        </div>
      </form>
      {pairing && <PairingState pairing={pairing} now={now} />}
    </div>
  );
}

function PairingState({ pairing, now }: { pairing: Pairing; now: number }) {
  if (pairing.error) {
    return (
      <div className="banner banner-error" role="alert" data-testid="pairing-error">
        No pairing code for {pairing.phoneNumber}: {pairing.error}
      </div>
    );
  }
  if (!pairing.code || !pairing.expiresAt) {
    return (
      <p className="muted" role="status">
        Asking WhatsApp for a code for {pairing.phoneNumber}…
      </p>
    );
  }
  const left = Date.parse(pairing.expiresAt) - now;
  return (
    <div className="qr-box" role="status">
      <p>
        On the phone with <strong>{pairing.phoneNumber}</strong>, open WhatsApp, go to{' '}
        <strong>Linked devices</strong>, <strong>Link a device</strong>,{' '}
        <strong>Link with phone number instead</strong> and type:
      </p>
      <p className="pairing-code" data-testid="pairing-code" aria-label="Pairing code">
        {groupCode(pairing.code)}
      </p>
      <p className="hint" data-testid="pairing-expiry">
        {left > 0 ? `Expires in ${formatCountdown(left)}` : 'Expired'} (
        <LocalTime iso={pairing.expiresAt} />
        ); a new code appears here by itself until the phone is linked.
      </p>
    </div>
  );
}
