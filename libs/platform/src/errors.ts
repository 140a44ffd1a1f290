/**
 * The error taxonomy. Domain code throws these; each edge maps them once:
 * libs/bus to ack / nak(backoff) / term + dead letter, admin and channel HTTP to RFC 9457 problems.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Whether trying the same thing again later may succeed. */
  abstract readonly retryable: boolean;
  /** HTTP status at an HTTP edge. */
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation';
  readonly retryable = false;
  readonly status = 400;
}

export class NotFoundError extends DomainError {
  readonly code = 'not-found';
  readonly retryable = false;
  readonly status = 404;
}

/** No credentials, or ones that are not valid. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  readonly retryable = false;
  readonly status = 401;
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  readonly retryable = false;
  readonly status = 403;
}

/** An optimistic-concurrency or uniqueness conflict; the caller may re-read and decide again. */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
  readonly retryable = true;
  readonly status = 409;
}

/** An `If-Match` that names a revision other than the current one: someone changed it since it was read. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition-failed';
  readonly retryable = false;
  readonly status = 412;
}

/** A change of a resource that must name the revision it read (`If-Match`) and did not. */
export class PreconditionRequiredError extends DomainError {
  readonly code = 'precondition-required';
  readonly retryable = false;
  readonly status = 428;
}

/** Something outside failed for now (a server down, a lock held, a predecessor not yet recorded). */
export class TransientError extends DomainError {
  readonly code = 'transient';
  readonly retryable = true;
  readonly status = 503;
}

/** Too much at once (open streams, requests): refused for now; try again after `retryAfterSeconds`. */
export class TooManyRequestsError extends DomainError {
  readonly code = 'too-many-requests';
  readonly retryable = true;
  readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export function isRetryable(error: unknown): boolean {
  // Unknown errors (a dropped connection, a driver error) are presumed transient: retry with backoff,
  // and max_deliver dead-letters the message if it keeps failing.
  return error instanceof DomainError ? error.retryable : true;
}
