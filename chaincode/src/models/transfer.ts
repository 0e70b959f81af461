import { fail } from '@lotline/domain';
import { KEYS } from '../keys';
import type { RecordedBy } from '../access';
import type { Ledger } from '../ledger';

/** A pending custody transfer, proposed by the custodian and awaiting the receiver. */
export interface Transfer {
  readonly docType: 'transfer';
  readonly lotId: string;
  readonly from: string;
  readonly to: string;
  readonly proposedAt: string;
  readonly proposedBy: RecordedBy;
  readonly proposalTxId: string;
}

/** The key of a lot's pending transfer. */
export function transferKey(ledger: Ledger, lotId: string): string {
  return ledger.key(KEYS.transfer, [lotId]);
}

/** Read a lot's pending transfer, or undefined. */
export async function findTransfer(ledger: Ledger, lotId: string): Promise<Transfer | undefined> {
  return ledger.get<Transfer>(transferKey(ledger, lotId));
}

/** Read a lot's pending transfer, or throw TRANSFER_NOT_FOUND. */
export async function requireTransfer(ledger: Ledger, lotId: string): Promise<Transfer> {
  const transfer = await findTransfer(ledger, lotId);
  if (transfer === undefined) throw fail('TRANSFER_NOT_FOUND', `lot ${lotId} has no pending transfer`);
  return transfer;
}
