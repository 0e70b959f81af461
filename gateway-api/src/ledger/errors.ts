/**
 * The API's one ledger error mapper: every failure of @lotline/ledger-client
 * (a stage error with its `reason`, transaction id and the chaincode's code)
 * becomes an ApiError, for the Lotline routes and the EPCIS routes alike.
 * Chaincode codes map through {@link CHAINCODE_STATUS}; nothing here
 * reads message text.
 */
import type { ErrorCode } from '@lotline/domain';
import { LedgerError, OutcomeUnknownError, type CommitError, type FailureReason } from '@lotline/ledger-client';
import { ApiError } from '../errors';

/** Seconds a client should wait before retrying when the ledger cannot serve now. */
export const RETRY_AFTER_SECONDS = 5;

/** The HTTP status of each chaincode error code (its meaning is in @lotline/domain `ERROR_MEANINGS`; the chaincode knows no HTTP). */
export const CHAINCODE_STATUS = {
  INVALID_ARGUMENT: 400,
  FORBIDDEN: 403,
  LOT_NOT_FOUND: 404,
  TRANSFER_NOT_FOUND: 404,
  NOT_FOUND: 404,
  LOT_EXISTS: 409,
  LOT_ON_HOLD: 409,
  LOT_RECALLED: 409,
  INSUFFICIENT_QUANTITY: 409,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 409,
} as const satisfies Record<ErrorCode, number>;

const TITLES: Readonly<Record<number, string>> = { 400: 'Invalid request', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict' };

/** The path where a client learns what became of a transaction. */
export function transactionLookupPath(txId: string): string {
  return `/transactions/${encodeURIComponent(txId)}/proof`;
}

/** 503 with Retry-After: the peer could not be reached or did not answer in time. */
export function unavailable(detail: string, cause?: unknown): ApiError {
  return new ApiError({
    status: 503,
    code: 'PEER_UNAVAILABLE',
    title: 'Service unavailable',
    detail,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    cause,
  });
}

function refused(error: LedgerError & { chaincodeCode: ErrorCode }): ApiError {
  const status = CHAINCODE_STATUS[error.chaincodeCode];
  return new ApiError({
    status,
    code: error.chaincodeCode,
    title: TITLES[status] ?? 'Refused by the ledger',
    detail: error.chaincodeDetail ?? error.message,
    cause: error,
  });
}

function outcomeUnknown(error: OutcomeUnknownError): ApiError {
  const lookup = transactionLookupPath(error.transactionId);
  return new ApiError({
    status: 504,
    code: 'OUTCOME_UNKNOWN',
    title: 'Outcome unknown',
    detail:
      `transaction ${error.transactionId} was sent to the orderer, but its commit was not confirmed in time (${error.stage} failed): ` +
      `it may have committed. GET ${lookup} tells whether it did (404 TRANSACTION_NOT_FOUND: not committed yet); do not resend it before`,
    extensions: { txId: error.transactionId, lookup },
    cause: error,
  });
}

function conflict(error: LedgerError): ApiError {
  const validationCode = (error as Partial<CommitError>).validationCodeName;
  const what =
    error.reason === 'divergent-endorsement'
      ? 'the endorsing peers returned different results (they were at different block heights under concurrent writes)'
      : `the transaction was invalidated (${validationCode ?? 'read conflict'}) by concurrent transactions`;
  return new ApiError({
    status: 409,
    code: 'TX_CONFLICT',
    title: 'Concurrent update',
    detail: `${what}, on each of ${error.attempts} attempts; retry in a moment`,
    retryAfterSeconds: 1,
    extensions: {
      ...(error.transactionId !== undefined ? { txId: error.transactionId } : {}),
      ...(validationCode !== undefined ? { validationCode } : {}),
      attempts: error.attempts,
    },
    cause: error,
  });
}

/** Statuses and codes by reason, for the reasons that need no more than a sentence. */
const BY_REASON: Partial<Record<FailureReason, { status: number; code: string; title: string; detail: string; retry?: boolean }>> = {
  'chaincode-unavailable': {
    status: 503,
    code: 'CHAINCODE_UNAVAILABLE',
    title: 'Service unavailable',
    detail: "an organisation's chaincode server is not running (it is restarted by `npm start`)",
    retry: true,
  },
  'endorsers-unavailable': {
    status: 503,
    code: 'ENDORSERS_UNAVAILABLE',
    title: 'Service unavailable',
    detail: 'not enough endorsing peers are reachable to satisfy the endorsement policy',
    retry: true,
  },
  'peer-unavailable': {
    status: 503,
    code: 'PEER_UNAVAILABLE',
    title: 'Service unavailable',
    detail: 'the peer is unreachable, overloaded or did not answer in time',
    retry: true,
  },
  invalid: { status: 502, code: 'TX_INVALID', title: 'Transaction invalid', detail: 'the transaction was committed as invalid' },
};

/**
 * Map any failure of a ledger call to an ApiError. A failure that is not a
 * LedgerError, or a reason the client could not classify, is 502
 * LEDGER_ERROR: the peer answered something that this API does not
 * understand, which a retry will not cure (503 is kept for "come back later").
 */
export function ledgerError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (!(error instanceof LedgerError)) {
    return new ApiError({ status: 502, code: 'LEDGER_ERROR', title: 'Ledger failure', detail: 'the ledger call failed', cause: error });
  }
  if (error.chaincodeCode !== undefined) return refused(error as LedgerError & { chaincodeCode: ErrorCode });
  if (error instanceof OutcomeUnknownError) return outcomeUnknown(error);
  if (error.reason === 'conflict' || error.reason === 'divergent-endorsement') return conflict(error);
  if (error.reason === 'not-found') {
    return new ApiError({ status: 404, code: 'TRANSACTION_NOT_FOUND', title: 'Not found', detail: error.message, cause: error });
  }
  const known = BY_REASON[error.reason];
  const txId = error.transactionId !== undefined && error.transactionId !== '' ? { txId: error.transactionId } : undefined;
  if (known !== undefined) {
    return new ApiError({
      status: known.status,
      code: known.code,
      title: known.title,
      detail: `${known.detail} (${error.transaction})${known.retry === true ? `; retry after ${RETRY_AFTER_SECONDS} s, and if it persists check \`npm run status\`` : ''}`,
      ...(known.retry === true ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {}),
      ...(txId !== undefined ? { extensions: txId } : {}),
      cause: error,
    });
  }
  return new ApiError({
    status: 502,
    code: 'LEDGER_ERROR',
    title: 'Ledger failure',
    detail: `the ledger call failed (${error.transaction}, ${error.stage})`,
    ...(txId !== undefined ? { extensions: txId } : {}),
    cause: error,
  });
}
