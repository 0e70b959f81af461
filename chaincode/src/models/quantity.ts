import { fail } from '@lotline/domain';

/** An amount with a UN/CEFACT common-code unit (KGM, EA, MTR, ...). */
export interface Quantity {
  readonly amount: number;
  readonly unit: string;
}

/*
 * Amounts are exact: balance arithmetic is in bigint micro-units, converted by
 * `toMicro` / `fromMicro` of @lotline/domain (domain/src/quantity.ts).
 */

/** Throw INVALID_ARGUMENT unless both quantities use the same unit. */
export function assertSameUnit(expected: string, actual: string, what: string): void {
  if (expected !== actual) throw fail('INVALID_ARGUMENT', `${what}: unit ${actual} differs from the lot's unit ${expected}`);
}
