/** Proofs: what the organisation's own peer holds about a transaction, read through qscc. */
import {
  canonicalDigest,
  compositeKey,
  type HistoryEntry,
  type RecordCheck,
  type TransactionProof,
  type TransactionProofResponse,
  type TxWrite,
} from '@lotline/domain';
import { exportTransactions, proofVerification, verifyEvidence } from '@lotline/evidence';
import { ApiRouter } from '../http/route';
import type { LotLedger } from '@lotline/ledger-client';
import { params, queries } from '../schemas';
import { evidenceSource, type EvidenceOptions } from './evidence';

/** The lot's history entry written by `txId`, reading the history page by page (at most 10 000 entries). */
async function historyEntryOf(ledger: LotLedger, lotId: string, txId: string): Promise<HistoryEntry | undefined> {
  let bookmark = '';
  for (let pages = 0; pages < 10; pages++) {
    const page = await ledger.lotHistory(lotId, { limit: 1000, bookmark });
    const entry = page.history.find((h) => h.txId === txId);
    if (entry !== undefined || page.bookmark === '') return entry;
    bookmark = page.bookmark;
  }
  return undefined;
}

/** `objectType/attr/attr` (or the plain key) for display and `?key=` selection. */
export function displayKey(write: Pick<TxWrite, 'objectType' | 'attributes' | 'key'>): string {
  return write.objectType === '' ? write.key : [write.objectType, ...write.attributes].join('/');
}

/** Register the proof route; proofs are verified by the evidence verifier against the channel configuration. */
export function transactionRoutes(api: ApiRouter, options: EvidenceOptions): void {
  api.route(
    {
      method: 'get',
      path: '/transactions/:txId/proof',
      operationId: 'transactionProof',
      tag: 'proofs',
      summary: 'Prove a transaction',
      description:
        "Block number and index, validation code, creator (MSP and certificate subject), endorsers (MSP, subject, signature check) and the write set, read from this organisation's peer through qscc. " +
        "With `lotId` or `key`, `record` says whether that record is in the write set; with `expect` (sha256 of the canonical JSON of the record you hold) it says whether your copy matches; with `lotId` alone the lot's history entry for this transaction is compared. " +
        "`verification` is the evidence verifier run on the transaction's block, the configuration blocks in force and the genesis block from this peer (the checks of `lotline evidence verify`: hashes, orderer signatures and BlockValidation, creator and endorsers chained to their MSP roots in the channel configuration, the Endorsement policy, txId, well-formedness, the validity flag); " +
        "`verified` is true when every one of those checks passes and (if asked) the record matches. Validity flags are the peer's unsigned claim (see `verification.notes`).",
      params: params.transaction,
      query: queries.proof,
      success: { status: 200, description: 'the proof' },
      errors: [400, 404],
    },
    async ({ res, params: p, query, caller }) => {
      const proof: TransactionProof = await caller.ledger.transaction(p.txId);
      const verification = proofVerification(verifyEvidence(await exportTransactions(evidenceSource(caller, options), [p.txId])));
      let record: RecordCheck | null = null;
      const wanted = query.lotId !== undefined ? compositeKey('lot', [query.lotId]) : query.key;
      if (wanted !== undefined) {
        const write = proof.writes.find((w) => w.key === wanted || displayKey(w) === wanted);
        const sha256 = write?.sha256 ?? null;
        record = {
          key: write !== undefined ? displayKey(write) : wanted,
          found: write !== undefined,
          sha256,
          comparedWith: null,
          expected: null,
          matches: null,
        };
        if (write === undefined) {
          record = { ...record, matches: false };
        } else if (query.expect !== undefined) {
          record = { ...record, comparedWith: 'expect', expected: query.expect, matches: sha256 === query.expect };
        } else if (query.lotId !== undefined) {
          const entry = await historyEntryOf(caller.ledger, query.lotId, p.txId);
          const expected = entry === undefined || entry.isDelete ? null : canonicalDigest(entry.value);
          record = { ...record, comparedWith: 'lot-history', expected, matches: expected !== null && sha256 === expected };
        }
      }
      const verified = verification.ok && (record === null || (record.found && record.matches !== false));
      const body: TransactionProofResponse = {
        ...proof,
        writes: proof.writes.map((w) => ({ ...w, displayKey: displayKey(w) })),
        record,
        verification,
        verified,
      };
      res.json(body);
    },
  );
}
