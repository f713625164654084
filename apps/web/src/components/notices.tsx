import type { ReactNode } from 'react';
import type { ActionOutcome } from '@/lib/worker-action.ts';

/** While the first answer is awaited; announced politely to screen readers. */
export function Loading({ text = 'Loading…' }: { text?: string }) {
  return (
    <p aria-busy="true" role="status">
      {text}
    </p>
  );
}

/** What an action achieved; nothing when there is nothing to say. */
export function SuccessNotice({ children }: { children: ReactNode }) {
  if (children === undefined || children === null || children === false || children === '') return null;
  return (
    <div className="banner banner-ok" role="status">
      {children}
    </div>
  );
}

/** The answer to a button press; the words say whether it worked, the colour only repeats it. */
export function OutcomeBanner({ outcome, testId }: { outcome: ActionOutcome | undefined; testId?: string }) {
  if (!outcome) return null;
  return (
    <div
      className={`banner ${outcome.ok ? 'banner-ok' : 'banner-error'}`}
      role={outcome.ok ? 'status' : 'alert'}
      data-testid={testId}
      style={{ marginTop: '0.5rem' }}
    >
      {outcome.text}
    </div>
  );
}
