/**
 * @lotline/ledger-client: the one HTTP-free client of the Lotline chaincode.
 * Connecting (gRPC with TLS, identities, per-call deadlines), the typed
 * contract wrapper {@link LotLedger}, the stage errors and the one retry
 * loop, and the readiness rule {@link waitUntilEndorsable}. It prints nothing.
 */
export {
  classifyError,
  commitError,
  describeError,
  messagesOf,
  validationCodeName,
  CONFLICT_VALIDATION_CODES,
  type CallContext,
} from './classify';
export { chaincodeCodeOf } from './codes';
export {
  connectGateway,
  newGateway,
  newPeerClient,
  peerReachable,
  DEFAULT_DEADLINES,
  type Connection,
  type ConnectOptions,
  type Deadlines,
  type PeerTarget,
} from './connect';
export {
  CommitError,
  CommitStatusError,
  EndorseError,
  EvaluateError,
  LedgerError,
  OutcomeUnknownError,
  SubmitError,
  TransactionNotFoundError,
  type CommitErrorProperties,
  type FailureReason,
  type LedgerErrorProperties,
  type LedgerStage,
} from './errors';
export {
  loadSigningIdentity,
  mspFiles,
  nativeEcdsaSigner,
  newSigningIdentity,
  type IdentityMaterial,
  type SigningIdentity,
} from './identity';
export { LotLedger, type EventPosition, type LotLedgerOptions, type SubmitOptions, type TransactionStatus } from './lot-ledger';
export { decodeBlock, decodeTransaction, type BlockTransaction, type BlockWrite, type DecodedBlock } from './proof';
export { chainHeight, followBlocks, type BlockFeedOptions, type Checkpoint } from './blocks';
export {
  checkEndorsers,
  waitUntilEndorsable,
  NotEndorsableError,
  type Endorsability,
  type EndorsementTarget,
  type Readiness,
  type ReadinessProgress,
  type WaitOptions,
} from './readiness';
export { backoffMs, isRetryable, retryPolicy, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export {
  decodeJson,
  evaluateTransaction,
  submitTransaction,
  type RetryRuntime,
  type SubmitOptions as TransactionOptions,
  type Submitted,
} from './transactions';
