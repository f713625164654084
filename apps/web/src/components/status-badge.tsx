const TONES: Record<string, string> = {
  RUNNING: 'ok',
  CONNECTED: 'ok',
  ACTIVE: 'ok',
  DELIVERED: 'ok',
  READ: 'ok',
  SENT: 'ok',
  RECEIVED: 'ok',
  DONE: 'ok',
  STARTING: 'warn',
  STOPPING: 'warn',
  QR: 'warn',
  QUEUED: 'warn',
  OPEN: 'warn',
  IN_PROGRESS: 'warn',
  ERROR: 'bad',
  FAILED: 'bad',
  AUTH_FAILURE: 'bad',
  LOGGED_OUT: 'bad',
  REJECTED: 'bad',
  DISABLED: 'bad',
  REVOKED: 'bad',
  EXPIRED: 'bad',
};

/** A status as a coloured pill; the word itself is always shown, so colour is never the only cue. */
export function StatusBadge({ value, label }: { value: string | null | undefined; label?: string }) {
  const text = value ?? 'UNKNOWN';
  const tone = TONES[text] ?? 'idle';
  return (
    <span
      className={`badge badge-${tone}`}
      data-status={text}
      aria-label={label ? `${label}: ${text}` : undefined}
    >
      {text}
    </span>
  );
}
