/**
 * Evaluating and submitting one chaincode transaction through a
 * fabric-gateway Contract, with the client's error classes, JSON decoding and
 * the one retry loop: a transaction invalidated by an MVCC or phantom read
 * conflict, or whose endorsements diverged, is retried as a NEW transaction
 * (new id, new endorsement) under a {@link RetryPolicy}.
 */
import { status as GrpcStatus, type CallOptions } from '@grpc/grpc-js';
import type { Contract } from '@hyperledger/fabric-gateway';
import { classifyError, commitError } from './classify';
import type { LedgerError } from './errors';
import { backoffMs, DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from './retry';
import type { Committed } from '@lotline/domain';

/** A committed write and the number of transactions it took. */
export interface Submitted<T> extends Committed<T> {
  /** Transactions used, 1 when the first one committed. */
  readonly attempts: number;
}

/** What to send with a submit. */
export interface SubmitOptions {
  readonly arguments?: readonly string[];
  /** Private data, not written to the ledger. */
  readonly transientData?: Readonly<Record<string, string | Uint8Array>>;
  /** Endorse with exactly these organisations' peers (private data writes beyond the collection members). */
  readonly endorsingOrganizations?: readonly string[];
  /** Deadline of each stage (endorse, submit, commit status), replacing the connection's own (bulk imports). */
  readonly deadlineMs?: number;
}

/** How the loop waits and draws jitter (replaced in unit tests). */
export interface RetryRuntime {
  readonly policy?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** While a commit status is awaited, the same transaction is sent again every this many ms (default {@link COMMIT_RESEND_MS}). */
  readonly commitResendMs?: number;
}

const decoder = new TextDecoder();

/** Decode a JSON transaction result. */
export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function callOptions(deadlineMs: number | undefined): CallOptions | undefined {
  return deadlineMs === undefined ? undefined : { deadline: Date.now() + deadlineMs };
}

function label(contract: Contract, name: string): string {
  return `${contract.getContractName() ?? contract.getChaincodeName()}:${name}`;
}

/**
 * Evaluate `name` and decode its JSON result.
 * @throws EvaluateError, with the chaincode's code when it refused.
 */
export async function evaluateTransaction<T>(
  contract: Contract,
  name: string,
  args: readonly string[] = [],
  options: { readonly deadlineMs?: number } = {},
): Promise<T> {
  let bytes: Uint8Array;
  try {
    bytes =
      options.deadlineMs === undefined
        ? await contract.evaluateTransaction(name, ...args)
        : await contract.newProposal(name, { arguments: [...args] }).evaluate(callOptions(options.deadlineMs));
  } catch (error) {
    throw classifyError(error, { stage: 'evaluate', transaction: label(contract, name) });
  }
  return decodeJson<T>(bytes);
}

/**
 * How many times one endorsed transaction is sent to the ordering service.
 * The peer's Gateway sends it to one orderer, picked at random; when that
 * orderer's host is unreachable, the call runs out its deadline on a connection
 * that gRPC has not yet found dead (keepalive takes longer). Sending the same
 * transaction again is safe: it keeps its id, and the ledger refuses a second
 * transaction with an id it has (at most one commits). The next send usually
 * picks another orderer.
 */
const SUBMIT_SENDS = 3;

/**
 * While the commit status is awaited, the same transaction is sent again after this long, and again after twice
 * this long (the wait itself keeps its deadline: Fabric's 60 s, or `LOTLINE_COMMIT_TIMEOUT_MS`). An orderer that is
 * not the Raft leader answers a Broadcast as soon as it has forwarded the transaction to the leader; when the
 * leader's host vanishes at that moment the transaction is lost, and nothing but the wait tells. A commit status is
 * by transaction id, so the wait ends when any copy commits; if the first copy was only slow, a later one is refused
 * as a duplicate id (at most one commits), the reason sending again is safe at all. (In the multi-host spec's host
 * cut the slow first write had another cause, Raft stalled on the remaining orderers: see the README's Reliability.)
 */
export const COMMIT_RESEND_MS = 15_000;

/** A submit that the Gateway could not hand to an orderer in time, or at all. */
function undelivered(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.UNAVAILABLE;
}

/** One transaction: endorse, submit, wait for the commit status; each stage's failure is its own error class. */
async function attempt<T>(
  contract: Contract,
  name: string,
  options: SubmitOptions,
  attempts: number,
  commitResendMs: number,
): Promise<Submitted<T>> {
  const transaction = label(contract, name);
  const proposal = contract.newProposal(name, {
    arguments: [...(options.arguments ?? [])],
    ...(options.transientData !== undefined ? { transientData: { ...options.transientData } } : {}),
    ...(options.endorsingOrganizations !== undefined ? { endorsingOrganizations: [...options.endorsingOrganizations] } : {}),
  });
  const transactionId = proposal.getTransactionId();
  const call = { transaction, transactionId, attempts };
  let endorsed;
  try {
    endorsed = await proposal.endorse(callOptions(options.deadlineMs));
  } catch (error) {
    throw classifyError(error, { ...call, stage: 'endorse' });
  }
  let submitted;
  for (let send = 1; submitted === undefined; send += 1) {
    try {
      submitted = await endorsed.submit(callOptions(options.deadlineMs));
    } catch (error) {
      if (send >= SUBMIT_SENDS || !undelivered(error)) throw classifyError(error, { ...call, stage: 'submit' });
    }
  }
  const resends = [1, 2].map((k) =>
    // A resend that fails changes nothing: the wait goes on, and its own deadline decides.
    setTimeout(() => void endorsed.submit(callOptions(options.deadlineMs)).catch(() => undefined), k * commitResendMs),
  );
  let status;
  try {
    status = await submitted.getStatus(callOptions(options.deadlineMs));
  } catch (error) {
    throw classifyError(error, { ...call, stage: 'commitStatus' });
  } finally {
    for (const timer of resends) clearTimeout(timer);
  }
  if (!status.successful) throw commitError(status.code, status.transactionId, transaction, attempts);
  return { result: decodeJson<T>(endorsed.getResult()), txId: status.transactionId, blockNumber: Number(status.blockNumber), attempts };
}

/**
 * Submit `name`, wait for its commit, and resolve only once a transaction
 * committed VALID. Retryable failures ({@link isRetryable}) are retried as new
 * transactions up to `policy.maxAttempts`, with jittered exponential backoff.
 * @throws EndorseError (nothing written), SubmitError or CommitStatusError
 * (outcome unknown: look the transaction up), CommitError (committed invalid).
 */
export async function submitTransaction<T>(
  contract: Contract,
  name: string,
  options: SubmitOptions = {},
  runtime: RetryRuntime = {},
): Promise<Submitted<T>> {
  const policy = runtime.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = runtime.sleep ?? sleepMs;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt<T>(contract, name, options, n, runtime.commitResendMs ?? COMMIT_RESEND_MS);
    } catch (error) {
      const failure = error as LedgerError;
      if (!isRetryable(failure) || n >= policy.maxAttempts) throw failure;
      await sleep(backoffMs(policy, n, runtime.random));
    }
  }
}
