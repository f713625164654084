// One error type for everything the API reports on purpose. The code is a closed set so clients can
// branch on it; the status comes from the code, never from the thrower's guess.

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_TENANT: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  TENANT_DISABLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ENGINE_MISMATCH: 409,
  /** A CSV export that would pass MESSAGE_EXPORT_MAX_ROWS: nothing is sent. */
  EXPORT_TOO_LARGE: 413,
  /** A file sent with a message over SEND_MEDIA_MAX_BYTES, or past the tenant's media quota. */
  MEDIA_TOO_LARGE: 413,
  /** A file sent with a message whose bytes are not an allowed type (OUTBOUND_MEDIA_TYPES). */
  MEDIA_TYPE_NOT_ALLOWED: 415,
  RATE_LIMITED: 429,
  LOG_UNAVAILABLE: 404,
  WORKER_START_FAILED: 502,
  DEPENDENCY_DOWN: 503,
  BUSY: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** Sent as Retry-After (seconds) with 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, opts: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new AppError('CONFLICT', message);
