/**
 * Errors are values with a machine-readable code. The GraphQL edge maps `code` to
 * `extensions.code`; anything that is not an AppError is reported as INTERNAL without details.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  // A one-time password was used after it expired: the superuser issues a new one.
  | 'PASSWORD_EXPIRED'
  // Signed in with a one-time password: only changePassword (and signOut) until a password is chosen.
  | 'PASSWORD_CHANGE_REQUIRED'
  // Maintenance mode is on: changes are refused until the superuser ends it.
  | 'MAINTENANCE'
  | 'INTERNAL'
  // Domain codes used below the edge (pipelines, models, language models).
  | 'MODEL_MISSING'
  | 'MODEL_CORRUPT'
  | 'INVALID_IMAGE'
  | 'CANCELLED'
  | 'WORKER_CRASHED'
  | 'LLM_NOT_CONFIGURED'
  | 'LLM_FAILED'
  | 'LLM_TIMEOUT'
  | 'LLM_INVALID_ANSWER';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const notFound = (what: string, id?: string): AppError =>
  new AppError('NOT_FOUND', id === undefined ? `${what} not found` : `${what} ${id} not found`);

export const badInput = (message: string, field?: string): AppError =>
  new AppError('BAD_USER_INPUT', message, field === undefined ? undefined : { field });
