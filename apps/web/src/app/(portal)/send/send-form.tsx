'use client';
import { useState } from 'react';
import { callRoute } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { useApiAction } from '@/lib/use-api-action.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Field } from '@/components/field.tsx';
import { SuccessNotice } from '@/components/notices.tsx';

export function SendForm() {
  // One key per message being composed: a double click or a retry after a timeout never sends twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const action = useApiAction();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const res = await action.run(
      callRoute('POST /portal/tenant/current/messages', {
        // People type numbers with spaces, dashes and brackets; the API wants digits only.
        body: {
          to: formText(form, 'to').replace(/[\s()-]/g, ''),
          text: formText(form, 'text'),
          idempotencyKey,
        },
      }),
      (sent) => `Message accepted (${sent.status}). Follow its delivery on the Messages page.`,
    );
    if (!res.ok) return;
    formEl.reset();
    setIdempotencyKey(crypto.randomUUID());
  }

  return (
    <form className="stack card" onSubmit={(e) => void submit(e)} data-testid="send-form">
      <ApiErrorNotice error={action.error} what="send the message" />
      <SuccessNotice>{action.notice}</SuccessNotice>
      <Field
        id="send-to"
        label="To (phone number with country code)"
        hint="Digits only, country code first, no leading zeros."
      >
        {(control) => (
          <input
            {...control}
            name="to"
            inputMode="tel"
            autoComplete="off"
            required
            placeholder="491701234567"
          />
        )}
      </Field>
      <Field id="send-text" label="Message">
        {(control) => <textarea {...control} name="text" required maxLength={4096} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={action.isBusy}>
          {action.isBusy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
