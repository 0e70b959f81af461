/**
 * The ledger client's errors: one class per stage of a transaction, as in
 * fabric-gateway (evaluate, endorse, submit, commit status, commit). Each
 * carries the transaction id (when one was built), the chaincode's error code
 * (when the chaincode refused), the gRPC status, the classified `reason`, and
 * the original error as `cause`. A failure after the transaction left for the
 * orderer is an {@link OutcomeUnknownError}: it may have committed.
 */
import type { ErrorCode } from '@lotline/domain';

/** The stage of a ledger call that failed. */
export type LedgerStage = 'evaluate' | 'endorse' | 'submit' | 'commitStatus' | 'commit';

/**
 * Why a ledger call failed, as far as the client can tell:
 * - `refused`: the chaincode refused with a stable code (`chaincodeCode`);
 * - `conflict`: invalidated by concurrent transactions (MVCC or phantom read conflict) on every attempt;
 * - `divergent-endorsement`: the endorsing peers returned different results on every attempt
 *   (they were at different block heights under concurrent writes);
 * - `chaincode-unavailable`: an organisation's chaincode server is not running;
 * - `endorsers-unavailable`: no set of reachable peers satisfies the endorsement policy;
 * - `peer-unavailable`: the gateway peer is unreachable, overloaded or did not answer in time;
 * - `outcome-unknown`: the transaction was sent to the orderer but its outcome was not learned;
 * - `invalid`: the transaction committed with a validation code other than VALID (not a conflict);
 * - `not-found`: the peer has no such transaction (qscc);
 * - `unknown`: none of the above (a bug or a misconfiguration).
 */
export type FailureReason =
  | 'refused'
  | 'conflict'
  | 'divergent-endorsement'
  | 'chaincode-unavailable'
  | 'endorsers-unavailable'
  | 'peer-unavailable'
  | 'outcome-unknown'
  | 'invalid'
  | 'not-found'
  | 'unknown';

/** The read-only properties a {@link LedgerError} is built from. */
export interface LedgerErrorProperties {
  readonly message: string;
  readonly reason: FailureReason;
  /** `Contract:Transaction` (or `qscc:GetTransactionByID`...). */
  readonly transaction: string;
  readonly transactionId?: string;
  readonly chaincodeCode?: ErrorCode;
  /** The chaincode's message after its code. */
  readonly chaincodeDetail?: string;
  /** The gRPC status of the gateway's answer. */
  readonly grpcCode?: number;
  /** Transactions tried, 1 when the first one failed for good. */
  readonly attempts?: number;
  readonly cause?: unknown;
}

/** Any failure of a ledger call. Decide on `instanceof`, `reason` and `chaincodeCode`, never on the message. */
export abstract class LedgerError extends Error {
  abstract readonly stage: LedgerStage;
  readonly reason: FailureReason;
  readonly transaction: string;
  readonly transactionId: string | undefined;
  readonly chaincodeCode: ErrorCode | undefined;
  readonly chaincodeDetail: string | undefined;
  readonly grpcCode: number | undefined;
  readonly attempts: number;

  constructor(properties: LedgerErrorProperties) {
    super(properties.message, { cause: properties.cause });
    this.reason = properties.reason;
    this.transaction = properties.transaction;
    this.transactionId = properties.transactionId;
    this.chaincodeCode = properties.chaincodeCode;
    this.chaincodeDetail = properties.chaincodeDetail;
    this.grpcCode = properties.grpcCode;
    this.attempts = properties.attempts ?? 1;
  }
}

/** An evaluation (a query) failed. Nothing was written. */
export class EvaluateError extends LedgerError {
  readonly stage = 'evaluate';
  constructor(properties: LedgerErrorProperties) {
    super(properties);
    this.name = 'EvaluateError';
  }
}

/** Endorsement failed: the transaction never reached the orderer, so nothing was written. */
export class EndorseError extends LedgerError {
  readonly stage = 'endorse';
  constructor(properties: LedgerErrorProperties) {
    super(properties);
    this.name = 'EndorseError';
  }
}

/**
 * The transaction was sent towards the orderer, and then the client lost
 * track of it: it may or may not commit. Never retry it blindly; look it up
 * by `transactionId` ({@link LotLedger.transactionStatus}).
 */
export abstract class OutcomeUnknownError extends LedgerError {
  declare readonly transactionId: string;
  constructor(properties: LedgerErrorProperties & { readonly transactionId: string }) {
    super({ ...properties, reason: 'outcome-unknown' });
  }
}

/** Submitting the endorsed transaction to the orderer failed or timed out. */
export class SubmitError extends OutcomeUnknownError {
  readonly stage = 'submit';
  constructor(properties: LedgerErrorProperties & { readonly transactionId: string }) {
    super(properties);
    this.name = 'SubmitError';
  }
}

/** Waiting for the commit status failed or timed out (the transaction was submitted). */
export class CommitStatusError extends OutcomeUnknownError {
  readonly stage = 'commitStatus';
  constructor(properties: LedgerErrorProperties & { readonly transactionId: string }) {
    super(properties);
    this.name = 'CommitStatusError';
  }
}

/** The read-only properties of a {@link CommitError}. */
export interface CommitErrorProperties extends Omit<LedgerErrorProperties, 'reason'> {
  readonly transactionId: string;
  /** Fabric's validation code (`peer.TxValidationCode`). */
  readonly validationCode: number;
  /** Its name (`MVCC_READ_CONFLICT`...). */
  readonly validationCodeName: string;
  readonly reason: 'conflict' | 'invalid';
}

/** The transaction committed, but as invalid: its writes were not applied. */
export class CommitError extends LedgerError {
  readonly stage = 'commit';
  declare readonly transactionId: string;
  readonly validationCode: number;
  readonly validationCodeName: string;
  constructor(properties: CommitErrorProperties) {
    super(properties);
    this.name = 'CommitError';
    this.validationCode = properties.validationCode;
    this.validationCodeName = properties.validationCodeName;
  }
}

/** The peer has no transaction with this id on the channel (not committed, another channel, or a wrong id). */
export class TransactionNotFoundError extends EvaluateError {
  constructor(properties: Omit<LedgerErrorProperties, 'reason'> & { readonly transactionId: string }) {
    super({ ...properties, reason: 'not-found' });
    this.name = 'TransactionNotFoundError';
  }
}
