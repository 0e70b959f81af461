/** An {@link EvidenceSource} over the Lotline ledger client (any object with LotLedger's methods). */
import type { HistoryEntry, HistoryPage, PageRequest, Trace } from '@lotline/domain';
import type { EvidenceSource } from './export';

/** The LotLedger methods an export uses. */
export interface LedgerReads {
  lotHistory(id: string, page?: PageRequest): Promise<HistoryPage>;
  traceLot(id: string, direction: 'backward', maxDepth: number, maxNodes: number): Promise<Trace>;
  rawBlock(number: number): Promise<Uint8Array>;
  rawBlockOfTransaction(txId: string): Promise<Uint8Array>;
}

/** History page size of an export (the chaincode's largest). */
export const HISTORY_PAGE = 1000;

/** Every entry of a lot's history, page by page. */
async function wholeHistory(ledger: LedgerReads, id: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let bookmark = '';
  do {
    const page = await ledger.lotHistory(id, { limit: HISTORY_PAGE, bookmark });
    entries.push(...page.history);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return entries;
}

/** The largest backward trace an export follows. */
export const MAX_TRACE_NODES = 1000;

/** Read evidence through a LotLedger connected to the serving peer. */
export function ledgerSource(ledger: LedgerReads, channel: string, servedBy: { peer: string; mspId: string }): EvidenceSource {
  return {
    channel,
    servedBy,
    lotHistory: (id) => wholeHistory(ledger, id),
    backwardTrace: async (id, depth) => (await ledger.traceLot(id, 'backward', depth, MAX_TRACE_NODES)).nodes.map((n) => n.id),
    rawBlock: (n) => ledger.rawBlock(n),
    rawBlockOfTransaction: (txId) => ledger.rawBlockOfTransaction(txId),
  };
}
