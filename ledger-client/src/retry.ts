/**
 * The retry policy of the one retry loop ({@link submitTransaction}): which
 * failures a NEW transaction may cure, how many transactions to try, and the
 * jittered exponential pause between them.
 */
import type { LedgerError } from './errors';

/** How a submit is retried. */
export interface RetryPolicy {
  /** Transactions to try at most, the first one included (≥ 1). */
  readonly maxAttempts: number;
  /** The pause after the first failed attempt, before jitter; doubled after each further one. */
  readonly baseDelayMs: number;
  /** The largest pause, before jitter. */
  readonly maxDelayMs: number;
}

/**
 * The policy of production and of the tests alike. Ten attempts let 50
 * concurrent children of one parent lot all commit (each round of conflicts
 * commits some of them; the jitter spreads the rest).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 2000 };

/**
 * Whether a new transaction may cure the failure: an MVCC or phantom read
 * conflict at commit, or endorsements that diverged because the endorsing
 * peers were at different block heights. Nothing else is retried: a refusal
 * is final, an outcome-unknown transaction may have committed, and missing
 * endorsers are a readiness problem ({@link waitUntilEndorsable}).
 */
export function isRetryable(error: LedgerError): boolean {
  return error.reason === 'conflict' || error.reason === 'divergent-endorsement';
}

/**
 * The pause after `failedAttempts` failed attempts: half the exponential
 * ceiling plus a random part of the other half ("equal jitter").
 */
export function backoffMs(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A policy from partial settings, checked. */
export function retryPolicy(settings: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...settings };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, not ${policy.maxAttempts}`);
  }
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= policy.baseDelayMs)) {
    throw new RangeError(`need 0 ≤ baseDelayMs ≤ maxDelayMs, not ${policy.baseDelayMs} and ${policy.maxDelayMs}`);
  }
  return policy;
}
