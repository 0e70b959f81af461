/**
 * The API's one domain error. Every failure that reaches a client is an
 * {@link ApiError} rendered as RFC 9457 problem+json by the error middleware.
 * Decide on `code` or `instanceof`, never on the message text.
 *
 * Titles and details are translatable: a title is the code's entry in the
 * `problems` catalogue of @lotline/i18n (`title.<CODE>`), and a detail with
 * dynamic parts is a catalogue key with parameters ({@link ProblemMessage}).
 * The English text is taken from the catalogue when not given; the problem
 * renderer picks the client's language (gateway-api/src/http/problems.ts).
 */
import { STATUS_CODES } from 'node:http';
import { hasMessage, translator } from '@lotline/i18n';

/** A detail to translate: a key of the `problems` catalogue and its parameters (lot ids, limits, ...). */
export interface ProblemMessage {
  readonly key: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** The read-only properties an ApiError is built from. */
export interface ApiErrorProperties {
  /** HTTP status. */
  readonly status: number;
  /** A stable code: a chaincode code (`LOT_NOT_FOUND`) or an API one (`TOKEN_EXPIRED`). */
  readonly code: string;
  /** Short human summary of the problem type (default: the code's title in the English catalogue). */
  readonly title?: string;
  /** Human explanation of this occurrence, in English (default: `message` in the English catalogue). */
  readonly detail?: string;
  /** The detail as a catalogue key with parameters, so that it can be translated. */
  readonly message?: ProblemMessage;
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
  /** The catalogue key of the title, when the title is the code's standard one (translatable). */
  readonly titleKey: string | undefined;
  /** The translatable form of the detail, when it has one. */
  readonly detailMessage: ProblemMessage | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(properties: ApiErrorProperties) {
    const english = translator('en', 'problems');
    const titleKey = `title.${properties.code}`;
    const standardTitle = hasMessage('en', 'problems', titleKey) ? english(titleKey) : undefined;
    const title = properties.title ?? standardTitle ?? STATUS_CODES[properties.status] ?? 'Error';
    const detail =
      properties.detail ?? (properties.message !== undefined ? english(properties.message.key, { ...properties.message.params }) : title);
    super(detail, { cause: properties.cause });
    this.name = 'ApiError';
    this.status = properties.status;
    this.code = properties.code;
    this.title = title;
    this.titleKey = title === standardTitle ? titleKey : undefined;
    this.detailMessage = properties.message;
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

/** The problem document of an error (in English, or with the given translated title and detail). */
export function toProblem(error: ApiError, instance?: string, text?: { title: string; detail: string }): ProblemDocument {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: text?.title ?? error.title,
    status: error.status,
    detail: text?.detail ?? error.message,
    code: error.code,
    ...(instance !== undefined ? { instance } : {}),
  };
}

/** What a detail is given as: English text (not translated), or a catalogue message. */
export type Detail = string | ProblemMessage;

function detailOf(detail: Detail): { detail: string } | { message: ProblemMessage } {
  return typeof detail === 'string' ? { detail } : { message: detail };
}

/** 400: the request does not satisfy the schema; `issues` lists every problem. */
export function invalidRequest(detail: Detail, issues: readonly { path: string; message: string }[] = []): ApiError {
  return new ApiError({
    status: 400,
    code: 'INVALID_ARGUMENT',
    ...detailOf(detail),
    ...(issues.length > 0 ? { extensions: { errors: issues } } : {}),
  });
}

/** 403: the caller's organisation or role may not do this. */
export function forbidden(detail: Detail): ApiError {
  return new ApiError({ status: 403, code: 'FORBIDDEN', ...detailOf(detail) });
}

/** 404 for an unknown route or record. */
export function notFound(code: string, detail: Detail): ApiError {
  return new ApiError({ status: 404, code, title: 'Not found', ...detailOf(detail) });
}
