import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { assertCanCreateLot, assertCanProposeTransfer, assertCanRead, assertCanRespondToTransfer, callerOf, recordedBy } from '../access';
import { canonicalJson, EVENTS, fail, fromMicro, LIMITS, schemas } from '@lotline/domain';
import { emitEvent } from '../events';
import { Ledger } from '../ledger';
import { LineageReader, MAX_TRACE_DEPTH, MAX_TRACE_NODES, summarise, walk } from '../lineage';
import { createLot, rejectClaimedParties } from '../lot-creation';
import { effectiveStatus, lotKey, requireFound, requireLot, saveLot } from '../models/lot';
import { findTransfer, requireTransfer, type Transfer, transferKey } from '../models/transfer';
import { parseIntArg, parseJsonArg, validate } from '../validation';

/** Modifications returned by GetLotHistory at most. */
const MAX_HISTORY = 10_000;

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

  /** Every modification of the lot document, oldest first: `[{txId, timestamp, isDelete, value}]`. */
  @Transaction(false)
  @Returns('string')
  async GetLotHistory(ctx: Context, id: string): Promise<string> {
    assertCanRead(callerOf(ctx));
    const lotId = validate(schemas.lotId, id, 'id');
    const ledger = new Ledger(ctx.stub);
    await requireLot(ledger, lotId);
    return canonicalJson(await ledger.history(lotKey(ledger, lotId), MAX_HISTORY));
  }

  /** The custodian proposes handing the lot to `toMsp`. Returns the pending transfer. */
  @Transaction()
  @Returns('string')
  async ProposeTransfer(ctx: Context, lotId: string, toMsp: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const to = validate(schemas.mspId, toMsp, 'toMsp');
    const ledger = new Ledger(ctx.stub);
    const lot = await requireLot(ledger, id);
    assertCanProposeTransfer(caller, lot);
    if (to === lot.custodian) throw fail('INVALID_ARGUMENT', `lot ${id} is already held by ${to}`);
    const pending = await findTransfer(ledger, id);
    if (pending !== undefined) throw fail('CONFLICT', `lot ${id} already has a transfer pending to ${pending.to}`);
    await new LineageReader(ledger).assertUsable(lot);
    const transfer: Transfer = {
      docType: 'transfer',
      lotId: id,
      from: lot.custodian,
      to,
      proposedAt: ledger.now,
      proposedBy: recordedBy(caller),
      proposalTxId: ledger.txId,
    };
    await ledger.put(transferKey(ledger, id), transfer);
    emitEvent(ctx, EVENTS.CustodyTransferProposed, { lotId: id, from: transfer.from, to });
    return canonicalJson(transfer);
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
    const ledger = new Ledger(ctx.stub);
    const transfer = await requireTransfer(ledger, id);
    assertCanRespondToTransfer(caller, id, transfer.to);
    const lot = await requireLot(ledger, id);
    if (lot.custodian !== transfer.from) throw fail('CONFLICT', `lot ${id} is no longer held by ${transfer.from}`);
    await new LineageReader(ledger).assertUsable(lot);
    const saved = await saveLot(ledger, { ...lot, custodian: transfer.to });
    await ledger.delete(transferKey(ledger, id));
    emitEvent(ctx, EVENTS.CustodyTransferred, { lotId: id, from: transfer.from, to: transfer.to });
    return canonicalJson(saved);
  }

  /** The receiving organisation rejects a pending transfer; the lot stays with its custodian. */
  @Transaction()
  @Returns('string')
  async RejectTransfer(ctx: Context, lotId: string, reason: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const why = validate(schemas.reason, reason, 'reason');
    const ledger = new Ledger(ctx.stub);
    const transfer = await requireTransfer(ledger, id);
    assertCanRespondToTransfer(caller, id, transfer.to);
    await ledger.delete(transferKey(ledger, id));
    const result = { lotId: id, from: transfer.from, to: transfer.to, reason: why, rejectedBy: recordedBy(caller) };
    emitEvent(ctx, EVENTS.CustodyTransferRejected, result);
    return canonicalJson(result);
  }

  /** The custodian withdraws its own pending proposal (for example, one addressed to the wrong org). */
  @Transaction()
  @Returns('string')
  async CancelTransfer(ctx: Context, lotId: string): Promise<string> {
    const caller = callerOf(ctx);
    const id = validate(schemas.lotId, lotId, 'lotId');
    const ledger = new Ledger(ctx.stub);
    const transfer = await requireTransfer(ledger, id);
    assertCanProposeTransfer(caller, await requireLot(ledger, id));
    await ledger.delete(transferKey(ledger, id));
    const result = { lotId: id, from: transfer.from, to: transfer.to, cancelledBy: recordedBy(caller) };
    emitEvent(ctx, EVENTS.CustodyTransferCancelled, result);
    return canonicalJson(result);
  }
}
