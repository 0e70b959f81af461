import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertCanRead, assertCanReadConfidential, type Caller, callerOf } from '../access';
import { canonicalDigest, canonicalJson, type ConfidentialDetailsInput, fail, schemas, TRANSIENT_DETAILS_KEY } from '@lotline/domain';
import { emitEvent, type Outcome } from '../events';
import { implicitCollection, KEYS } from '../keys';
import { Ledger } from '../ledger';
import { LineageReader, MAX_TRACE_DEPTH, MAX_TRACE_NODES, summarise, walk } from '../lineage';
import { requireLot } from '../models/lot';
import { type ConfidentialRef, type InspectionEvent, listEvents, MAX_EVENTS_PAGE, requireEvent } from '../models/quality-event';
import { type Recall, requireRecall } from '../models/recall';
import { placeHold, recordFinding, recordInspection, releaseHold, startRecall } from '../operations/quality';
import { parseIntArg, parseJson, validate } from '../validation';

export { detailsHash } from '../operations/quality';

function readTransientDetails(ledger: Ledger): ConfidentialDetailsInput {
  const bytes = ledger.transient(TRANSIENT_DETAILS_KEY);
  if (bytes === undefined) {
    throw fail('INVALID_ARGUMENT', `confidential inspection needs transient data "${TRANSIENT_DETAILS_KEY}" with {measurements, salt}`);
  }
  return parseJson(schemas.confidentialDetails, bytes.toString('utf8'), `transient ${TRANSIENT_DETAILS_KEY}`);
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

/**
 * The report of a recall, computed when it is read: the recalled lot and its
 * descendants (breadth-first, within the trace caps, `truncated` when a cap
 * cut the walk), each with its current custodian and status.
 */
async function recallReport(reader: LineageReader, recall: Recall, maxDepth: number, maxNodes: number): Promise<unknown> {
  const scope = await walk(reader, recall.sourceLotId, 'forward', maxDepth, maxNodes);
  const affected = [];
  for (const { id: lotId, depth } of scope.visited) {
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
    truncated: scope.truncated,
    maxDepth,
    maxNodes,
  };
}

/** Emit an operation's event and return its result as the transaction's JSON result. */
function finish<T>(ctx: Context, outcome: Outcome<T>): string {
  emitEvent(ctx, outcome.event.name, outcome.event.fields);
  return canonicalJson(outcome.result);
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
    const details = input.confidential !== undefined ? readTransientDetails(ledger) : undefined;
    return finish(ctx, await recordInspection(ledger, caller, id, input, ledger.txId, details));
  }

  /** Record a `nonconformance` or a `corrective_action` (which may name the nonconformance it corrects). */
  @Transaction()
  @Returns('string')
  async RecordQualityEvent(ctx: Context, lotId: string, eventJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.qualityEvent, eventJson, 'event');
    const ledger = new Ledger(ctx.stub);
    return finish(ctx, await recordFinding(ledger, caller, id, input, ledger.txId));
  }

  /** Place a hold on a lot, optionally on all its descendants. Returns the hold event (`holdId` = its eventId). */
  @Transaction()
  @Returns('string')
  async PlaceHold(ctx: Context, lotId: string, holdJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.hold, holdJson, 'hold');
    const ledger = new Ledger(ctx.stub);
    return finish(ctx, await placeHold(ledger, caller, id, input, ledger.txId));
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
    return finish(ctx, await releaseHold(ledger, caller, id, hold, why, ledger.txId));
  }

  /**
   * Recall a lot. Its descendants are affected at read time; the report of
   * affected lots is computed by GetRecall, not here, so this transaction
   * writes three keys whatever the size of the lineage. Returns the recall record.
   */
  @Transaction()
  @Returns('string')
  async StartRecall(ctx: Context, lotId: string, recallJson: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const input = parseJson(schemas.recall, recallJson, 'recall');
    const ledger = new Ledger(ctx.stub);
    const recallId = input.recallId ?? ledger.txId;
    return finish(ctx, await startRecall(ledger, caller, id, { reason: input.reason, recallId }, ledger.txId));
  }

  /**
   * A recall report: the recalled lot and its descendants within `maxDepth`
   * (0..50) and `maxNodes` (1..5000), each with its current custodian and
   * status, and `truncated` when a bound cut the walk.
   */
  @Transaction(false)
  @Returns('string')
  async GetRecall(ctx: Context, recallId: string, maxDepth: string, maxNodes: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(schemas.recallId, recallId, 'recallId');
    const depthLimit = parseIntArg(maxDepth, 'maxDepth', 0, MAX_TRACE_DEPTH);
    const nodeLimit = parseIntArg(maxNodes, 'maxNodes', 1, MAX_TRACE_NODES);
    const ledger = new Ledger(ctx.stub);
    const recall = await requireRecall(ledger, id);
    return canonicalJson(await recallReport(new LineageReader(ledger, { readOnly: true }), recall, depthLimit, nodeLimit));
  }

  /**
   * One page of a lot's quality events, oldest first: `{lotId, events, bookmark}`.
   * `pageSize` 1..1000; `bookmark` '' for the first page, then the one the
   * previous page returned ('' after the last page).
   */
  @Transaction(false)
  @Returns('string')
  async ListQualityEvents(ctx: Context, lotId: string, pageSize: string, bookmark: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const id = validate(schemas.lotId, lotId, 'lotId');
    const size = parseIntArg(pageSize, 'pageSize', 1, MAX_EVENTS_PAGE);
    const ledger = new Ledger(ctx.stub);
    await requireLot(ledger, id);
    return canonicalJson({ lotId: id, ...(await listEvents(ledger, id, size, bookmark)) });
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
