import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertCanCreateLot, assertCanRead, callerOf } from '../access';
import { canonicalJson, EVENTS, fail, fromMicro, LIMITS, schemas } from '@lotline/domain';
import { emitEvent, type Outcome } from '../events';
import { Ledger } from '../ledger';
import { LineageReader, MAX_TRACE_DEPTH, MAX_TRACE_NODES, summarise, walk } from '../lineage';
import { createLot, rejectClaimedParties } from '../lot-creation';
import { effectiveStatus, lotKey, requireFound, requireLot } from '../models/lot';
import { findTransfer } from '../models/transfer';
import { acceptTransfer, cancelTransfer, proposeTransfer, rejectTransfer } from '../operations/custody';
import { parseIntArg, parseJsonArg, validate } from '../validation';

/** The largest page GetLotHistory returns. */
const MAX_HISTORY_PAGE = 1000;

/** A history bookmark is `h<offset>`: history is append-only, so an offset stays valid. */
function parseHistoryBookmark(bookmark: string): number {
  const match = /^h(\d{1,9})$/.exec(bookmark);
  if (match === null)
    throw fail('INVALID_ARGUMENT', 'bookmark: not a history bookmark; pass the bookmark the previous page returned, or none');
  return Number(match[1]);
}

/** Emit an operation's event and return its result as the transaction's JSON result. */
function finish<T>(ctx: Context, outcome: Outcome<T>): string {
  emitEvent(ctx, outcome.event.name, outcome.event.fields);
  return canonicalJson(outcome.result);
}

/**
 * Lots, lineage and custody. The default contract (first in `contracts`):
 * `CreateLot` may be called
 * without the `Lot:` prefix.
 */
@Info({ title: 'Lot', description: 'Lots, lineage, traces and custody transfers' })
export class LotContract extends Contract {
  constructor() {
    super('Lot');
  }

  /** Create a lot produced by, and in the custody of, the caller's organisation. Returns the lot. */
  @Transaction()
  @Returns('string')
  async CreateLot(ctx: Context, lotJson: string): Promise<string> {
    const caller = callerOf(ctx);
    assertCanCreateLot(caller);
    const raw = parseJsonArg(lotJson, 'lot');
    rejectClaimedParties(raw, 'lot');
    const input = validate(schemas.lot, raw, 'lot');
    const ledger = new Ledger(ctx.stub);
    const lot = await createLot(ledger, new LineageReader(ledger), caller, input);
    emitEvent(ctx, EVENTS.LotCreated, { lotId: lot.id, producer: lot.producer, inputs: lot.inputs.map((i) => i.lotId) });
    return canonicalJson(lot);
  }

  /** Create a child lot whose only input is `quantity` of the parent (a partial shipment). Returns the child. */
  @Transaction()
  @Returns('string')
  async SplitLot(ctx: Context, parentId: string, childJson: string): Promise<string> {
    const caller = callerOf(ctx);
    assertCanCreateLot(caller);
    const parent = validate(schemas.lotId, parentId, 'parentId');
    const raw = parseJsonArg(childJson, 'child');
    rejectClaimedParties(raw, 'child');
    const child = validate(schemas.splitChild, raw, 'child');
    const ledger = new Ledger(ctx.stub);
    const input = { ...child, inputs: [{ lotId: parent, quantity: child.quantity }] };
    const lot = await createLot(ledger, new LineageReader(ledger), caller, input);
    emitEvent(ctx, EVENTS.LotCreated, { lotId: lot.id, producer: lot.producer, inputs: [parent], splitFrom: parent });
    return canonicalJson(lot);
  }

  /**
   * Create up to LIMITS.batchLots lots in one transaction, in order, with the
   * CreateLot rules; inputs may name lots created earlier in the batch.
   * Returns `{count, lotIds}`.
   */
  @Transaction()
  @Returns('string')
  async ImportLots(ctx: Context, batchJson: string): Promise<string> {
    const caller = callerOf(ctx);
    assertCanCreateLot(caller);
    const raw = parseJsonArg(batchJson, 'batch', LIMITS.batchChars);
    const rawLots = typeof raw === 'object' && raw !== null ? (raw as { lots?: unknown }).lots : undefined;
    if (Array.isArray(rawLots)) rawLots.forEach((l, i) => rejectClaimedParties(l, `batch.lots.${i}`));
    const batch = validate(schemas.batch, raw, 'batch');
    const ledger = new Ledger(ctx.stub);
    const reader = new LineageReader(ledger);
    const lotIds: string[] = [];
    for (const input of batch.lots) lotIds.push((await createLot(ledger, reader, caller, input)).id);
    emitEvent(ctx, EVENTS.LotsImported, { count: lotIds.length, lotIds });
    return canonicalJson({ count: lotIds.length, lotIds });
  }

  /**
   * Read a lot with derived fields: effective `status`, `remaining` quantity,
   * `affected`/`affectedBy` (recalls and holds on it or inherited from
   * ancestors), `latestInspection` and `pendingTransfer`.
   */
  @Transaction(false)
  @Returns('string')
  async ReadLot(ctx: Context, id: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const lotId = validate(schemas.lotId, id, 'id');
    const ledger = new Ledger(ctx.stub);
    const reader = new LineageReader(ledger, { readOnly: true });
    const lot = requireFound(await reader.load(lotId), lotId);
    const remaining = await reader.remaining(lot);
    const affectedBy = await reader.affectedBy(lot);
    return canonicalJson({
      ...lot,
      status: effectiveStatus(lot, remaining),
      remaining: { amount: fromMicro(remaining), unit: lot.quantity.unit },
      affected: affectedBy.length > 0,
      affectedBy,
      latestInspection: await reader.latestInspection(lotId),
      pendingTransfer: (await findTransfer(ledger, lotId)) ?? null,
    });
  }

  /**
   * Trace a lot's lineage `backward` (inputs) or `forward` (products),
   * breadth-first, within `maxDepth` (0..50) and `maxNodes` (1..5000).
   */
  @Transaction(false)
  @Returns('string')
  async TraceLot(ctx: Context, id: string, direction: string, maxDepth: string, maxNodes: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const rootId = validate(schemas.lotId, id, 'id');
    const dir = validate(schemas.direction, direction, 'direction');
    const depthLimit = parseIntArg(maxDepth, 'maxDepth', 0, MAX_TRACE_DEPTH);
    const nodeLimit = parseIntArg(maxNodes, 'maxNodes', 1, MAX_TRACE_NODES);
    const reader = new LineageReader(new Ledger(ctx.stub), { readOnly: true });
    requireFound(await reader.load(rootId), rootId);
    const result = await walk(reader, rootId, dir, depthLimit, nodeLimit);
    const nodes = [];
    for (const { id: nodeId, depth } of result.visited) {
      const lot = await reader.load(nodeId);
      if (lot !== undefined) nodes.push({ ...(await summarise(reader, lot)), depth });
    }
    return canonicalJson({
      root: rootId,
      direction: dir,
      nodes,
      edges: result.edges,
      truncated: result.truncated,
      maxDepth: depthLimit,
      maxNodes: nodeLimit,
    });
  }

  /**
   * One page of the modifications of the lot document, oldest first:
   * `{lotId, history: [{txId, timestamp, isDelete, value}], bookmark}`.
   * `pageSize` 1..1000; `bookmark` '' for the first page, then the one the
   * previous page returned ('' after the last page).
   */
  @Transaction(false)
  @Returns('string')
  async GetLotHistory(ctx: Context, id: string, pageSize: string, bookmark: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const lotId = validate(schemas.lotId, id, 'id');
    const size = parseIntArg(pageSize, 'pageSize', 1, MAX_HISTORY_PAGE);
    const offset = bookmark === '' ? 0 : parseHistoryBookmark(bookmark);
    const ledger = new Ledger(ctx.stub);
    await requireLot(ledger, lotId);
    const page = await ledger.history(lotKey(ledger, lotId), size, offset);
    return canonicalJson({ lotId, history: page.entries, bookmark: page.next === undefined ? '' : `h${page.next}` });
  }

  /** The custodian proposes handing the lot to `toMsp`. Returns the pending transfer. */
  @Transaction()
  @Returns('string')
  async ProposeTransfer(ctx: Context, lotId: string, toMsp: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const to = validate(schemas.mspId, toMsp, 'toMsp');
    return finish(ctx, await proposeTransfer(new Ledger(ctx.stub), caller, id, to));
  }

  /**
   * The receiving organisation accepts a pending transfer and becomes custodian.
   * Refused if the lot became held, recalled or affected since the proposal.
   * Returns the updated lot.
   */
  @Transaction()
  @Returns('string')
  async AcceptTransfer(ctx: Context, lotId: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    return finish(ctx, await acceptTransfer(new Ledger(ctx.stub), caller, id));
  }

  /** The receiving organisation rejects a pending transfer; the lot stays with its custodian. */
  @Transaction()
  @Returns('string')
  async RejectTransfer(ctx: Context, lotId: string, reason: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const why = validate(schemas.reason, reason, 'reason');
    return finish(ctx, await rejectTransfer(new Ledger(ctx.stub), caller, id, why));
  }

  /** The custodian withdraws its own pending proposal (for example, one addressed to the wrong org). */
  @Transaction()
  @Returns('string')
  async CancelTransfer(ctx: Context, lotId: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    return finish(ctx, await cancelTransfer(new Ledger(ctx.stub), caller, id));
  }
}
