import { asRole, fail, type Role, WRITER_ROLES } from '@lotline/domain';
import type { Context } from 'fabric-contract-api';

/**
 * Identity and permission rules, all in one place (docs/design.md §3).
 *
 * Who a caller is comes only from the transaction's signing certificate: the
 * MSP ID, the certificate id, and the `role` attribute that the organisation's
 * Fabric CA put in the enrolment certificate. Nothing in the arguments can
 * change it.
 */

/** The organisation that runs the network and the public testing institute. */
export const CITY_MSP = 'CityMSP';

/** The caller of a transaction. `role` is undefined when the certificate has no valid role attribute. */
export interface Caller {
  readonly msp: string;
  readonly certId: string;
  readonly role: Role | undefined;
}

/** What quality events store about their recorder. `role` is null when the certificate has none. */
export interface RecordedBy {
  readonly msp: string;
  readonly certId: string;
  readonly role: Role | null;
}

/** Read the caller from the transaction's client identity. Unknown role values count as no role. */
export function callerOf(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  return { msp: identity.getMSPID(), certId: identity.getID(), role: asRole(identity.getAttributeValue('role')) };
}

/** The recorder stamp stored on quality events. */
export function recordedBy(caller: Caller): RecordedBy {
  return { msp: caller.msp, certId: caller.certId, role: caller.role ?? null };
}

/** The parties of a lot that permission rules look at. */
export interface LotParties {
  readonly id: string;
  readonly producer: string;
  readonly custodian: string;
}

function hasRole(caller: Caller, roles: readonly Role[]): boolean {
  return caller.role !== undefined && roles.includes(caller.role);
}

function deny(caller: Caller, action: string): never {
  throw fail('FORBIDDEN', `${caller.msp} ${caller.role ?? '(no role)'} may not ${action}`);
}

/** Any identity that is a member of the channel may read; the peer has already authenticated it. */
export function assertCanRead(_caller: Caller): void {
  // Reads are open to every channel member, whatever the role (auditor, or no role at all).
}

/** Create, split or import lots: an `admin`, `quality_manager` or `inspector` of the producing (calling) org. */
export function assertCanCreateLot(caller: Caller): void {
  if (!hasRole(caller, WRITER_ROLES)) deny(caller, 'create lots');
}

/** Consume an input lot: the input must be in the caller's custody. */
export function assertCanConsume(caller: Caller, input: LotParties): void {
  if (input.custodian !== caller.msp) deny(caller, `consume lot ${input.id} held by ${input.custodian}`);
}

/** Propose or cancel a custody transfer: an `admin` or `quality_manager` of the custodian org. */
export function assertCanProposeTransfer(caller: Caller, lot: LotParties): void {
  if (!hasRole(caller, ['admin', 'quality_manager'])) deny(caller, `transfer lot ${lot.id}`);
  if (lot.custodian !== caller.msp) deny(caller, `transfer lot ${lot.id} held by ${lot.custodian}`);
}

/** Accept or reject a custody transfer: an `admin` or `quality_manager` of the receiving org. */
export function assertCanRespondToTransfer(caller: Caller, lotId: string, toMsp: string): void {
  if (!hasRole(caller, ['admin', 'quality_manager'])) deny(caller, `answer the transfer of lot ${lotId}`);
  if (toMsp !== caller.msp) deny(caller, `answer a transfer of lot ${lotId} addressed to ${toMsp}`);
}

/** Record an inspection: the custodian org's `inspector`, or City's `inspector` (public testing institute) for any lot. */
export function assertCanRecordInspection(caller: Caller, lot: LotParties): void {
  if (!hasRole(caller, ['inspector'])) deny(caller, `record inspections on lot ${lot.id}`);
  if (caller.msp !== lot.custodian && caller.msp !== CITY_MSP) {
    deny(caller, `record inspections on lot ${lot.id} held by ${lot.custodian}`);
  }
}

/**
 * Record a nonconformance or corrective action: a `quality_manager` or `inspector`
 * of the custodian or producer org, or City's `inspector`.
 */
export function assertCanRecordQualityEvent(caller: Caller, lot: LotParties): void {
  if (!hasRole(caller, ['quality_manager', 'inspector'])) deny(caller, `record quality events on lot ${lot.id}`);
  const party = caller.msp === lot.custodian || caller.msp === lot.producer;
  const cityInspector = caller.msp === CITY_MSP && caller.role === 'inspector';
  if (!party && !cityInspector) deny(caller, `record quality events on lot ${lot.id}`);
}

/** Place or release a hold: a `quality_manager` of the custodian or producer org. */
export function assertCanManageHold(caller: Caller, lot: LotParties): void {
  if (!hasRole(caller, ['quality_manager'])) deny(caller, `place or release holds on lot ${lot.id}`);
  if (caller.msp !== lot.custodian && caller.msp !== lot.producer) {
    deny(caller, `place or release holds on lot ${lot.id}`);
  }
}

/** Start a recall: a `quality_manager` of the producer org. */
export function assertCanStartRecall(caller: Caller, lot: LotParties): void {
  if (!hasRole(caller, ['quality_manager'])) deny(caller, `recall lot ${lot.id}`);
  if (caller.msp !== lot.producer) deny(caller, `recall lot ${lot.id} produced by ${lot.producer}`);
}

/** Read confidential inspection details: members of the recorder org or the named counterparty org. */
export function assertCanReadConfidential(caller: Caller, recorderMsp: string, counterpartyMsp: string): void {
  if (caller.msp !== recorderMsp && caller.msp !== counterpartyMsp) deny(caller, 'read these confidential details');
}

/** Who owns a GS1 company prefix, from the participant registry. */
export interface Gs1PrefixOwner {
  readonly prefix: string;
  readonly msp: string;
}

/**
 * Create a lot or container identified by a GS1 key (LGTIN, SGTIN, SSCC): only
 * the organisation whose participant record lists its company prefix.
 */
export function assertOwnsGs1Prefix(caller: Caller, identifier: string, owner: Gs1PrefixOwner | undefined): void {
  if (owner === undefined) {
    throw fail(
      'FORBIDDEN',
      `${identifier}: its GS1 company prefix is registered to no organisation; the City admin must add it to the gs1CompanyPrefixes of ${caller.msp}'s participant record first`,
    );
  }
  if (owner.msp !== caller.msp) {
    throw fail('FORBIDDEN', `${identifier}: GS1 company prefix ${owner.prefix} belongs to ${owner.msp}; only ${owner.msp} may create it`);
  }
}

/** Maintain the participant registry: City `admin` only. */
export function assertCanManageParticipants(caller: Caller): void {
  if (caller.msp !== CITY_MSP || caller.role !== 'admin') deny(caller, 'maintain the participant registry');
}
