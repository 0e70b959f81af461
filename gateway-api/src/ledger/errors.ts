/**
 * The API's one ledger error mapper: every failure of @lotline/ledger-client
 * (a stage error with its `reason`, transaction id and the chaincode's code)
 * becomes an ApiError, for the Lotline routes and the EPCIS routes alike.
 * Chaincode codes map through {@link CHAINCODE_STATUS}; nothing here
 * reads message text.
 */
import type { ErrorCode } from '@lotline/domain';
import { LedgerError, OutcomeUnknownError, type CommitError, type FailureReason } from '@lotline/ledger-client';
import { ApiError, type ProblemMessage } from '../errors';

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

/** The path where a client learns what became of a transaction. */
export function transactionLookupPath(txId: string): string {
  return `/transactions/${encodeURIComponent(txId)}/proof`;
}

/** 503 with Retry-After: the peer could not be reached or did not answer in time. */
export function unavailable(detail: string, cause?: unknown): ApiError {
  return new ApiError({
    status: 503,
    code: 'PEER_UNAVAILABLE',
    detail,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * A ledger rule's refusal (a chaincode code with its English detail) as a problem: the chaincode's own, or the
 * same rule answered by the read model.
 */
export function ruleRefusal(code: ErrorCode, detail: string, cause: unknown): ApiError {
  return new ApiError({
    status: CHAINCODE_STATUS[code],
    code,
    // The chaincode speaks English only (it must be deterministic); translations name the code's meaning and quote it.
    message: { key: `ledger.${code}`, params: { detail } },
    cause,
  });
}

function refused(error: LedgerError & { chaincodeCode: ErrorCode }): ApiError {
  return ruleRefusal(error.chaincodeCode, error.chaincodeDetail ?? error.message, error);
}

function outcomeUnknown(error: OutcomeUnknownError): ApiError {
  const lookup = transactionLookupPath(error.transactionId);
  return new ApiError({
    status: 504,
    code: 'OUTCOME_UNKNOWN',
    message: { key: 'detail.outcome_unknown', params: { txId: error.transactionId, stage: error.stage, lookup } },
    extensions: { txId: error.transactionId, lookup },
    cause: error,
  });
}

function conflict(error: LedgerError): ApiError {
  const validationCode = (error as Partial<CommitError>).validationCodeName;
  const message: ProblemMessage =
    error.reason === 'divergent-endorsement'
      ? { key: 'detail.tx_conflict_divergent', params: { attempts: error.attempts } }
      : { key: 'detail.tx_conflict_invalidated', params: { validationCode: validationCode ?? 'read conflict', attempts: error.attempts } };
  return new ApiError({
    status: 409,
    code: 'TX_CONFLICT',
    message,
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
const BY_REASON: Partial<Record<FailureReason, { status: number; code: string; key: string; retry?: boolean }>> = {
  'chaincode-unavailable': { status: 503, code: 'CHAINCODE_UNAVAILABLE', key: 'detail.chaincode_unavailable', retry: true },
  'endorsers-unavailable': { status: 503, code: 'ENDORSERS_UNAVAILABLE', key: 'detail.endorsers_unavailable', retry: true },
  'peer-unavailable': { status: 503, code: 'PEER_UNAVAILABLE', key: 'detail.peer_unavailable', retry: true },
  invalid: { status: 502, code: 'TX_INVALID', key: 'detail.tx_invalid' },
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
    return new ApiError({ status: 502, code: 'LEDGER_ERROR', message: { key: 'detail.ledger_error_plain' }, cause: error });
  }
  if (error.chaincodeCode !== undefined) return refused(error as LedgerError & { chaincodeCode: ErrorCode });
  if (error instanceof OutcomeUnknownError) return outcomeUnknown(error);
  if (error.reason === 'conflict' || error.reason === 'divergent-endorsement') return conflict(error);
  if (error.reason === 'not-found') {
    return new ApiError({ status: 404, code: 'TRANSACTION_NOT_FOUND', detail: error.message, cause: error });
  }
  const known = BY_REASON[error.reason];
  const txId = error.transactionId !== undefined && error.transactionId !== '' ? { txId: error.transactionId } : undefined;
  if (known !== undefined) {
    return new ApiError({
      status: known.status,
      code: known.code,
      message: { key: known.key, params: { transaction: error.transaction, seconds: RETRY_AFTER_SECONDS } },
      ...(known.retry === true ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {}),
      ...(txId !== undefined ? { extensions: txId } : {}),
      cause: error,
    });
  }
  return new ApiError({
    status: 502,
    code: 'LEDGER_ERROR',
    message: { key: 'detail.ledger_error', params: { transaction: error.transaction, stage: error.stage } },
    ...(txId !== undefined ? { extensions: txId } : {}),
    cause: error,
  });
}
