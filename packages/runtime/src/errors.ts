/**
 * Expected failures are values with a stable code (clients and the HTTP layer
 * switch on it), a message for people, and whether retrying can help (ingest
 * uses that to choose retry vs dead-letter). Broken invariants throw plain Errors.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, retryable: false },
  UNAUTHENTICATED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  REFERENCE_NOT_FOUND: { status: 422, retryable: false },
  IN_USE: { status: 409, retryable: false },
  ILLEGAL_TRANSITION: { status: 409, retryable: false },
  /** A return of a part that was never issued on (nor consumed by) that work order. */
  PART_NOT_ISSUED: { status: 422, retryable: false },
  /** An invoice of a period that has not closed yet (its end + the grace for late data). */
  PERIOD_NOT_CLOSED: { status: 409, retryable: false },
  /** Dispatch (issue 18): the technician holds no valid certification for the asset's model. */
  TECHNICIAN_NOT_CERTIFIED: { status: 422, retryable: false },
  /** Dispatch: the technician is absent during the window. */
  TECHNICIAN_ABSENT: { status: 422, retryable: false },
  /** Dispatch: the window lies outside the technician's working calendar. */
  TECHNICIAN_OFF_CALENDAR: { status: 422, retryable: false },
  /** Dispatch: the window overlaps another job of the technician, or the technician is inactive. */
  TECHNICIAN_UNAVAILABLE: { status: 422, retryable: false },
  /** Service products: a quote already decided, a quote past its validity, a renewal of something that is not an accepted agreement. */
  QUOTE_NOT_OPEN: { status: 409, retryable: false },
  QUOTE_EXPIRED: { status: 409, retryable: false },
  NOT_AN_AGREEMENT: { status: 409, retryable: false },
  /** An asset outside a service product's eligibility limits (age, hours, health); the detail says which. */
  NOT_ELIGIBLE: { status: 422, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  /** Too many failed sign-ins: the account is locked for a while. */
  ACCOUNT_LOCKED: { status: 429, retryable: true },
  /** A write with a session cookie but without the session's CSRF token. */
  CSRF_REFUSED: { status: 403, retryable: false },
  UNAVAILABLE: { status: 503, retryable: true },
  INTERNAL: { status: 500, retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.retryable = ERROR_CODES[code].retryable;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export const notFound = (kind: string, id: string) => new AppError('NOT_FOUND', `${kind} ${id} not found`, { kind, id });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
