import type { RecordedBy } from '../access';
import type { Ledger } from '../ledger';

/**
 * Ledger records of captured EPCIS events.
 *
 * Each captured event is stored once, under its GS1 CBV event hash ID. Error
 * declarations (the same event restated with an `errorDeclaration`, hence the
 * same hash ID) are stored beside it, each under its own key, and never
 * replace the original.
 */

/** Composite-key object types of the EPCIS records. */
export const EPCIS_KEYS = {
  /** [hashId] → StoredEvent. */
  event: 'epcis~event',
  /** [hashId, txId, index] → ErrorDeclarationRecord. */
  declaration: 'epcis~decl',
  /** [role, classKey, hashId] → `{hashId}`; role `any`, `input` or `output` (MATCH_*EPCClass). */
  classIndex: 'epcis~class',
  /** [epcKey, hashId] → `{hashId}` (MATCH_anyEPC). */
  epcIndex: 'epcis~epc',
  /** [lotId, hashId] → `{hashId}`: the events that touched a lot. */
  lotIndex: 'epcis~lot',
  /** [containerKey, childLotId] → Containment; scan by container for its contents. */
  contains: 'epcis~contains',
  /** [childLotId, containerKey] → Containment; scan by lot for the containers holding it. */
  containedIn: 'epcis~containedin',
  /** [containerKey] → Container: who owns a container. */
  container: 'epcis~container',
} as const;

/** What a capture did with one event. */
export type OperationKind =
  | 'lot_created'
  | 'input_lot_recorded'
  | 'lot_restated'
  | 'inspection'
  | 'nonconformance'
  | 'hold'
  | 'recall'
  | 'transfer_proposed'
  | 'transfer_accepted'
  | 'contained'
  | 'uncontained';

/** One ledger operation that a captured event caused. */
export interface Operation {
  readonly kind: OperationKind;
  readonly lotId: string;
  /** The counterpart: the receiving org of a transfer, the container of a containment, the quality event id. */
  readonly ref?: string;
}

/** A captured event as stored on the ledger. */
export interface StoredEvent {
  readonly docType: 'epcisEvent';
  readonly hashId: string;
  readonly eventID: string | null;
  readonly type: string;
  /** The event exactly as captured (JSON object, without un-namespaced comment keys). */
  readonly event: Record<string, unknown>;
  /** The capture document's `@context`, to interpret the event's prefixes. */
  readonly context: unknown;
  /** eventTime in milliseconds since the epoch (UTC), for time queries. */
  readonly eventTimeMs: number;
  /** bizStep and disposition reduced to the CBV word when they are CBV values. */
  readonly bizStep: string | null;
  readonly disposition: string | null;
  /** The lots the event created or touched. */
  readonly lotIds: readonly string[];
  readonly operations: readonly Operation[];
  readonly recordedBy: RecordedBy;
  /** The capture transaction's time: the event's EPCIS recordTime. */
  readonly recordedAt: string;
  readonly captureTxId: string;
}

/** An error declaration about a stored (or unknown) event. */
export interface ErrorDeclarationRecord {
  readonly docType: 'epcisErrorDeclaration';
  readonly hashId: string;
  readonly eventID: string | null;
  readonly declarationTime: string | null;
  readonly reason: string | null;
  readonly correctiveEventIDs: readonly string[];
  /** The declaring event as captured. */
  readonly event: Record<string, unknown>;
  readonly context: unknown;
  /** Whether the declared event is on this ledger. */
  readonly declaredEventKnown: boolean;
  readonly recordedBy: RecordedBy;
  readonly recordedAt: string;
  readonly captureTxId: string;
}

/** A containment edge from an AggregationEvent: a container (SSCC, GRAI...) holds a lot. */
export interface Containment {
  readonly container: string;
  readonly containerKey: string;
  readonly lotId: string;
  readonly quantity: { readonly amount: number; readonly unit: string } | null;
  readonly hashId: string;
  readonly recordedAt: string;
}

/**
 * A container (SSCC, SGTIN, GRAI...) that lots were packed into, and the
 * organisation that owns it: the first packer, or since `since` an
 * organisation that held everything in it when it packed into it.
 */
export interface Container {
  readonly docType: 'epcisContainer';
  readonly container: string;
  readonly containerKey: string;
  readonly owner: string;
  readonly since: string;
  readonly sinceTxId: string;
}

/** The key of a container record. */
export function containerKeyOf(ledger: Ledger, containerKey: string): string {
  return ledger.key(EPCIS_KEYS.container, [containerKey]);
}

/** Read a container record, or undefined when nothing was ever packed into it. */
export async function findContainer(ledger: Ledger, containerKey: string): Promise<Container | undefined> {
  return ledger.get<Container>(containerKeyOf(ledger, containerKey));
}

/** The key of a stored event. */
export function eventKey(ledger: Ledger, hashId: string): string {
  return ledger.key(EPCIS_KEYS.event, [hashId]);
}

/** Read a stored event, or undefined. */
export async function findEvent(ledger: Ledger, hashId: string): Promise<StoredEvent | undefined> {
  return ledger.get<StoredEvent>(eventKey(ledger, hashId));
}

/** The error declarations recorded for an event hash, oldest first. */
export async function declarationsOf(ledger: Ledger, hashId: string, limit: number): Promise<ErrorDeclarationRecord[]> {
  const entries = await ledger.scan<ErrorDeclarationRecord>(EPCIS_KEYS.declaration, [hashId], limit);
  return entries.map((e) => e.value).sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
}

/** The lots a container holds (current containment), in key order. */
export async function contentsOf(ledger: Ledger, containerKey: string, limit: number): Promise<Containment[]> {
  return (await ledger.scan<Containment>(EPCIS_KEYS.contains, [containerKey], limit)).map((e) => e.value);
}

/** The containers holding a lot, in key order. */
export async function containersOf(ledger: Ledger, lotId: string, limit: number): Promise<Containment[]> {
  return (await ledger.scan<Containment>(EPCIS_KEYS.containedIn, [lotId], limit)).map((e) => e.value);
}
