/**
 * Roles. Each organisation's Fabric CA writes one of these as the `role`
 * attribute of an enrolment certificate; the chaincode reads it from the
 * signer's certificate, and the API, the network tools and the clients name
 * users by it.
 */

/** Every role, in the order the documentation lists them. */
export const ROLES = ['admin', 'quality_manager', 'inspector', 'auditor'] as const;

/** A role from an enrolment certificate. */
export type Role = (typeof ROLES)[number];

/** The role a raw attribute value names, or undefined for a missing or unknown value (which counts as no role). */
export function asRole(value: unknown): Role | undefined {
  return ROLES.find((role) => role === value);
}

/** Roles that may write to the ledger (create lots, capture EPCIS events); `auditor` and role-less identities only read. */
export const WRITER_ROLES = ['admin', 'quality_manager', 'inspector'] as const satisfies readonly Role[];
