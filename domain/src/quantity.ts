import Decimal from 'decimal.js';
import { fail } from './errors';

/**
 * Exact quantities. An amount travels as a JSON number; the ledger does every
 * sum and difference in integer millionths of a unit ("micro-units", bigint),
 * so nothing is rounded. A number is read as the shortest decimal that
 * round-trips to it (what `String(n)` prints: `16384.005`), which is the
 * decimal the sender wrote whenever it has at most 15 significant digits.
 *
 * The bounds make that hold for every accepted amount: more than 0, at most
 * 1 000 000 000, at most 6 decimals. Such an amount has at most 15
 * significant digits (999999999.999999), so it round-trips exactly through a
 * JS number and JSON, and its micro-units (at most 10^15 < 2^53) fit a JSON
 * number too, which is how balance shards store them.
 */

/** Decimals an amount may have: the ledger is exact to the millionth. */
export const AMOUNT_DECIMALS = 6;

/** The largest amount of one quantity. */
export const MAX_AMOUNT = 1_000_000_000;

/** An amount in integer millionths of its unit. */
export type Micro = bigint;

/** Micro-units per unit. */
export const MICRO_PER_UNIT: Micro = 1_000_000n;

/** Decimal arithmetic of our own (a clone), so that no other code's Decimal settings reach it; 40 digits hold any bigint here. */
const Exact = Decimal.clone({ precision: 40 });

/** The number of decimals of an amount, as the shortest decimal that round-trips to it (`16384.005` → 3). */
export function decimalsOf(amount: number): number {
  return new Exact(amount).decimalPlaces();
}

/** The message of an amount with too many decimals: it says the limit and what to do. */
export const TOO_MANY_DECIMALS = `has more than ${AMOUNT_DECIMALS} decimals: amounts are exact to the millionth, so round it to ${AMOUNT_DECIMALS} decimals`;

/**
 * Why an amount is not an acceptable quantity amount, or undefined when it is.
 * The message names the limit, for the caller to correct the input.
 */
export function amountProblem(amount: number): string | undefined {
  return boundsProblem(amount) ?? (decimalsOf(amount) > AMOUNT_DECIMALS ? TOO_MANY_DECIMALS : undefined);
}

function boundsProblem(amount: number): string | undefined {
  if (!Number.isFinite(amount)) return 'must be a finite number';
  if (amount <= 0) return 'must be greater than 0';
  if (amount > MAX_AMOUNT) return `must be at most ${MAX_AMOUNT}`;
  return undefined;
}

/**
 * The micro-units of a quantity amount.
 * @throws LotlineError INVALID_ARGUMENT, naming `what` and the limit, when the amount is outside the bounds.
 */
export function toMicro(amount: number, what = 'amount'): Micro {
  const refuse = (problem: string): never => {
    throw fail('INVALID_ARGUMENT', `${what} ${amount} ${problem}`);
  };
  const bounds = boundsProblem(amount);
  if (bounds !== undefined) refuse(bounds);
  const exact = new Exact(amount);
  if (exact.decimalPlaces() > AMOUNT_DECIMALS) refuse(TOO_MANY_DECIMALS);
  return BigInt(exact.times(MICRO_PER_UNIT.toString()).toFixed(0));
}

/** The amount of a count of micro-units, as a JS number (exact for every count up to the bounds). */
export function fromMicro(micro: Micro): number {
  return new Exact(micro.toString()).div(MICRO_PER_UNIT.toString()).toNumber();
}
