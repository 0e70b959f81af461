import { assertCanConsume, assertOwnsGs1Prefix, type Caller } from './access';
import { gs1CompanyDigits } from './epcis/identifiers';
import { fail, type LotInput, ORG_LOT_ID, toMicro } from '@lotline/domain';
import type { Ledger } from './ledger';
import type { LineageReader } from './lineage';
import { consume } from './models/balance';
import { putEdge } from './models/edge';
import { findLot, type Lot, saveLot } from './models/lot';
import { gs1PrefixOwner } from './models/participant';
import { assertSameUnit } from './models/quantity';

/** Fields that the chaincode takes from the certificate and refuses to accept as input. */
const CERTIFICATE_FIELDS = ['producer', 'custodian'] as const;

/**
 * Refuse a lot input that names its producer or custodian (FORBIDDEN): both are
 * always the caller's organisation, from its certificate.
 */
export function rejectClaimedParties(raw: unknown, what: string): void {
  if (typeof raw !== 'object' || raw === null) return;
  for (const field of CERTIFICATE_FIELDS) {
    if (field in raw) throw fail('FORBIDDEN', `${what}: ${field} is taken from the caller's certificate and may not be supplied`);
  }
}

/** A lot id names its owner: `<MSP>:` ids that MSP, GS1 (LGTIN) ids the owner of their company prefix. */
async function assertIdOwnedBy(ledger: Ledger, id: string, caller: Caller): Promise<void> {
  const qualifier = ORG_LOT_ID.exec(id)?.[1];
  if (qualifier !== undefined && qualifier !== caller.msp) {
    throw fail('FORBIDDEN', `lot id ${id} is qualified by ${qualifier}; ${caller.msp} may only create ids qualified by its own MSP ID`);
  }
  const digits = gs1CompanyDigits(id);
  if (digits !== undefined) assertOwnsGs1Prefix(caller, `lot id ${id}`, await gs1PrefixOwner(ledger, digits));
}

function assertDistinctInputs(input: LotInput): void {
  const ids = new Set<string>();
  for (const { lotId } of input.inputs) {
    if (lotId === input.id) throw fail('INVALID_ARGUMENT', `lot ${input.id} cannot consume itself`);
    if (ids.has(lotId)) throw fail('INVALID_ARGUMENT', `input ${lotId} is listed more than once`);
    ids.add(lotId);
  }
}

/**
 * Create a lot produced and held by the caller's organisation, consuming its
 * inputs. Each input must exist, be in the caller's custody, be unaffected by
 * any recall or hold, use the same unit, and have enough remaining quantity.
 * Writes the lot, the inputs' debited balance shards and one edge per input
 * (under the parent's prefix). No balance shard of the new lot is written: it
 * is derived from the quantity until first debited. Input lot documents are
 * never rewritten, and nothing here scans a range, so concurrent children of
 * one parent conflict only when they debit the same shard.
 */
export async function createLot(ledger: Ledger, reader: LineageReader, caller: Caller, input: LotInput): Promise<Lot> {
  await assertIdOwnedBy(ledger, input.id, caller);
  assertDistinctInputs(input);
  if ((await findLot(ledger, input.id)) !== undefined) throw fail('LOT_EXISTS', `lot ${input.id} already exists`);

  for (const item of input.inputs) {
    const parent = await reader.lot(item.lotId);
    if (parent === undefined) throw fail('LOT_NOT_FOUND', `input lot ${item.lotId} does not exist`);
    assertCanConsume(caller, parent);
    await reader.assertUsable(parent);
    assertSameUnit(parent.quantity.unit, item.quantity.unit, `input ${item.lotId}`);
    await consume(ledger, parent, toMicro(item.quantity.amount, `input ${item.lotId} quantity`));
    await putEdge(ledger, { parent: parent.id, child: input.id, quantity: item.quantity });
  }

  const lot: Lot = {
    docType: 'lot',
    id: input.id,
    product: input.product,
    quantity: input.quantity,
    producer: caller.msp,
    custodian: caller.msp,
    status: 'active',
    inputs: input.inputs,
    process: input.process,
    attributes: input.attributes ?? {},
    createdAt: ledger.now,
    createdTxId: ledger.txId,
    holds: [],
    recall: null,
  };
  return saveLot(ledger, lot);
}
