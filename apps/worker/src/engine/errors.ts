/**
 * Engine errors are typed so the send queue can tell a transient failure (retry with backoff) from one
 * that will never succeed (fail the message now). Anything untyped counts as retryable: a network hiccup
 * should not lose a message, and the attempt limit bounds the cost of being wrong.
 */
export class EngineError extends Error {
  readonly isRetryable: boolean;
  constructor(message: string, isRetryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.isRetryable = isRetryable;
  }
}

/** The session is not linked (yet): the send can succeed later. */
export class EngineNotReadyError extends EngineError {
  constructor(message = 'WhatsApp session is not connected') {
    super(message, true);
  }
}

/** The recipient or content can never be delivered (bad number, rejected text). */
export class PermanentSendError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, false, options);
  }
}

export function isRetryableEngineError(err: unknown): boolean {
  return err instanceof EngineError ? err.isRetryable : true;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
