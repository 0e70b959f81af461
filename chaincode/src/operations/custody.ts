import { assertCanProposeTransfer, assertCanRespondToTransfer, type Caller, recordedBy } from '../access';
import { fail } from '@lotline/domain';
import { EVENTS } from '@lotline/domain';
import type { Outcome } from '../events';
import type { Ledger } from '../ledger';
import { LineageReader } from '../lineage';
import { type Lot, requireLot, saveLot } from '../models/lot';
import { findTransfer, requireTransfer, type Transfer, transferKey } from '../models/transfer';

/**
 * Custody operations, shared by the Lot contract and EPCIS capture (shipping
 * proposes, receiving accepts). Each one loads what it needs, checks the
 * caller's permission on it, decides, writes, and returns its result with the
 * event it produced; the caller emits or lists the event.
 */

/** The custodian proposes handing lot `lotId` to `toMsp`. */
export async function proposeTransfer(ledger: Ledger, caller: Caller, lotId: string, toMsp: string): Promise<Outcome<Transfer>> {
  const lot = await requireLot(ledger, lotId);
  assertCanProposeTransfer(caller, lot);
  if (toMsp === lot.custodian) throw fail('INVALID_ARGUMENT', `lot ${lotId} is already held by ${toMsp}`);
  const pending = await findTransfer(ledger, lotId);
  if (pending !== undefined) throw fail('CONFLICT', `lot ${lotId} already has a transfer pending to ${pending.to}`);
  await new LineageReader(ledger).assertUsable(lot);
  const transfer: Transfer = {
    docType: 'transfer',
    lotId,
    from: lot.custodian,
    to: toMsp,
    proposedAt: ledger.now,
    proposedBy: recordedBy(caller),
    proposalTxId: ledger.txId,
  };
  await ledger.put(transferKey(ledger, lotId), transfer);
  return { result: transfer, event: { name: EVENTS.CustodyTransferProposed, fields: { lotId, from: transfer.from, to: toMsp } } };
}

/**
 * The receiving organisation accepts the pending transfer of `lotId` and
 * becomes custodian. Refused if the lot became held, recalled or affected
 * since the proposal. Returns the updated lot.
 */
export async function acceptTransfer(ledger: Ledger, caller: Caller, lotId: string): Promise<Outcome<Lot>> {
  const transfer = await requireTransfer(ledger, lotId);
  assertCanRespondToTransfer(caller, lotId, transfer.to);
  const lot = await requireLot(ledger, lotId);
  if (lot.custodian !== transfer.from) throw fail('CONFLICT', `lot ${lotId} is no longer held by ${transfer.from}`);
  await new LineageReader(ledger).assertUsable(lot);
  const saved = await saveLot(ledger, { ...lot, custodian: transfer.to });
  await ledger.delete(transferKey(ledger, lotId));
  return { result: saved, event: { name: EVENTS.CustodyTransferred, fields: { lotId, from: transfer.from, to: transfer.to } } };
}

/** The receiving organisation rejects the pending transfer of `lotId`; the lot stays with its custodian. */
export async function rejectTransfer(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
  reason: string,
): Promise<Outcome<{ lotId: string; from: string; to: string; reason: string; rejectedBy: ReturnType<typeof recordedBy> }>> {
  const transfer = await requireTransfer(ledger, lotId);
  assertCanRespondToTransfer(caller, lotId, transfer.to);
  await ledger.delete(transferKey(ledger, lotId));
  const result = { lotId, from: transfer.from, to: transfer.to, reason, rejectedBy: recordedBy(caller) };
  return { result, event: { name: EVENTS.CustodyTransferRejected, fields: result } };
}

/** The custodian withdraws its own pending proposal for `lotId`. */
export async function cancelTransfer(
  ledger: Ledger,
  caller: Caller,
  lotId: string,
): Promise<Outcome<{ lotId: string; from: string; to: string; cancelledBy: ReturnType<typeof recordedBy> }>> {
  const transfer = await requireTransfer(ledger, lotId);
  assertCanProposeTransfer(caller, await requireLot(ledger, lotId));
  await ledger.delete(transferKey(ledger, lotId));
  const result = { lotId, from: transfer.from, to: transfer.to, cancelledBy: recordedBy(caller) };
  return { result, event: { name: EVENTS.CustodyTransferCancelled, fields: result } };
}
