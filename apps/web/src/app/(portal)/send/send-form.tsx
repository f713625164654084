'use client';
import { formText } from '@/lib/form.ts';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';

export function SendForm() {
  // One key per message being composed: a double click or a retry after a timeout never sends twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<ApiError>();
  const [queued, setQueued] = useState<string>();
  const [isBusy, setIsBusy] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    setIsBusy(true);
    setError(undefined);
    setQueued(undefined);
    const res = await callApi<{ id: string; status: string }>('/api/tenant/messages', {
      method: 'POST',
      body: { to: formText(form, 'to'), text: formText(form, 'text'), idempotencyKey },
    });
    setIsBusy(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setQueued(`Message accepted (${res.data.status}). Follow its delivery on the Messages page.`);
    formEl.reset();
    setIdempotencyKey(crypto.randomUUID());
  }

  return (
    <form className="stack card" onSubmit={(e) => void submit(e)} data-testid="send-form">
      <ApiErrorNotice error={error} what="send the message" />
      {queued && (
        <div className="banner banner-ok" role="status">
          {queued}
        </div>
      )}
      <div className="field">
        <label htmlFor="send-to">To (phone number with country code)</label>
        <input
          id="send-to"
          name="to"
          inputMode="tel"
          autoComplete="off"
          required
          placeholder="491701234567"
          aria-describedby="send-to-hint"
        />
        <span id="send-to-hint" className="hint">
          Digits only, country code first, no leading zeros.
        </span>
      </div>
      <div className="field">
        <label htmlFor="send-text">Message</label>
        <textarea id="send-text" name="text" required maxLength={4096} />
      </div>
      <div className="actions">
        <button type="submit" disabled={isBusy}>
          {isBusy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
