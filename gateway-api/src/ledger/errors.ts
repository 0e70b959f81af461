/**
 * Maps failures of gateway calls to ApiErrors: by the chaincode's stable code
 * (the `CODE: ` prefix of its message, found in the gateway error details),
 * by the gRPC status, or by the commit's validation code. Free text is read
 * only for the two transient endorsement failures that Fabric reports as text.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { findErrorCode, type ErrorCode } from '@lotline/domain';
import { ApiError } from '../errors';

/** The HTTP status of each chaincode error code (its meaning is in @lotline/domain `ERROR_MEANINGS`). */
export const CHAINCODE_STATUS: Readonly<Record<ErrorCode, 400 | 403 | 404 | 409>> = {
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
};

/** Seconds a client should wait before retrying when the peer is unavailable. */
export const RETRY_AFTER_SECONDS = 5;

const TITLES: Record<number, string> = { 400: 'Invalid request', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict' };

function messagesOf(error: Error): string[] {
  const details = error instanceof GatewayError ? error.details.map((d) => d.message) : [];
  return [...details, error.message];
}

/** An ApiError for a chaincode error code found in the error, or undefined. */
export function chaincodeError(error: unknown): ApiError | undefined {
  if (!(error instanceof Error)) return undefined;
  for (const message of messagesOf(error)) {
    const found = findErrorCode(message);
    if (found !== undefined) {
      const status = CHAINCODE_STATUS[found.code];
      return new ApiError({
        status,
        code: found.code,
        title: TITLES[status] ?? 'Refused by the ledger',
        detail: found.detail,
        cause: error,
      });
    }
  }
  return undefined;
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

/** gRPC statuses that mean the peer cannot serve now (503 with Retry-After). */
const UNAVAILABLE_REASONS = new Map<number, string>([
  [GrpcStatus.UNAVAILABLE, 'the peer is unreachable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'the peer did not answer in time'],
  [GrpcStatus.RESOURCE_EXHAUSTED, 'the peer is overloaded'],
]);

/**
 * Transient endorsement failures that Fabric reports only as text in the error
 * details (gRPC ABORTED or FAILED_PRECONDITION carry no finer code): a
 * chaincode server that is down or restarting, and a gateway that cannot yet
 * find enough live endorsers (discovery after a peer restart). Both cure
 * themselves or by `npm start`, so clients should retry rather than report a bug.
 */
const TRANSIENT_ENDORSEMENT: readonly { pattern: RegExp; code: string; reason: string }[] = [
  {
    pattern: /could not launch chaincode|chaincode [^ ]+ not (?:running|registered)|error sending: .*chaincode/i,
    code: 'CHAINCODE_UNAVAILABLE',
    reason: "an organisation's chaincode server is not running (it is restarted by `npm start`)",
  },
  {
    pattern: /no combination of peers|failed to collect enough transaction endorsements|no peers available/i,
    code: 'ENDORSERS_UNAVAILABLE',
    reason: 'not enough endorsing peers are reachable to satisfy the endorsement policy',
  },
];

/** gRPC statuses under which the gateway reports endorsement failures. */
const ENDORSEMENT_FAILURE_STATUSES: ReadonlySet<number> = new Set([
  GrpcStatus.ABORTED,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.UNAVAILABLE,
]);

function transientEndorsement(error: GatewayError, what: string): ApiError | undefined {
  if (!ENDORSEMENT_FAILURE_STATUSES.has(error.code)) return undefined;
  const text = messagesOf(error).join('\n');
  const match = TRANSIENT_ENDORSEMENT.find((t) => t.pattern.test(text));
  if (match === undefined) return undefined;
  return new ApiError({
    status: 503,
    code: match.code,
    title: 'Service unavailable',
    detail: `${match.reason} (${what}); retry after ${RETRY_AFTER_SECONDS} s, and if it persists check \`npm run status\``,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    cause: error,
  });
}

/** Map any failure of a gateway call to an ApiError. */
export function ledgerError(error: unknown, what: string): ApiError {
  if (error instanceof ApiError) return error;
  const coded = chaincodeError(error);
  if (coded !== undefined) return coded;
  if (error instanceof CommitError) return commitFailure(error.code, error.transactionId, error);
  if (error instanceof GatewayError) {
    const transient = transientEndorsement(error, what);
    if (transient !== undefined) return transient;
    const reason = UNAVAILABLE_REASONS.get(error.code);
    if (reason !== undefined) return unavailable(`${reason} (${what})`, error);
  }
  return new ApiError({
    status: 502,
    code: 'LEDGER_ERROR',
    title: 'Ledger failure',
    detail: `the ledger call failed (${what})`,
    cause: error,
  });
}

const VALIDATION_NAMES = new Map<number, string>(Object.entries(StatusCode).map(([name, value]) => [value, name]));

/** The name of a Fabric validation code (`VALID`, `MVCC_READ_CONFLICT`...). */
export function validationCodeName(code: number): string {
  return VALIDATION_NAMES.get(code) ?? `CODE_${code}`;
}

/** The Fabric validation codes that a resubmission may cure. */
export const RETRYABLE_VALIDATION_CODES: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

/** An ApiError for a transaction that committed with a validation code other than VALID. */
export function commitFailure(code: number, txId: string, cause?: unknown): ApiError {
  const name = validationCodeName(code);
  if (RETRYABLE_VALIDATION_CODES.has(code)) {
    return new ApiError({
      status: 409,
      code: 'TX_CONFLICT',
      title: 'Concurrent update',
      detail: `transaction ${txId} was invalidated (${name}) by concurrent transactions, also after retries; retry later`,
      retryAfterSeconds: 1,
      extensions: { txId, validationCode: name },
      cause,
    });
  }
  return new ApiError({
    status: 502,
    code: 'TX_INVALID',
    title: 'Transaction invalid',
    detail: `transaction ${txId} was committed as ${name}`,
    extensions: { txId, validationCode: name },
    cause,
  });
}
