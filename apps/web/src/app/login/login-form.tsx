'use client';
import { useState } from 'react';
import { callApi, type ApiError } from '@/lib/api-client.ts';
import { formText } from '@/lib/form.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Field } from '@/components/field.tsx';

export function LoginForm({ next }: { next: string | undefined }) {
  const [error, setError] = useState<ApiError>();
  const [isBusy, setIsBusy] = useState(false);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setIsBusy(true);
    setError(undefined);
    const result = await callApi<{ redirectTo: string }>('/api/auth/login', {
      method: 'POST',
      body: { email: formText(form, 'email'), password: formText(form, 'password') },
    });
    if (result.ok) {
      window.location.assign(next ?? result.data.redirectTo);
      return;
    }
    setError(result.error);
    setIsBusy(false);
  }

  return (
    <form
      className="stack"
      onSubmit={(e) => void submit(e)}
      aria-describedby={error ? 'login-error' : undefined}
    >
      <div id="login-error" aria-live="polite">
        {error && (error.status === 401 || error.status === 429 || error.status === 400) ? (
          <div className="banner banner-error" role="alert">
            {error.message}
          </div>
        ) : (
          <ApiErrorNotice error={error} what="sign in" />
        )}
      </div>
      <Field id="email" label="Email">
        {(control) => (
          <input {...control} name="email" type="email" autoComplete="username" required autoFocus />
        )}
      </Field>
      <Field id="password" label="Password">
        {(control) => (
          <input {...control} name="password" type="password" autoComplete="current-password" required />
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={isBusy}>
          {isBusy ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}
