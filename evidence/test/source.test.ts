import { expect } from 'chai';
import type { HistoryEntry, PageRequest } from '@lotline/domain';
import { ledgerSource } from '../src';
import type { LedgerReads } from '../src/source';

function entry(i: number): HistoryEntry {
  return { txId: `tx${i}`, timestamp: '', isDelete: false, value: null };
}

describe('the ledger source of an export', function () {
  it("reads a lot's whole history, following the chaincode's bookmarks page by page", async function () {
    const asked: PageRequest[] = [];
    const ledger: LedgerReads = {
      lotHistory: async (lotId, page = {}) => {
        asked.push(page);
        const offset = page.bookmark === undefined || page.bookmark === '' ? 0 : Number(page.bookmark.slice(1));
        const all = [0, 1, 2, 3, 4].map(entry);
        const next = offset + 2;
        return { lotId, history: all.slice(offset, next), bookmark: next < all.length ? `h${next}` : '' };
      },
      traceLot: async () => ({ root: '', direction: 'backward', nodes: [], edges: [], truncated: false, maxDepth: 0, maxNodes: 0 }),
      rawBlock: async () => new Uint8Array(),
      rawBlockOfTransaction: async () => new Uint8Array(),
    };
    const history = await ledgerSource(ledger, 'lotline', { peer: 'p', mspId: 'BankMSP' }).lotHistory('PartsCoMSP:a');
    expect(history.map((h) => h.txId)).to.deep.equal(['tx0', 'tx1', 'tx2', 'tx3', 'tx4']);
    expect(asked.map((p) => p.bookmark)).to.deep.equal(['', 'h2', 'h4']);
  });
});
