/**
 * Helpers for the ledger integration specs: decoding results, reading the
 * chaincode's stable error code off a fabric-gateway error, submitting with
 * bounded retries of MVCC / phantom read conflicts and of endorsements that
 * diverged between peers (a new transaction each time), and running independent calls concurrently in small batches.
 */
import { expect } from 'chai';
import type { Contract } from '@hyperledger/fabric-gateway';

/** The error codes documented by the chaincode (chaincode/README.md, "Error codes"). */
export const CHAINCODE_CODES = [
  'INVALID_ARGUMENT',
  'FORBIDDEN',
  'LOT_NOT_FOUND',
  'TRANSFER_NOT_FOUND',
  'NOT_FOUND',
  'LOT_EXISTS',
  'LOT_ON_HOLD',
  'LOT_RECALLED',
  'INSUFFICIENT_QUANTITY',
  'CONFLICT',
  'LIMIT_EXCEEDED',
] as const;

/** A chaincode error code. */
export type ChaincodeCode = (typeof CHAINCODE_CODES)[number];

/** Commit statuses that call for a new transaction: MVCC_READ_CONFLICT and PHANTOM_READ_CONFLICT. */
export const RETRYABLE_STATUS = new Set([11, 12]);

const decoder = new TextDecoder();

/** Parse a transaction result (JSON bytes). */
export function parse<T = any>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

function codeIn(text: string): ChaincodeCode | undefined {
  for (const match of text.matchAll(/\b([A-Z][A-Z_]+): /g)) {
    const code = CHAINCODE_CODES.find((c) => c === match[1]);
    if (code !== undefined) return code;
  }
  return undefined;
}

/**
 * The chaincode code carried by an error: first from the endorsing peers'
 * `details[].message` (`chaincode response 500, FORBIDDEN: ...`), then from
 * the error's own message.
 */
export function errorCode(err: unknown): ChaincodeCode | undefined {
  const details = (err as { details?: unknown }).details;
  if (Array.isArray(details)) {
    for (const detail of details as { message?: unknown }[]) {
      const code = typeof detail.message === 'string' ? codeIn(detail.message) : undefined;
      if (code !== undefined) return code;
    }
  }
  return err instanceof Error ? codeIn(err.message) : undefined;
}

/** A readable description of an error, with the peers' details. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as { details?: { message: string }[] }).details;
  return details && details.length > 0 ? `${err.message} [${details.map((d) => d.message).join(' | ')}]` : err.message;
}

/** Await a call that must fail, and return its chaincode code (fails the test if it succeeds). */
export async function refusal(call: Promise<unknown>): Promise<ChaincodeCode | undefined> {
  try {
    await call;
  } catch (err) {
    return errorCode(err);
  }
  expect.fail('the call succeeded but was expected to be refused');
}

/** Assert that a call is refused with exactly `code`. */
export async function expectRefused(call: Promise<unknown>, code: ChaincodeCode, what = 'the call'): Promise<void> {
  expect(await refusal(call), `${what} refused with`).to.equal(code);
}

/** What one submit (with its retries) produced. */
export interface Submitted<T> {
  readonly result: T;
  /** Transactions used, 1 when the first one committed. */
  readonly attempts: number;
  readonly transactionId: string;
  /** The block the transaction committed in. */
  readonly blockNumber: bigint;
}

/**
 * True when the endorsing peers returned different results for the same
 * proposal because they were briefly at different block heights (the Gateway
 * reports "ProposalResponsePayloads do not match"); a new transaction is the
 * remedy, as for an MVCC conflict.
 */
export function isDivergentEndorsement(err: unknown): boolean {
  if (errorCode(err) !== undefined) return false;
  const details = (err as { details?: { message?: string }[] }).details ?? [];
  return details.some((d) => typeof d.message === 'string' && d.message.includes('ProposalResponsePayloads do not match'));
}

/** A commit with a status other than VALID. */
export class CommitStatusFailure extends Error {
  constructor(
    readonly code: number,
    readonly transactionId: string,
  ) {
    super(`transaction ${transactionId} committed with status ${code}`);
    this.name = 'CommitStatusFailure';
  }
}

/** Options for {@link submit}. */
export interface SubmitOptions {
  readonly transientData?: Record<string, string | Uint8Array>;
  readonly endorsingOrganizations?: string[];
  /** Transactions to try at most (default 12). */
  readonly maxAttempts?: number;
  /** Deadline of each endorse / submit / commit-status call, in ms (default: the connection's own). */
  readonly deadlineMs?: number;
}

function callOptions(deadlineMs: number | undefined): { deadline: number } | undefined {
  return deadlineMs === undefined ? undefined : { deadline: Date.now() + deadlineMs };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Endorse, submit and wait for the commit of a transaction. An MVCC or
 * phantom read conflict at commit, or endorsements that diverged between
 * peers, is retried as a NEW transaction (new id, new endorsement), at most
 * `maxAttempts` times in all; any other failure, including a chaincode
 * refusal at endorsement, is thrown as is.
 */
export async function submit<T = any>(
  contract: Contract,
  name: string,
  args: string[],
  options: SubmitOptions = {},
): Promise<Submitted<T>> {
  const maxAttempts = options.maxAttempts ?? 12;
  for (let attempt = 1; ; attempt++) {
    const proposal = contract.newProposal(name, {
      arguments: args,
      ...(options.transientData ? { transientData: options.transientData } : {}),
      ...(options.endorsingOrganizations ? { endorsingOrganizations: options.endorsingOrganizations } : {}),
    });
    let transaction: Awaited<ReturnType<typeof proposal.endorse>>;
    try {
      transaction = await proposal.endorse(callOptions(options.deadlineMs));
    } catch (err) {
      if (!isDivergentEndorsement(err) || attempt >= maxAttempts) throw err;
      await pause(100 + Math.floor(Math.random() * 300));
      continue;
    }
    const commit = await transaction.submit(callOptions(options.deadlineMs));
    const status = await commit.getStatus(callOptions(options.deadlineMs));
    if (status.successful) {
      return {
        result: parse<T>(transaction.getResult()),
        attempts: attempt,
        transactionId: status.transactionId,
        blockNumber: status.blockNumber,
      };
    }
    if (!RETRYABLE_STATUS.has(status.code) || attempt >= maxAttempts) throw new CommitStatusFailure(status.code, status.transactionId);
    await pause(50 + Math.floor(Math.random() * 250));
  }
}

/** Evaluate a query and parse its JSON result. */
export async function evaluate<T = any>(contract: Contract, name: string, ...args: string[]): Promise<T> {
  return parse<T>(await contract.evaluateTransaction(name, ...args));
}

/** Evaluate a possibly slow query (a large trace) with its own deadline, and parse its JSON result. */
export async function evaluateWithin<T = any>(deadlineMs: number, contract: Contract, name: string, ...args: string[]): Promise<T> {
  return parse<T>(await contract.newProposal(name, { arguments: args }).evaluate({ deadline: Date.now() + deadlineMs }));
}

/** Run `fn` over `items`, `size` at a time, keeping every outcome (results in input order). */
export async function inBatches<I, O>(
  items: readonly I[],
  size: number,
  fn: (item: I, index: number) => Promise<O>,
): Promise<PromiseSettledResult<O>[]> {
  const out: PromiseSettledResult<O>[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.allSettled(items.slice(i, i + size).map((item, k) => fn(item, i + k)))));
  }
  return out;
}

/** Run `fn` over `items`, `size` at a time, and throw the first failure. */
export async function allInBatches<I, O>(items: readonly I[], size: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const settled = await inBatches(items, size, fn);
  return settled.map((s) => {
    if (s.status === 'rejected') throw new Error(describeError(s.reason));
    return s.value;
  });
}

/** Poll `fn` until it resolves, for at most `withinMs`; rethrows the last error. */
export async function eventually<T>(fn: () => Promise<T>, withinMs = 20_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await pause(everyMs);
    }
  }
}

/** A deterministic PRNG (mulberry32) so that a generated data set can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
