import {
  assertCanManageHold,
  assertCanRecordInspection,
  assertCanRecordQualityEvent,
  assertCanStartRecall,
  type Caller,
  recordedBy,
} from '../access';
import {
  canonicalDigest,
  canonicalJson,
  type ConfidentialDetailsInput,
  EVENTS,
  fail,
  type HoldInput,
  type InspectionInput,
  type QualityEventInput,
} from '@lotline/domain';
import type { Outcome } from '../events';
import { implicitCollection, KEYS } from '../keys';
import type { Ledger } from '../ledger';
import { requireLot, saveLot } from '../models/lot';
import {
  type ConfidentialRef,
  type FindingEvent,
  type HoldEvent,
  type InspectionEvent,
  type Measurement,
  putEvent,
  putLatestInspection,
  type RecallEvent,
  type ReleaseEvent,
  requireEvent,
} from '../models/quality-event';
import { type Recall, recallKey } from '../models/recall';

/**
 * Quality operations (inspections, findings, holds, releases, recalls), shared
 * by the Quality contract and EPCIS capture, so that both paths apply the same
 * rules and produce the same events. Each one loads the lot, checks the
 * caller's permission on it, decides, writes, and returns its result with the
 * event it produced. `eventId` is the new quality event's id: the transaction
 * id for a contract call, the transaction id plus a sequence suffix for each
 * operation of a capture.
 */

/** sha256 (hex) of the canonical (sorted-key, compact) JSON of `{measurements, salt}`. */
export function detailsHash(details: ConfidentialDetailsInput): string {
  return canonicalDigest(details);
}

function assertVerdictConsistent(verdict: InspectionInput['verdict'], measurements: readonly Measurement[]): void {
  if (verdict !== 'pass') return;
  const outside = measurements.find((m) => m.value < m.lower || m.value > m.upper);
  if (outside !== undefined) {
    throw fail(
      'INVALID_ARGUMENT',
      `verdict pass refused: ${outside.characteristic} = ${outside.value} ${outside.unit} is outside [${outside.lower}, ${outside.upper}]`,
    );
  }
}

/** Write confidential details to the recorder's and the counterparty's implicit collections; return the public reference. */
async function storeConfidential(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  eventId: string,
  counterpartyMsp: string,
  details: ConfidentialDetailsInput,
): Promise<ConfidentialRef> {
  const collections = [...new Set([caller.msp, counterpartyMsp])].sort().map(implicitCollection);
  const raw = Buffer.from(canonicalJson(details));
  const key = ledger.key(KEYS.confidentialDetails, [lotId, eventId]);
  for (const collection of collections) await ledger.putPrivate(collection, key, raw);
  return { counterpartyMsp, detailsHash: detailsHash(details), collections };
}

/**
 * Record an inspection. A `pass` verdict with a measurement outside its limits
 * is refused. With `details` (confidential), the measurements go to the
 * implicit collections and only their salted hash is public.
 */
export async function recordInspection(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  input: InspectionInput,
  eventId: string,
  details?: ConfidentialDetailsInput,
): Promise<Outcome<InspectionEvent>> {
  const lot = await requireLot(ledger, lotId);
  assertCanRecordInspection(caller, lot);
  if (details !== undefined && (input.measurements ?? []).length > 0) {
    throw fail('INVALID_ARGUMENT', 'a confidential inspection carries its measurements only in transient data');
  }
  const measurements = details?.measurements ?? input.measurements ?? [];
  assertVerdictConsistent(input.verdict, measurements);
  const confidential =
    details !== undefined && input.confidential !== undefined
      ? await storeConfidential(ledger, caller, lotId, eventId, input.confidential.counterpartyMsp, details)
      : undefined;
  const event: InspectionEvent = {
    docType: 'qualityEvent',
    type: 'inspection',
    eventId,
    lotId,
    verdict: input.verdict,
    measurements: confidential !== undefined ? [] : measurements,
    certificate: input.certificate,
    ...(input.notes !== undefined ? { notes: input.notes } : {}),
    ...(confidential !== undefined ? { confidential } : {}),
    recordedBy: recordedBy(caller),
    recordedAt: ledger.now,
  };
  await putEvent(ledger, event);
  await putLatestInspection(ledger, lotId, { eventId, verdict: event.verdict, recordedAt: event.recordedAt });
  return {
    result: event,
    event: {
      name: EVENTS.InspectionRecorded,
      fields: { lotId, eventId, verdict: event.verdict, confidential: confidential !== undefined },
    },
  };
}

/** Record a `nonconformance` or a `corrective_action` (which may name the nonconformance it corrects). */
export async function recordFinding(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  input: QualityEventInput,
  eventId: string,
): Promise<Outcome<FindingEvent>> {
  const lot = await requireLot(ledger, lotId);
  assertCanRecordQualityEvent(caller, lot);
  if (input.correctsEventId !== undefined) {
    if (input.type !== 'corrective_action') throw fail('INVALID_ARGUMENT', 'only a corrective_action may set correctsEventId');
    const corrected = await requireEvent(ledger, lotId, input.correctsEventId);
    if (corrected.type !== 'nonconformance') {
      throw fail('INVALID_ARGUMENT', `event ${input.correctsEventId} is a ${corrected.type}, not a nonconformance`);
    }
  }
  const event: FindingEvent = {
    docType: 'qualityEvent',
    eventId,
    lotId,
    ...input,
    recordedBy: recordedBy(caller),
    recordedAt: ledger.now,
  };
  await putEvent(ledger, event);
  return { result: event, event: { name: EVENTS.QualityEventRecorded, fields: { lotId, eventId, eventType: event.type } } };
}

/** Place a hold on a lot, optionally on all its descendants (`holdId` = the event id). */
export async function placeHold(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  input: HoldInput,
  holdId: string,
): Promise<Outcome<HoldEvent>> {
  const lot = await requireLot(ledger, lotId);
  assertCanManageHold(caller, lot);
  await saveLot(ledger, { ...lot, holds: [...lot.holds, { holdId, includeDescendants: input.includeDescendants }] });
  const event: HoldEvent = {
    docType: 'qualityEvent',
    type: 'hold',
    eventId: holdId,
    holdId,
    lotId,
    reason: input.reason,
    includeDescendants: input.includeDescendants,
    recordedBy: recordedBy(caller),
    recordedAt: ledger.now,
  };
  await putEvent(ledger, event);
  return { result: event, event: { name: EVENTS.HoldPlaced, fields: { lotId, holdId, includeDescendants: input.includeDescendants } } };
}

/** Release a hold in force (CONFLICT if already released). The hold event stays; a release event is added. */
export async function releaseHold(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  holdId: string,
  reason: string,
  eventId: string,
): Promise<Outcome<ReleaseEvent>> {
  const lot = await requireLot(ledger, lotId);
  assertCanManageHold(caller, lot);
  if (!lot.holds.some((h) => h.holdId === holdId)) {
    const event = await requireEvent(ledger, lotId, holdId);
    if (event.type === 'hold') throw fail('CONFLICT', `hold ${holdId} on lot ${lotId} is already released`);
    throw fail('NOT_FOUND', `lot ${lotId} has no hold ${holdId}`);
  }
  await saveLot(ledger, { ...lot, holds: lot.holds.filter((h) => h.holdId !== holdId) });
  const event: ReleaseEvent = {
    docType: 'qualityEvent',
    type: 'release',
    eventId,
    holdId,
    lotId,
    reason,
    recordedBy: recordedBy(caller),
    recordedAt: ledger.now,
  };
  await putEvent(ledger, event);
  return { result: event, event: { name: EVENTS.HoldReleased, fields: { lotId, holdId } } };
}

/**
 * Recall a lot (CONFLICT if it is already recalled or the recall id is taken).
 * This writes the recall record, the lot's recall mark and the recall event,
 * and nothing else: descendants are affected at read time, and the report of
 * affected lots is computed when the recall is read (GetRecall), so the write
 * transaction does not walk the lineage.
 */
export async function startRecall(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  input: { readonly reason: string; readonly recallId: string },
  eventId: string,
): Promise<Outcome<Recall>> {
  const lot = await requireLot(ledger, lotId);
  assertCanStartRecall(caller, lot);
  if (lot.recall !== null) throw fail('CONFLICT', `lot ${lotId} is already recalled by ${lot.recall.recallId}`);
  const { recallId, reason } = input;
  if ((await ledger.get(recallKey(ledger, recallId))) !== undefined) throw fail('CONFLICT', `recall ${recallId} already exists`);
  await saveLot(ledger, { ...lot, recall: { recallId, eventId } });
  const event: RecallEvent = {
    docType: 'qualityEvent',
    type: 'recall',
    eventId,
    recallId,
    lotId,
    reason,
    recordedBy: recordedBy(caller),
    recordedAt: ledger.now,
  };
  await putEvent(ledger, event);
  const recall: Recall = {
    docType: 'recall',
    recallId,
    sourceLotId: lotId,
    reason,
    startedAt: ledger.now,
    startedBy: recordedBy(caller),
    eventId,
  };
  await ledger.put(recallKey(ledger, recallId), recall);
  return { result: recall, event: { name: EVENTS.RecallStarted, fields: { lotId, recallId } } };
}
