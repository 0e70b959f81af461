import { eventToHashedId } from 'epcis2.js';
import { epcisError } from './errors';

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
 * The GS1 CBV 2.0 event hash ID of an event, computed by epcis2.js. Prefixes
 * come from the document's `@context` and, after it (JSON-LD scoping), the
 * event's own `@context`, which epcis2.js does not read by itself. Empty
 * standard lists count as absent ({@link withoutEmptyLists}). An event the
 * library cannot hash is refused with 400 EPCIS_VALIDATION at `pointer`.
 */
export function eventHashId(event: Record<string, unknown>, context: unknown, pointer = ''): string {
  const scoped = [...entries(context), ...entries(event['@context'])];
  try {
    return eventToHashedId(withoutEmptyLists(event) as Record<string, unknown>, scoped);
  } catch (error) {
    const reason = `its CBV 2.0 event hash ID cannot be computed (${error instanceof Error ? error.message : String(error)})`;
    throw epcisError({
      status: 400,
      code: 'EPCIS_VALIDATION',
      title: 'Invalid EPCIS document',
      detail: `the event at ${pointer || '/'}: ${reason}; check its identifiers and lists`,
      violations: [{ pointer, reason }],
      cause: error,
    });
  }
}
