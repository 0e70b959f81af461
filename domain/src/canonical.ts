import { createHash } from 'node:crypto';
import stringify from 'json-stringify-deterministic';

/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit) at every level, no
 * whitespace, `undefined` members left out. It is the only form the chaincode
 * writes to the ledger, so that every endorser produces the same bytes, and
 * the form that digests of records are taken over.
 */
export function canonicalJson(value: unknown): string {
  return stringify(value);
}

/** sha256 (lowercase hex) of a value's canonical JSON: what proofs and confidential-detail hashes compare. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
