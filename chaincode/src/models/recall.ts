import { fail } from '@lotline/domain';
import { KEYS } from '../keys';
import type { RecordedBy } from '../access';
import type { Ledger } from '../ledger';

/** A lot in a recall's scope, with its distance from the recalled lot. */
export interface RecallScopeEntry {
  readonly lotId: string;
  readonly depth: number;
}

/** The stored recall record. Custodian and status of each lot are read fresh by GetRecall. */
export interface Recall {
  readonly docType: 'recall';
  readonly recallId: string;
  readonly sourceLotId: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly startedBy: RecordedBy;
  readonly eventId: string;
  /** The recalled lot (depth 0) and every descendant found, in BFS order. */
  readonly scope: readonly RecallScopeEntry[];
  readonly truncated: boolean;
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
