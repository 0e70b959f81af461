/**
 * The API's one domain error. Every failure that reaches a client is an
 * {@link ApiError} rendered as RFC 9457 problem+json by the error middleware.
 * Decide on `code` or `instanceof`, never on the message text.
 */

/** The read-only properties an ApiError is built from. */
export interface ApiErrorProperties {
  /** HTTP status. */
  readonly status: number;
  /** A stable code: a chaincode code (`LOT_NOT_FOUND`) or an API one (`TOKEN_EXPIRED`). */
  readonly code: string;
  /** Short human summary of the problem type. */
  readonly title: string;
  /** Human explanation of this occurrence. */
  readonly detail: string;
  /** Seconds for `Retry-After` (503, retryable 409). */
  readonly retryAfterSeconds?: number;
  /** Extension members added to the problem document (e.g. `errors` for schema issues). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The underlying error, for logs only. */
  readonly cause?: unknown;
}

/** A failure with an HTTP status and a stable code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(properties: ApiErrorProperties) {
    super(properties.detail, { cause: properties.cause });
    this.name = 'ApiError';
    this.status = properties.status;
    this.code = properties.code;
    this.title = properties.title;
    this.retryAfterSeconds = properties.retryAfterSeconds;
    this.extensions = properties.extensions ?? {};
    this.headers = properties.headers ?? {};
  }
}

/** Base URI of problem types: `type` is this plus the code in kebab case. */
export const PROBLEM_TYPE_BASE = 'https://lotline.example/problems/';

/** An RFC 9457 problem document with Lotline's `code` member. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extension: string]: unknown;
}

/** The problem type URI of a code. */
export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;
}

/** The problem document of an error. */
export function toProblem(error: ApiError, instance?: string): ProblemDocument {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance !== undefined ? { instance } : {}),
  };
}

/** 400: the request does not satisfy the schema; `issues` lists every problem. */
export function invalidRequest(detail: string, issues: readonly { path: string; message: string }[] = []): ApiError {
  return new ApiError({
    status: 400,
    code: 'INVALID_ARGUMENT',
    title: 'Invalid request',
    detail,
    ...(issues.length > 0 ? { extensions: { errors: issues } } : {}),
  });
}

/** 403: the caller's organisation or role may not do this. */
export function forbidden(detail: string): ApiError {
  return new ApiError({ status: 403, code: 'FORBIDDEN', title: 'Forbidden', detail });
}

/** 404 for an unknown route or record. */
export function notFound(code: string, detail: string): ApiError {
  return new ApiError({ status: 404, code, title: 'Not found', detail });
}
