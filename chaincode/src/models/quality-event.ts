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

/** The largest number of events ListQualityEvents returns. */
export const MAX_EVENTS_PER_LOT = 1000;

/** The key of a quality event. */
export function eventKey(ledger: Ledger, lotId: string, eventId: string): string {
  return ledger.key(KEYS.qualityEvent, [lotId, eventId]);
}

/** Store a quality event under its own key. */
export async function putEvent(ledger: Ledger, event: QualityEvent): Promise<void> {
  await ledger.put(eventKey(ledger, event.lotId, event.eventId), event);
}

/** Read a quality event of a lot, or throw NOT_FOUND. */
export async function requireEvent(ledger: Ledger, lotId: string, eventId: string): Promise<QualityEvent> {
  const event = await ledger.get<QualityEvent>(eventKey(ledger, lotId, eventId));
  if (event === undefined) throw fail('NOT_FOUND', `lot ${lotId} has no quality event ${eventId}`);
  return event;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A lot's quality events, oldest first (by transaction time, then id), at most MAX_EVENTS_PER_LOT. */
export async function listEvents(ledger: Ledger, lotId: string): Promise<{ events: QualityEvent[]; truncated: boolean }> {
  const entries = await ledger.scan<QualityEvent>(KEYS.qualityEvent, [lotId], MAX_EVENTS_PER_LOT + 1);
  const events = entries.slice(0, MAX_EVENTS_PER_LOT).map((e) => e.value);
  events.sort((a, b) => compare(a.recordedAt, b.recordedAt) || compare(a.eventId, b.eventId));
  return { events, truncated: entries.length > MAX_EVENTS_PER_LOT };
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
