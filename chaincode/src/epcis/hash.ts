import { eventToHashedId } from 'epcis2.js';
import { fail } from '@lotline/domain';

/**
 * The GS1 CBV 2.0 event hash ID of an EPCIS event, computed by the chaincode
 * itself: a capture never trusts an id that its caller supplies.
 *
 * epcis2.js (GS1 France / EVRYTHNG, Apache-2.0) implements the CBV 2.0
 * algorithm. It is deterministic: the result depends only on the event and the
 * context (no clock, no randomness, no I/O); dates are normalised with the
 * JavaScript `Date` parser, identical on every endorser because they all run
 * this chaincode on the same Node.js. The API imports this same function
 * (`@lotline/chaincode/dist/epcis/hash`) to list duplicates before submitting.
 */

/** A GS1 CBV 2.0 event hash ID: `ni:///sha-256;<64 hex>?ver=CBV2.0`. */
export const EVENT_HASH_ID = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;

function entries(context: unknown): unknown[] {
  if (Array.isArray(context)) return context;
  return context === undefined || context === null ? [] : [context];
}

/**
 * The event without its empty standard lists (`epcList: []`, `childEPCs: []`,
 * `quantityList: []`, `bizTransactionList: []` ...), at any depth. In the CBV
 * 2.0 hash algorithm a list contributes only its elements to the pre-hash
 * string, so an empty list contributes nothing: the same as an absent one.
 * epcis2.js 2.7.3 throws on them instead (`undefined is not iterable`).
 * Namespaced extension fields (`ex:field`) are kept as they are: epcis2.js
 * hashes them, empty or not.
 */
export function withoutEmptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyLists);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && child.length === 0 && !key.includes(':')) continue;
    out[key] = withoutEmptyLists(child);
  }
  return out;
}

/**
 * The CBV 2.0 hash ID of `event` under the document's `@context` and, after it
 * (JSON-LD scoping), the event's own `@context`, which epcis2.js does not read
 * by itself. Throws the library's own error when it cannot hash the event.
 */
export function computeEventHashId(event: Record<string, unknown>, context: unknown): string {
  const scoped = [...entries(context), ...entries(event['@context'])];
  const hashId: unknown = eventToHashedId(withoutEmptyLists(event) as Record<string, unknown>, scoped);
  if (typeof hashId !== 'string' || !EVENT_HASH_ID.test(hashId)) throw new Error(`epcis2.js returned ${String(hashId)}`);
  return hashId;
}

/** {@link computeEventHashId}, or INVALID_ARGUMENT naming the event (at `pointer`) when it cannot be hashed. */
export function eventHashId(event: Record<string, unknown>, context: unknown, pointer = 'event'): string {
  try {
    return computeEventHashId(event, context);
  } catch (error) {
    const reason = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    throw fail(
      'INVALID_ARGUMENT',
      `${pointer}: the CBV 2.0 event hash cannot be computed (${reason}); check the event's identifiers and lists`,
    );
  }
}
