import { fail } from '@lotline/domain';
import { KEYS, LOT_RECORDS } from '../keys';
import type { RecordedBy } from '../access';
import type { Ledger } from '../ledger';

/** Kinds of quality event. */
export type QualityEventType = 'inspection' | 'nonconformance' | 'corrective_action' | 'hold' | 'release' | 'recall';

/** One measurement of an inspection. */
export interface Measurement {
  readonly characteristic: string;
  readonly value: number;
  readonly unit: string;
  readonly lower: number;
  readonly upper: number;
}

/** Fields every quality event carries. `eventId` is the id of the recording transaction. */
interface EventBase {
  readonly docType: 'qualityEvent';
  readonly eventId: string;
  readonly lotId: string;
  readonly recordedBy: RecordedBy;
  readonly recordedAt: string;
}

/** Where confidential measurements went, and the salted hash that binds them. */
export interface ConfidentialRef {
  readonly counterpartyMsp: string;
  /** sha256 hex of the canonical JSON of `{measurements, salt}`. */
  readonly detailsHash: string;
  readonly collections: readonly string[];
}

/** An inspection result. Measurements are empty on the public record when `confidential` is set. */
export interface InspectionEvent extends EventBase {
  readonly type: 'inspection';
  readonly verdict: 'pass' | 'fail' | 'conditional';
  readonly measurements: readonly Measurement[];
  readonly certificate: { readonly sha256: string; readonly uri: string };
  readonly notes?: string;
  readonly confidential?: ConfidentialRef;
}

/** A nonconformance or a corrective action. */
export interface FindingEvent extends EventBase {
  readonly type: 'nonconformance' | 'corrective_action';
  readonly description: string;
  readonly reference?: string;
  readonly correctsEventId?: string;
}

/** A hold placed on the lot; `holdId` equals `eventId`. */
export interface HoldEvent extends EventBase {
  readonly type: 'hold';
  readonly holdId: string;
  readonly reason: string;
  readonly includeDescendants: boolean;
}

/** The release of an earlier hold. */
export interface ReleaseEvent extends EventBase {
  readonly type: 'release';
  readonly holdId: string;
  readonly reason: string;
}

/** The start of a recall of this lot. */
export interface RecallEvent extends EventBase {
  readonly type: 'recall';
  readonly recallId: string;
  readonly reason: string;
}

/** Any quality event. */
export type QualityEvent = InspectionEvent | FindingEvent | HoldEvent | ReleaseEvent | RecallEvent;

/** Pointer to a lot's latest inspection, kept so reads and traces need not scan events. */
export interface LatestInspection {
  readonly eventId: string;
  readonly verdict: InspectionEvent['verdict'];
  readonly recordedAt: string;
}

/** The largest page ListQualityEvents returns. */
export const MAX_EVENTS_PAGE = 1000;

/**
 * The key of a quality event: `qe [lotId, recordedAt, eventId]`. The ISO-8601
 * transaction time (fixed width, UTC) sorts lexically in time order, so a key
 * scan lists a lot's events oldest first however many there are; events of one
 * transaction (an EPCIS capture) follow in eventId order.
 */
export function eventKey(ledger: Ledger, lotId: string, recordedAt: string, eventId: string): string {
  return ledger.key(KEYS.qualityEvent, [lotId, recordedAt, eventId]);
}

/** The key of the pointer from an event id to its time-ordered key: `qe~id [lotId, eventId]` → `{recordedAt}`. */
function eventIdKey(ledger: Ledger, lotId: string, eventId: string): string {
  return ledger.key(KEYS.qualityEventId, [lotId, eventId]);
}

/** Store a quality event under its time-ordered key, with the pointer from its id. */
export async function putEvent(ledger: Ledger, event: QualityEvent): Promise<void> {
  await ledger.put(eventKey(ledger, event.lotId, event.recordedAt, event.eventId), event);
  await ledger.put(eventIdKey(ledger, event.lotId, event.eventId), { recordedAt: event.recordedAt });
}

/** Read a quality event of a lot by id (two GetStates), or throw NOT_FOUND. */
export async function requireEvent(ledger: Ledger, lotId: string, eventId: string): Promise<QualityEvent> {
  const pointer = await ledger.get<{ recordedAt: string }>(eventIdKey(ledger, lotId, eventId));
  const event = pointer !== undefined ? await ledger.get<QualityEvent>(eventKey(ledger, lotId, pointer.recordedAt, eventId)) : undefined;
  if (event === undefined) throw fail('NOT_FOUND', `lot ${lotId} has no quality event ${eventId}`);
  return event;
}

/** One page of a lot's quality events, oldest first, and the bookmark of the next page ('' after the last). */
export async function listEvents(
  ledger: Ledger,
  lotId: string,
  pageSize: number,
  bookmark: string,
): Promise<{ events: QualityEvent[]; bookmark: string }> {
  const page = await ledger.page<QualityEvent>(KEYS.qualityEvent, [lotId], pageSize, bookmark);
  return { events: page.entries.map((e) => e.value), bookmark: page.bookmark };
}

/** The key of a lot's latest-inspection pointer: `lot [lotId, "inspection"]`. */
export function latestInspectionKey(ledger: Ledger, lotId: string): string {
  return ledger.key(KEYS.lot, [lotId, LOT_RECORDS.inspection]);
}

/** Overwrite the latest-inspection pointer (a blind write: it never causes a read conflict). */
export async function putLatestInspection(ledger: Ledger, lotId: string, latest: LatestInspection): Promise<void> {
  await ledger.put(latestInspectionKey(ledger, lotId), latest);
}

/** Read a lot's latest inspection pointer, or null. */
export async function findLatestInspection(ledger: Ledger, lotId: string): Promise<LatestInspection | null> {
  return (await ledger.get<LatestInspection>(latestInspectionKey(ledger, lotId))) ?? null;
}
