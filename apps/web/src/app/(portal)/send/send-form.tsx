'use client';
import { useState } from 'react';
// The subpath: the package's index also holds server-only code (node:fs), which a browser bundle cannot take.
import { OUTBOUND_MEDIA_TYPES } from '@wa-fleet/shared/message-types';
import { callRoute, type ApiResult } from '@/lib/api-client.ts';
import type { PortalResponse } from '@/lib/portal-api.ts';
import { formText } from '@/lib/form.ts';
import { useApiAction } from '@/lib/use-api-action.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Field } from '@/components/field.tsx';
import { SuccessNotice } from '@/components/notices.tsx';

/** The file's bytes as base64 (what the send route takes), read by the browser. */
function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      // readAsDataURL gives a string: `data:<type>;base64,<data>`.
      const url = typeof reader.result === 'string' ? reader.result : '';
      resolve(url.replace(/^data:[^,]*,/, ''));
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

type QueuedMessage = PortalResponse<'POST /portal/tenant/current/messages'>;

const ACCEPT = Object.keys(OUTBOUND_MEDIA_TYPES).join(',');

export function SendForm() {
  // One key per message being composed: a double click or a retry after a timeout never sends twice.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [hasFile, setHasFile] = useState(false);
  const action = useApiAction();

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const file = form.get('file');
    const text = formText(form, 'text');
    const res = await action.run(
      (async (): Promise<ApiResult<QueuedMessage>> => {
        let media: { data: string; fileName: string; mimeType?: string } | undefined;
        if (file instanceof File && file.size > 0) {
          try {
            media = {
              data: await readAsBase64(file),
              fileName: file.name,
              ...(file.type ? { mimeType: file.type } : {}),
            };
          } catch {
            return {
              ok: false,
              error: { status: 0, code: 'FILE_UNREADABLE', message: 'The file could not be read.' },
            };
          }
        }
        return callRoute('POST /portal/tenant/current/messages', {
          // People type numbers with spaces, dashes and brackets; the API wants digits only.
          body: {
            to: formText(form, 'to').replace(/[\s()-]/g, ''),
            ...(text ? { text } : {}),
            ...(media ? { media } : {}),
            idempotencyKey,
          },
        });
      })(),
      (sent) => `Message accepted (${sent.status}). Follow its delivery on the Messages page.`,
    );
    if (!res.ok) return;
    formEl.reset();
    setHasFile(false);
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
      <Field id="send-text" label={hasFile ? 'Caption (optional)' : 'Message'}>
        {(control) => <textarea {...control} name="text" required={!hasFile} maxLength={4096} />}
      </Field>
      <Field
        id="send-file"
        label="File (optional)"
        hint="An image (JPEG, PNG, WebP), a PDF or audio (Ogg/Opus, MP3, M4A, AAC, AMR). Its type is checked from its contents."
      >
        {(control) => (
          <input
            {...control}
            type="file"
            name="file"
            accept={ACCEPT}
            onChange={(e) => setHasFile((e.currentTarget.files?.length ?? 0) > 0)}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={action.isBusy}>
          {action.isBusy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
