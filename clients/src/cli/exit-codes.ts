/**
 * Exit codes of `lotline`, and the advice printed with each failure.
 *
 * | code | meaning                                                                 |
 * | ---- | ----------------------------------------------------------------------- |
 * | 0    | success (for `verify`: every check passed)                              |
 * | 1    | usage error or invalid input (bad option, 400/413 from the API)          |
 * | 2    | not found (404), or `verify` found a mismatch                            |
 * | 3    | authentication or permission (401, 403, no token)                        |
 * | 4    | unavailable (API or peer unreachable, its TLS certificate not trusted, timeout, 503, other 5xx) |
 * | 5    | refused by the ledger's rules (409: on hold, recalled, duplicate, conflict) |
 */
import { ApiError } from '../api-client';
import { TransactionNotFoundError } from '@lotline/ledger-client';
import { tr } from '../render/language';

export const EXIT = {
  ok: 0,
  usage: 1,
  notFound: 2,
  mismatch: 2,
  auth: 3,
  unavailable: 4,
  conflict: 5,
} as const;

/** A usage problem found by the CLI itself (before calling the API). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the user must set up first (a missing token, for example). */
export class SetupError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'SetupError';
    this.exitCode = exitCode;
  }
}

function exitForStatus(status: number): number {
  if (status === 0 || status >= 500) return EXIT.unavailable;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  return EXIT.usage;
}

/** The exit code for an error. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ApiError) return exitForStatus(err.status);
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof SetupError) return err.exitCode;
  if (err instanceof TransactionNotFoundError) return EXIT.notFound;
  return EXIT.unavailable;
}

/** Codes with advice of their own (the text is `advice.<CODE>` in the `cli` catalogue). */
const ADVISED = new Set([
  'UNAVAILABLE',
  'LOT_NOT_FOUND',
  'TRANSFER_NOT_FOUND',
  'NOT_FOUND',
  'FORBIDDEN',
  'LOT_ON_HOLD',
  'LOT_RECALLED',
  'LOT_EXISTS',
  'INSUFFICIENT_QUANTITY',
  'CONFLICT',
  'INVALID_ARGUMENT',
  'CHAINCODE_UNAVAILABLE',
  'ENDORSERS_UNAVAILABLE',
  'TX_CONFLICT',
  'TLS_CERTIFICATE_UNTRUSTED',
]);

/** One line of advice for an error: what to do next. */
export function adviceFor(err: unknown): string | undefined {
  if (err instanceof ApiError) {
    if (err.status === 401) return tr('advice.unauthorized');
    if (ADVISED.has(err.code)) return tr(`advice.${err.code}`);
    if (err.status === 503 || err.status === 0) return tr('advice.UNAVAILABLE');
    if (err.status >= 500) return tr('advice.serverBug');
    return undefined;
  }
  if (err instanceof TransactionNotFoundError) return tr('advice.transactionNotFound');
  return undefined;
}
