import { createHash } from 'node:crypto';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Canonical JSON: keys sorted at every level, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The digest the proof compares: sha256 (hex) of a record's canonical JSON.
 * A client computes it over the record it holds and passes it as `?expect=`.
 */
export function recordDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
