import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  assertCanManageHold,
  assertCanRead,
  assertCanReadConfidential,
  assertCanRecordInspection,
  assertCanRecordQualityEvent,
  assertCanStartRecall,
  type Caller,
  callerOf,
  recordedBy,
} from '../access';
import {
  canonicalDigest,
  canonicalJson,
  type ConfidentialDetailsInput,
  EVENTS,
  fail,
  type InspectionInput,
  schemas,
  TRANSIENT_DETAILS_KEY,
} from '@lotline/domain';
import { emitEvent } from '../events';
import { implicitCollection, KEYS } from '../keys';
import { Ledger } from '../ledger';
import { LineageReader, MAX_TRACE_DEPTH, MAX_TRACE_NODES, summarise, walk } from '../lineage';
import { requireLot, saveLot } from '../models/lot';
import {
  type ConfidentialRef,
  type FindingEvent,
  type HoldEvent,
  type InspectionEvent,
  listEvents,
  type Measurement,
  putEvent,
  putLatestInspection,
  type RecallEvent,
  type ReleaseEvent,
  requireEvent,
} from '../models/quality-event';
import { type Recall, recallKey, requireRecall } from '../models/recall';
import { parseJson, validate } from '../validation';

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

function readTransientDetails(ledger: Ledger): ConfidentialDetailsInput {
  const bytes = ledger.transient(TRANSIENT_DETAILS_KEY);
  if (bytes === undefined) {
    throw fail('INVALID_ARGUMENT', `confidential inspection needs transient data "${TRANSIENT_DETAILS_KEY}" with {measurements, salt}`);
  }
  return parseJson(schemas.confidentialDetails, bytes.toString('utf8'), `transient ${TRANSIENT_DETAILS_KEY}`);
}

/** Write confidential details to the recorder's and the counterparty's implicit collections; return the public reference. */
async function storeConfidential(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  counterpartyMsp: string,
  details: ConfidentialDetailsInput,
): Promise<ConfidentialRef> {
  const collections = [...new Set([caller.msp, counterpartyMsp])].sort().map(implicitCollection);
  const raw = Buffer.from(canonicalJson(details));
  const key = ledger.key(KEYS.confidentialDetails, [lotId, ledger.txId]);
  for (const collection of collections) await ledger.putPrivate(collection, key, raw);
  return { counterpartyMsp, detailsHash: detailsHash(details), collections };
}

async function requireConfidentialInspection(
  ledger: Ledger,
  lotId: string,
  eventId: string,
): Promise<InspectionEvent & { confidential: ConfidentialRef }> {
  const event = await requireEvent(ledger, lotId, eventId);
  if (event.type !== 'inspection' || event.confidential === undefined) {
    throw fail('NOT_FOUND', `event ${eventId} of lot ${lotId} has no confidential details`);
  }
  return event as InspectionEvent & { confidential: ConfidentialRef };
}

async function readOwnDetails(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  eventId: string,
): Promise<{ details: unknown; collection: string }> {
  const collection = implicitCollection(caller.msp);
  const found = await ledger.getPrivate(collection, ledger.key(KEYS.confidentialDetails, [lotId, eventId]));
  if (found === undefined) throw fail('NOT_FOUND', `no confidential details for event ${eventId} in ${collection}`);
  return { details: found.value, collection };
}

/** The report of a recall, with each listed lot's current state read through `reader`. */
async function recallReport(reader: LineageReader, recall: Recall): Promise<unknown> {
  const affected = [];
  for (const { lotId, depth } of recall.scope) {
    const lot = await reader.load(lotId);
    if (lot === undefined) continue;
    const summary = await summarise(reader, lot);
    affected.push({ lotId, custodian: summary.custodian, producer: summary.producer, status: summary.status, depth });
  }
  return {
    recallId: recall.recallId,
    sourceLotId: recall.sourceLotId,
    reason: recall.reason,
    startedAt: recall.startedAt,
    startedBy: recall.startedBy,
    eventId: recall.eventId,
    affected,
    truncated: recall.truncated,
  };
}

/** Quality events: inspections (optionally confidential), findings, holds, releases and recalls. */
@Info({ title: 'Quality', description: 'Inspections, nonconformances, holds and recalls' })
export class QualityContract extends Contract {
  constructor() {
    super('Quality');
  }

  /**
   * Record an inspection. A `pass` verdict with a measurement outside its
   * limits is refused. With `confidential`, measurements come from the
   * transient `details` entry and only their salted hash is public.
   * Returns the public event.
   */
  @Transaction()
  @Returns('string')
  async RecordInspection(ctx: Context, lotId: string, inspectionJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.inspection, inspectionJson, 'inspection');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanRecordInspection(caller, lot);

    const details = input.confidential !== undefined ? readTransientDetails(ledger) : undefined;
    if (details !== undefined && (input.measurements ?? []).length > 0) {
      throw fail('INVALID_ARGUMENT', 'a confidential inspection carries its measurements only in transient data');
    }
    const measurements = details?.measurements ?? input.measurements ?? [];
    assertVerdictConsistent(input.verdict, measurements);

    const confidential =
      details !== undefined && input.confidential !== undefined
        ? await storeConfidential(ledger, caller, id, input.confidential.counterpartyMsp, details)
        : undefined;
    const event: InspectionEvent = {
      docType: 'qualityEvent',
      type: 'inspection',
      eventId: ledger.txId,
      lotId: id,
      verdict: input.verdict,
      measurements: confidential !== undefined ? [] : measurements,
      certificate: input.certificate,
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
      ...(confidential !== undefined ? { confidential } : {}),
      recordedBy: recordedBy(caller),
      recordedAt: ledger.now,
    };
    await putEvent(ledger, event);
    await putLatestInspection(ledger, id, { eventId: event.eventId, verdict: event.verdict, recordedAt: event.recordedAt });
    emitEvent(ctx, EVENTS.InspectionRecorded, {
      lotId: id,
      eventId: event.eventId,
      verdict: event.verdict,
      confidential: confidential !== undefined,
    });
    return canonicalJson(event);
  }

  /** Record a `nonconformance` or a `corrective_action` (which may name the nonconformance it corrects). */
  @Transaction()
  @Returns('string')
  async RecordQualityEvent(ctx: Context, lotId: string, eventJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.qualityEvent, eventJson, 'event');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanRecordQualityEvent(caller, lot);
    if (input.correctsEventId !== undefined) {
      if (input.type !== 'corrective_action') throw fail('INVALID_ARGUMENT', 'only a corrective_action may set correctsEventId');
      const corrected = await requireEvent(ledger, id, input.correctsEventId);
      if (corrected.type !== 'nonconformance') {
        throw fail('INVALID_ARGUMENT', `event ${input.correctsEventId} is a ${corrected.type}, not a nonconformance`);
      }
    }
    const event: FindingEvent = {
      docType: 'qualityEvent',
      eventId: ledger.txId,
      lotId: id,
      ...input,
      recordedBy: recordedBy(caller),
      recordedAt: ledger.now,
    };
    await putEvent(ledger, event);
    emitEvent(ctx, EVENTS.QualityEventRecorded, { lotId: id, eventId: event.eventId, eventType: event.type });
    return canonicalJson(event);
  }

  /** Place a hold on a lot, optionally on all its descendants. Returns the hold event (`holdId` = its eventId). */
  @Transaction()
  @Returns('string')
  async PlaceHold(ctx: Context, lotId: string, holdJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.hold, holdJson, 'hold');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanManageHold(caller, lot);
    const holdId = ledger.txId;
    await saveLot(ledger, { ...lot, holds: [...lot.holds, { holdId, includeDescendants: input.includeDescendants }] });
    const event: HoldEvent = {
      docType: 'qualityEvent',
      type: 'hold',
      eventId: holdId,
      holdId,
      lotId: id,
      reason: input.reason,
      includeDescendants: input.includeDescendants,
      recordedBy: recordedBy(caller),
      recordedAt: ledger.now,
    };
    await putEvent(ledger, event);
    emitEvent(ctx, EVENTS.HoldPlaced, { lotId: id, holdId, includeDescendants: input.includeDescendants });
    return canonicalJson(event);
  }

  /** Release a hold. The hold event stays; a release event is added. Returns the release event. */
  @Transaction()
  @Returns('string')
  async ReleaseHold(ctx: Context, lotId: string, holdId: string, reason: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const hold = validate(schemas.eventId, holdId, 'holdId');
    const why = validate(schemas.reason, reason, 'reason');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanManageHold(caller, lot);
    if (!lot.holds.some((h) => h.holdId === hold)) {
      const event = await requireEvent(ledger, id, hold);
      if (event.type === 'hold') throw fail('CONFLICT', `hold ${hold} on lot ${id} is already released`);
      throw fail('NOT_FOUND', `lot ${id} has no hold ${hold}`);
    }
    await saveLot(ledger, { ...lot, holds: lot.holds.filter((h) => h.holdId !== hold) });
    const event: ReleaseEvent = {
      docType: 'qualityEvent',
      type: 'release',
      eventId: ledger.txId,
      holdId: hold,
      lotId: id,
      reason: why,
      recordedBy: recordedBy(caller),
      recordedAt: ledger.now,
    };
    await putEvent(ledger, event);
    emitEvent(ctx, EVENTS.HoldReleased, { lotId: id, holdId: hold });
    return canonicalJson(event);
  }

  /**
   * Recall a lot. Every descendant (found breadth-first within the trace caps)
   * is listed in the report with its custodian, and reads and traces show it
   * as affected. Returns the recall report.
   */
  @Transaction()
  @Returns('string')
  async StartRecall(ctx: Context, lotId: string, recallJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.recall, recallJson, 'recall');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanStartRecall(caller, lot);
    if (lot.recall !== null) throw fail('CONFLICT', `lot ${id} is already recalled by ${lot.recall.recallId}`);
    const recallId = input.recallId ?? ledger.txId;
    if ((await ledger.get(recallKey(ledger, recallId))) !== undefined) throw fail('CONFLICT', `recall ${recallId} already exists`);

    const scope = await walk(new LineageReader(ledger), id, 'forward', MAX_TRACE_DEPTH, MAX_TRACE_NODES);
    const eventId = ledger.txId;
    await saveLot(ledger, { ...lot, recall: { recallId, eventId } });
    const event: RecallEvent = {
      docType: 'qualityEvent',
      type: 'recall',
      eventId,
      recallId,
      lotId: id,
      reason: input.reason,
      recordedBy: recordedBy(caller),
      recordedAt: ledger.now,
    };
    await putEvent(ledger, event);
    const recall: Recall = {
      docType: 'recall',
      recallId,
      sourceLotId: id,
      reason: input.reason,
      startedAt: ledger.now,
      startedBy: recordedBy(caller),
      eventId,
      scope: scope.visited.map((v) => ({ lotId: v.id, depth: v.depth })),
      truncated: scope.truncated,
    };
    await ledger.put(recallKey(ledger, recallId), recall);
    ctx.logging.getLogger('Quality').info(`recall ${recallId} of ${id}: ${recall.scope.length} lots, truncated=${recall.truncated}`);
    emitEvent(ctx, EVENTS.RecallStarted, {
      lotId: id,
      recallId,
      affectedCount: recall.scope.length,
      truncated: recall.truncated,
    });
    // A new reader: the recalled lot's document changed above.
    return canonicalJson(await recallReport(new LineageReader(ledger), recall));
  }

  /** A recall report with the current custodian and status of every affected lot. */
  @Transaction(false)
  @Returns('string')
  async GetRecall(ctx: Context, recallId: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(schemas.recallId, recallId, 'recallId');
    const ledger = new Ledger(ctx.stub);
    const recall = await requireRecall(ledger, id);
    return canonicalJson(await recallReport(new LineageReader(ledger, { readOnly: true }), recall));
  }

  /** Every quality event of a lot, oldest first, bounded: `{lotId, events, truncated}`. */
  @Transaction(false)
  @Returns('string')
  async ListQualityEvents(ctx: Context, lotId: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(schemas.lotId, lotId, 'lotId');
    const ledger = new Ledger(ctx.stub);
    await requireLot(ledger, id);
    return canonicalJson({ lotId: id, ...(await listEvents(ledger, id)) });
  }

  /** Confidential measurements of an inspection, from the caller's own implicit collection. */
  @Transaction(false)
  @Returns('string')
  async ReadConfidentialDetails(ctx: Context, lotId: string, eventId: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const evId = validate(schemas.eventId, eventId, 'eventId');
    const ledger = new Ledger(ctx.stub);
    const event = await requireConfidentialInspection(ledger, id, evId);
    assertCanReadConfidential(caller, event.recordedBy.msp, event.confidential.counterpartyMsp);
    const { details, collection } = await readOwnDetails(ledger, caller, id, evId);
    return canonicalJson({ lotId: id, eventId: evId, collection, details, detailsHash: event.confidential.detailsHash });
  }

  /** Prove that the details in the caller's own collection hash to the public record: `{matches, onLedgerHash, computedHash}`. */
  @Transaction(false)
  @Returns('string')
  async VerifyConfidentialDetails(ctx: Context, lotId: string, eventId: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const evId = validate(schemas.eventId, eventId, 'eventId');
    const ledger = new Ledger(ctx.stub);
    const event = await requireConfidentialInspection(ledger, id, evId);
    assertCanReadConfidential(caller, event.recordedBy.msp, event.confidential.counterpartyMsp);
    const { details, collection } = await readOwnDetails(ledger, caller, id, evId);
    const computedHash = canonicalDigest(details);
    const onLedgerHash = event.confidential.detailsHash;
    return canonicalJson({ lotId: id, eventId: evId, collection, matches: computedHash === onLedgerHash, onLedgerHash, computedHash });
  }
}
