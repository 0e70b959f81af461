/** The one error middleware: every error becomes RFC 9457 problem+json. */
import type { NextFunction, Request, Response } from 'express';
import { LedgerError } from '@lotline/ledger-client';
import { ApiError, toProblem } from '../errors';
import { ledgerError } from '../ledger/errors';

/** Errors of Express's JSON body parser, decided by their documented `type`. */
function fromBodyParser(error: unknown): ApiError | undefined {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large')
    return new ApiError({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      title: 'Payload too large',
      detail: 'the request body is larger than the limit',
      cause: error,
    });
  if (type === 'entity.parse.failed')
    return new ApiError({
      status: 400,
      code: 'INVALID_JSON',
      title: 'Invalid JSON',
      detail: 'the request body is not valid JSON',
      cause: error,
    });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new ApiError({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      title: 'Unsupported media type',
      detail: 'send UTF-8 JSON',
      cause: error,
    });
  if (type === 'request.aborted' || type === 'request.size.invalid')
    return new ApiError({
      status: 400,
      code: 'INVALID_BODY',
      title: 'Invalid body',
      detail: 'the request body was incomplete',
      cause: error,
    });
  return undefined;
}

/** Any thrown value as an ApiError (unknown errors are 500 INTERNAL: a bug). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof LedgerError) return ledgerError(error);
  return (
    fromBodyParser(error) ??
    new ApiError({
      status: 500,
      code: 'INTERNAL',
      title: 'Internal error',
      detail: 'an unexpected error occurred; it has been logged',
      cause: error,
    })
  );
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
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify(toProblem(problem, req.originalUrl)));
}
