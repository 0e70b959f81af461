import { fail } from '@lotline/domain';

/** An amount with a UN/CEFACT common-code unit (KGM, EA, MTR, ...). */
export interface Quantity {
  readonly amount: number;
  readonly unit: string;
}

/** Amounts are kept exact as integer millionths ("micro-units") in balance arithmetic. */
export const MICRO_PER_UNIT = 1_000_000;

/** Convert an amount (at most 6 decimals, validated upstream) to integer micro-units. */
export function toMicro(amount: number): number {
  return Math.round(amount * MICRO_PER_UNIT);
}

/** Convert integer micro-units back to an amount. */
export function fromMicro(micro: number): number {
  return micro / MICRO_PER_UNIT;
}

/** Throw INVALID_ARGUMENT unless both quantities use the same unit. */
export function assertSameUnit(expected: string, actual: string, what: string): void {
  if (expected !== actual) throw fail('INVALID_ARGUMENT', `${what}: unit ${actual} differs from the lot's unit ${expected}`);
}
