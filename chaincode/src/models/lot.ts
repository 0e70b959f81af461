import { fail, type Micro } from '@lotline/domain';
import { KEYS } from '../keys';
import type { Ledger } from '../ledger';
import type { Quantity } from './quantity';

/** Stored status of a lot. `consumed` is derived from a zero balance; `destroyed` is reserved. */
export type LotStatus = 'active' | 'on_hold' | 'recalled' | 'consumed' | 'destroyed';

/** A hold currently in force on a lot. */
export interface ActiveHold {
  readonly holdId: string;
  readonly includeDescendants: boolean;
}

/** The recall of a lot. */
export interface LotRecall {
  readonly recallId: string;
  readonly eventId: string;
}

/** A lot consumed to make another, with the quantity consumed. */
export interface LotInputRef {
  readonly lotId: string;
  readonly quantity: Quantity;
}

/** The lot document. It is written at creation and rewritten only by custody, hold and recall changes of this lot. */
export interface Lot {
  readonly docType: 'lot';
  readonly id: string;
  readonly product: { readonly code: string; readonly name: string };
  readonly quantity: Quantity;
  readonly producer: string;
  readonly custodian: string;
  readonly status: LotStatus;
  readonly inputs: readonly LotInputRef[];
  readonly process: { readonly site: string; readonly line: string; readonly changePoint?: string };
  readonly attributes: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly createdTxId: string;
  /** Holds in force on this lot (released holds are removed here, and stay as quality events). */
  readonly holds: readonly ActiveHold[];
  readonly recall: LotRecall | null;
}

/** The key of a lot document. */
export function lotKey(ledger: Ledger, id: string): string {
  return ledger.key(KEYS.lot, [id]);
}

/** Read a lot, or undefined. */
export async function findLot(ledger: Ledger, id: string): Promise<Lot | undefined> {
  return ledger.get<Lot>(lotKey(ledger, id));
}

/** The lot, or throw LOT_NOT_FOUND when it was not found. */
export function requireFound(lot: Lot | undefined, id: string): Lot {
  if (lot === undefined) throw fail('LOT_NOT_FOUND', `lot ${id} does not exist`);
  return lot;
}

/** Read a lot, or throw LOT_NOT_FOUND. */
export async function requireLot(ledger: Ledger, id: string): Promise<Lot> {
  return requireFound(await findLot(ledger, id), id);
}

/** Write a lot document, deriving its stored status from its recall and holds. */
export async function saveLot(ledger: Ledger, lot: Lot): Promise<Lot> {
  const status: LotStatus = lot.recall !== null ? 'recalled' : lot.holds.length > 0 ? 'on_hold' : 'active';
  const saved: Lot = { ...lot, status };
  await ledger.put(lotKey(ledger, lot.id), saved);
  return saved;
}

/** The status shown to readers: the stored one, or `consumed` for an active lot with nothing left. */
export function effectiveStatus(lot: Lot, remainingMicro: Micro): LotStatus {
  return lot.status === 'active' && remainingMicro === 0n ? 'consumed' : lot.status;
}
