/**
 * Helpers for the ledger integration specs. Submits and evaluations go
 * through @lotline/ledger-client, the client that production uses, with the
 * same retry policy: conflicts and divergent endorsements are retried there,
 * as new transactions, and nowhere else. Also: reading the chaincode's code
 * off an error, and running independent calls concurrently in small batches.
 */
import { expect } from 'chai';
import type { Contract } from '@hyperledger/fabric-gateway';
import type { ErrorCode } from '@lotline/domain';
import {
  chaincodeCodeOf,
  describeError,
  evaluateTransaction,
  LedgerError,
  messagesOf,
  submitTransaction,
  type Submitted,
  type TransactionOptions,
} from '@lotline/ledger-client';

export { describeError, type Submitted };

/** A chaincode error code. */
export type ChaincodeCode = ErrorCode;

/** The chaincode code carried by an error: the ledger client's, or read off a raw fabric-gateway error. */
export function errorCode(err: unknown): ChaincodeCode | undefined {
  if (err instanceof LedgerError) return err.chaincodeCode;
  return chaincodeCodeOf(messagesOf(err))?.code;
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

/** Options for {@link submit}: what the ledger client sends, in the specs' spelling. */
export interface SubmitOptions {
  readonly transientData?: TransactionOptions['transientData'];
  readonly endorsingOrganizations?: readonly string[];
  /** Deadline of each stage, in ms, for bulk work (default: the connection's own). */
  readonly deadlineMs?: number;
}

/**
 * Endorse, submit and wait for the commit of a transaction, through the
 * ledger client with the production retry policy; failures are the client's
 * stage errors (a chaincode refusal carries `chaincodeCode`).
 */
export function submit<T = any>(contract: Contract, name: string, args: string[], options: SubmitOptions = {}): Promise<Submitted<T>> {
  return submitTransaction<T>(contract, name, { arguments: args, ...options });
}

/** Evaluate a query and parse its JSON result. */
export function evaluate<T = any>(contract: Contract, name: string, ...args: string[]): Promise<T> {
  return evaluateTransaction<T>(contract, name, args);
}

/** Evaluate a possibly slow query (a large trace) with its own deadline, and parse its JSON result. */
export function evaluateWithin<T = any>(deadlineMs: number, contract: Contract, name: string, ...args: string[]): Promise<T> {
  return evaluateTransaction<T>(contract, name, args, { deadlineMs });
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

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
