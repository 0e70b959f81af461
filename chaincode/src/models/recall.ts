import { fail } from '@lotline/domain';
import { KEYS } from '../keys';
import type { RecordedBy } from '../access';
import type { Ledger } from '../ledger';

/**
 * The stored recall record. It lists no lots: the lots it affects (the source
 * and its descendants) are found, with their current custodian and status,
 * when the recall is read (GetRecall).
 */
export interface Recall {
  readonly docType: 'recall';
  readonly recallId: string;
  readonly sourceLotId: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly startedBy: RecordedBy;
  readonly eventId: string;
}

/** The key of a recall. */
export function recallKey(ledger: Ledger, recallId: string): string {
  return ledger.key(KEYS.recall, [recallId]);
}

/** Read a recall, or throw NOT_FOUND. */
export async function requireRecall(ledger: Ledger, recallId: string): Promise<Recall> {
  const recall = await ledger.get<Recall>(recallKey(ledger, recallId));
  if (recall === undefined) throw fail('NOT_FOUND', `recall ${recallId} does not exist`);
  return recall;
}
