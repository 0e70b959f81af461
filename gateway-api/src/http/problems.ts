/**
 * The one problem+json renderer and the one error middleware: every error of
 * every route (the resource routers, EPCIS, body parsers, the router's own
 * path decoding) becomes RFC 9457 problem+json here.
 */
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_LANGUAGE, type Language } from '@lotline/i18n';
import { LedgerError } from '@lotline/ledger-client';
import { EvidenceTooLargeError } from '@lotline/evidence';
import { ApiError, toProblem, type ProblemDocument } from '../errors';
import { ledgerError } from '../ledger/errors';
import { localise, problemLanguage } from './language';
import { redactUrl } from './redact';

/** zlib error codes: a Content-Encoding (gzip, deflate, br) whose bytes do not decode. */
const ZLIB_ERROR = /^(Z_|ERR_BROTLI|ERR__ERROR|ERR_ZLIB)/;

function limitOf(error: unknown): number | undefined {
  const limit = (error as { limit?: unknown }).limit;
  return typeof limit === 'number' ? limit : undefined;
}

/** Errors of Express's body parser, decided by their documented `type`. */
function fromBodyParser(error: unknown): ApiError | undefined {
  const type = (error as { type?: unknown }).type;
  const limit = limitOf(error);
  if (type === 'entity.too.large')
    return new ApiError({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: limit === undefined ? { key: 'detail.payload_too_large_unknown' } : { key: 'detail.payload_too_large', params: { limit } },
      cause: error,
    });
  if (type === 'entity.parse.failed')
    return new ApiError({
      status: 400,
      code: 'INVALID_JSON',
      message: { key: 'detail.invalid_json' },
      cause: error,
    });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ApiError({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: { key: 'detail.body_encoding_unsupported' },
      cause: error,
    });
  if (type === 'request.aborted' || type === 'request.size.invalid')
    return new ApiError({
      status: 400,
      code: 'INVALID_BODY',
      message: { key: 'detail.body_incomplete' },
      cause: error,
    });
  return undefined;
}

/** The client-error status (400-499) that a library set on its error (`status` or `statusCode`, as http-errors does). */
function clientStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 500 ? value : undefined;
}

/** A 4xx that a body parser or the router raised without a documented `type`: malformed paths, corrupt compression. */
function fromClientStatus(error: unknown): ApiError | undefined {
  const status = clientStatusOf(error);
  if (status === undefined) return undefined;
  if (error instanceof URIError)
    return new ApiError({
      status: 400,
      code: 'INVALID_PATH',
      message: { key: 'detail.invalid_path' },
      cause: error,
    });
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && ZLIB_ERROR.test(code))
    return new ApiError({
      status: 400,
      code: 'INVALID_BODY',
      message: { key: 'detail.body_corrupt' },
      cause: error,
    });
  return new ApiError({
    status,
    code: status === 400 ? 'INVALID_REQUEST' : `HTTP_${status}`,
    title: STATUS_CODES[status] ?? 'Client error',
    detail: 'the request was refused before it reached a route: check its path, headers and body',
    cause: error,
  });
}

/** Any thrown value as an ApiError (unknown errors are 500 INTERNAL: a bug). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof LedgerError) return ledgerError(error);
  if (error instanceof EvidenceTooLargeError) {
    return new ApiError({ status: 413, code: error.code, detail: error.message, cause: error });
  }
  return (
    fromBodyParser(error) ??
    fromClientStatus(error) ??
    new ApiError({
      status: 500,
      code: 'INTERNAL',
      message: { key: 'detail.internal' },
      cause: error,
    })
  );
}

/**
 * The problem document of an error for a request URL (credentials in the URL redacted from `instance`),
 * with its title and detail in `language`; the `code` is the same in every language.
 */
export function renderProblem(error: ApiError, url: string | undefined, language: Language = DEFAULT_LANGUAGE): ProblemDocument {
  return toProblem(error, url === undefined ? undefined : redactUrl(url), localise(error, language));
}

/** Render errors as problem+json; 5xx causes go to the request log (pino-http logs `res.err`). */
export function problemHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const problem = asApiError(error);
  if (problem.status >= 500) res.err = problem.cause instanceof Error ? problem.cause : problem;
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(problem.headers)) res.set(name, value);
  if (problem.retryAfterSeconds !== undefined) res.set('Retry-After', String(problem.retryAfterSeconds));
  const language = problemLanguage(req);
  res.vary('Accept-Language').set('Content-Language', language);
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(renderProblem(problem, req.originalUrl, language)));
}
