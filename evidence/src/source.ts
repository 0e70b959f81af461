/** An {@link EvidenceSource} over the Lotline ledger client (any object with LotLedger's methods). */
import type { HistoryEntry, Trace } from '@lotline/domain';
import type { EvidenceSource } from './export';

/** The LotLedger methods an export uses. */
export interface LedgerReads {
  lotHistory(id: string): Promise<HistoryEntry[]>;
  traceLot(id: string, direction: 'backward', maxDepth: number, maxNodes: number): Promise<Trace>;
  rawBlock(number: number): Promise<Uint8Array>;
  rawBlockOfTransaction(txId: string): Promise<Uint8Array>;
}

/** The largest backward trace an export follows. */
export const MAX_TRACE_NODES = 1000;

/** Read evidence through a LotLedger connected to the serving peer. */
export function ledgerSource(ledger: LedgerReads, channel: string, servedBy: { peer: string; mspId: string }): EvidenceSource {
  return {
    channel,
    servedBy,
    lotHistory: (id) => ledger.lotHistory(id),
    backwardTrace: async (id, depth) => (await ledger.traceLot(id, 'backward', depth, MAX_TRACE_NODES)).nodes.map((n) => n.id),
    rawBlock: (n) => ledger.rawBlock(n),
    rawBlockOfTransaction: (txId) => ledger.rawBlockOfTransaction(txId),
  };
}
