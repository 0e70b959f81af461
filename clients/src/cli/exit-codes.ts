/**
 * Exit codes of `lotline`, and the advice printed with each failure.
 *
 * | code | meaning                                                                 |
 * | ---- | ----------------------------------------------------------------------- |
 * | 0    | success (for `verify`: every check passed)                              |
 * | 1    | usage error or invalid input (bad option, 400/413 from the API)          |
 * | 2    | not found (404), or `verify` found a mismatch                            |
 * | 3    | authentication or permission (401, 403, no token)                        |
 * | 4    | unavailable (API or peer unreachable, timeout, 503, other 5xx)           |
 * | 5    | refused by the ledger's rules (409: on hold, recalled, duplicate, conflict) |
 */
import { ApiError } from '../api-client';
import { TransactionNotFoundError } from '@lotline/ledger-client';

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

const ADVICE: Record<string, string> = {
  UNAVAILABLE: 'Is the API running? Check --api-url / LOTLINE_API_URL (or --org), or start the network with `npm start`.',
  LOT_NOT_FOUND: 'Check the lot id: it is "<MSP ID>:<local id>", e.g. PartsCoMSP:PLATE-2026-0001 (ids are case-sensitive).',
  TRANSFER_NOT_FOUND: 'There is no pending transfer for this lot: the custodian must propose one first (`lotline transfers propose`).',
  NOT_FOUND: "Check the id; `lotline lots events <lotId>` lists a lot's holds and recalls.",
  FORBIDDEN: 'Your role or organisation may not do this. Use a token of a user who may (see the permission table in clients/README.md).',
  LOT_ON_HOLD: 'The lot, or an ancestor with descendants, is on hold: a quality manager must release the hold first.',
  LOT_RECALLED: 'The lot or one of its ancestors is recalled; it cannot be shipped or consumed.',
  LOT_EXISTS: 'A lot with this id exists already: choose another id (`lotline lots show <id>` shows it).',
  INSUFFICIENT_QUANTITY: 'The input lot has less left than requested: `lotline lots show <id>` shows what remains.',
  CONFLICT: 'The ledger changed under you or the action was already done: show the lot again and retry if still needed.',
  INVALID_ARGUMENT: 'Fix the input as the message says; `lotline <command> --help` shows the expected options.',
  CHAINCODE_UNAVAILABLE:
    "Your organisation's chaincode server is not running: retry in a few seconds; if it persists, `npm run status` shows it and `npm start` restarts it.",
  ENDORSERS_UNAVAILABLE:
    'Too few peers are up to endorse the transaction: retry in a few seconds; if it persists, `npm run status` shows which peer is down and `npm start` restarts it.',
  TX_CONFLICT: 'Other transactions kept changing the same lot: wait a moment and retry the command.',
};

/** One line of advice for an error: what to do next. */
export function adviceFor(err: unknown): string | undefined {
  if (err instanceof ApiError) {
    if (err.status === 401)
      return 'Your token is missing, expired or for another organisation: mint one with `lotline token mint --org <org> --user <user>` and set LOTLINE_TOKEN.';
    const advice = ADVICE[err.code];
    if (advice) return advice;
    if (err.status === 503 || err.status === 0) return ADVICE.UNAVAILABLE;
    if (err.status >= 500) return 'The API failed (a bug): report it with the time and the request, and try again.';
    return undefined;
  }
  if (err instanceof TransactionNotFoundError)
    return 'The auditor peer does not have it: check the id, or wait a few seconds and retry if it was just submitted.';
  return undefined;
}
