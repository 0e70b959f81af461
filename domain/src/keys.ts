/**
 * Fabric composite keys, as `ChaincodeStub.createCompositeKey` builds them:
 * U+0000, the object type, then each attribute, each followed by U+0000.
 * Clients use these to name the world-state keys the chaincode writes.
 */

const DELIMITER = '\u0000';

/** The composite key of an object type and its attributes (`\u0000type\u0000attr\u0000…`). */
export function compositeKey(objectType: string, attributes: readonly string[]): string {
  return DELIMITER + [objectType, ...attributes].map((part) => part + DELIMITER).join('');
}

/** A composite key's parts. A simple key (no leading U+0000) is one attribute with an empty object type. */
export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
  if (!key.startsWith(DELIMITER)) return { objectType: '', attributes: [key] };
  const parts = key.slice(1, key.endsWith(DELIMITER) ? -1 : undefined).split(DELIMITER);
  return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
}
