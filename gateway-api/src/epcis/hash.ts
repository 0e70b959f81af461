import { eventToHashedId } from 'epcis2.js';

function entries(context: unknown): unknown[] {
  if (Array.isArray(context)) return context;
  return context === undefined || context === null ? [] : [context];
}

/**
 * The GS1 CBV 2.0 event hash ID of an event, computed by epcis2.js. Prefixes
 * come from the document's `@context` and, after it (JSON-LD scoping), the
 * event's own `@context`, which epcis2.js does not read by itself.
 */
export function eventHashId(event: Record<string, unknown>, context: unknown): string {
  const scoped = [...entries(context), ...entries(event['@context'])];
  return eventToHashedId(structuredClone(event), scoped);
}
