/**
 * Turns what fabric-gateway throws into the client's stage errors. The
 * chaincode's code is read from the `CODE: ` prefix of the peers' error
 * details; gRPC statuses and validation codes are mapped by value. Free text
 * is read only for the failures that Fabric reports as text alone: a
 * divergent endorsement, a chaincode server that is down, and too few
 * endorsers for the policy.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import * as fabric from '@hyperledger/fabric-gateway';
import { chaincodeCodeOf } from './codes';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  EvaluateError,
  SubmitError,
  type FailureReason,
  type LedgerError,
  type LedgerErrorProperties,
} from './errors';

/** The peers' detail messages of a gateway error, then its own message. */
export function messagesOf(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  const details = error instanceof fabric.GatewayError ? error.details.map((d) => d.message) : [];
  return [...details, error.message];
}

/** A readable one-line description of any error, with the peers' details. */
export function describeError(error: unknown): string {
  const [first, ...rest] = messagesOf(error).reverse();
  return rest.length > 0 ? `${first ?? ''} [${rest.reverse().join(' | ')}]` : (first ?? '');
}

const DIVERGENT = 'ProposalResponsePayloads do not match';

const CHAINCODE_DOWN = /could not launch chaincode|chaincode [^ ]+ not (?:running|registered)|error sending: .*chaincode/i;

const TOO_FEW_ENDORSERS = /no combination of peers|failed to collect enough transaction endorsements|no peers available/i;

/** gRPC statuses under which the gateway reports endorsement failures. */
const ENDORSEMENT_FAILURE_STATUSES: ReadonlySet<number> = new Set([
  GrpcStatus.ABORTED,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.UNAVAILABLE,
]);

/** gRPC statuses that mean the peer cannot serve now. */
const PEER_UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

function reasonOf(code: number | undefined, messages: readonly string[]): FailureReason {
  const text = messages.join('\n');
  // Divergence first: the gateway words it as "failed to collect enough transaction endorsements" too.
  if (text.includes(DIVERGENT)) return 'divergent-endorsement';
  if (code !== undefined && ENDORSEMENT_FAILURE_STATUSES.has(code)) {
    if (CHAINCODE_DOWN.test(text)) return 'chaincode-unavailable';
    if (TOO_FEW_ENDORSERS.test(text)) return 'endorsers-unavailable';
  }
  if (code !== undefined && PEER_UNAVAILABLE_STATUSES.has(code)) return 'peer-unavailable';
  return 'unknown';
}

/** Where a fabric-gateway call was when it threw. */
export interface CallContext {
  readonly stage: 'evaluate' | 'endorse' | 'submit' | 'commitStatus';
  /** `Contract:Transaction`. */
  readonly transaction: string;
  readonly transactionId?: string;
  readonly attempts?: number;
}

/** The stage error for anything a fabric-gateway call threw at `call.stage`. */
export function classifyError(error: unknown, call: CallContext): LedgerError {
  const { stage, transaction, attempts = 1 } = call;
  const messages = messagesOf(error);
  const grpcCode = error instanceof fabric.GatewayError ? error.code : undefined;
  const own = (error as { transactionId?: unknown } | undefined)?.transactionId;
  const transactionId = typeof own === 'string' && own !== '' ? own : call.transactionId;
  const coded = chaincodeCodeOf(messages);
  const base: LedgerErrorProperties = {
    message: `${transaction}: ${describeError(error)}`,
    reason: coded !== undefined ? 'refused' : reasonOf(grpcCode, messages),
    transaction,
    ...(transactionId !== undefined ? { transactionId } : {}),
    ...(coded !== undefined ? { chaincodeCode: coded.code, chaincodeDetail: coded.detail } : {}),
    ...(grpcCode !== undefined ? { grpcCode } : {}),
    attempts,
    cause: error,
  };
  switch (stage) {
    case 'submit':
      return new SubmitError({ ...base, transactionId: transactionId ?? '' });
    case 'commitStatus':
      return new CommitStatusError({ ...base, transactionId: transactionId ?? '' });
    case 'endorse':
      return new EndorseError(base);
    default:
      return new EvaluateError(base);
  }
}

const VALIDATION_NAMES = new Map<number, string>(Object.entries(fabric.StatusCode).map(([name, value]) => [value, name]));

/** The name of a Fabric validation code (`VALID`, `MVCC_READ_CONFLICT`...). */
export function validationCodeName(code: number): string {
  return VALIDATION_NAMES.get(code) ?? `CODE_${code}`;
}

/** The validation codes that a new transaction may cure: MVCC and phantom read conflicts. */
export const CONFLICT_VALIDATION_CODES: ReadonlySet<number> = new Set([
  fabric.StatusCode.MVCC_READ_CONFLICT,
  fabric.StatusCode.PHANTOM_READ_CONFLICT,
]);

/** The error for a transaction that committed with a validation code other than VALID. */
export function commitError(validationCode: number, transactionId: string, transaction: string, attempts = 1): CommitError {
  const name = validationCodeName(validationCode);
  const conflict = CONFLICT_VALIDATION_CODES.has(validationCode);
  return new CommitError({
    message: conflict
      ? `${transaction}: transaction ${transactionId} was invalidated (${name}) by concurrent transactions, on each of ${attempts} attempts`
      : `${transaction}: transaction ${transactionId} was committed as ${name}`,
    reason: conflict ? 'conflict' : 'invalid',
    transaction,
    transactionId,
    validationCode,
    validationCodeName: name,
    attempts,
  });
}
