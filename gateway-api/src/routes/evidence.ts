/**
 * Evidence bundles: a lot's history with the raw blocks of its transactions,
 * the configuration blocks in force and the genesis block, in one zip that an
 * auditor verifies offline (@lotline/evidence).
 */
import { createHash } from 'node:crypto';
import { exportEvidence, ledgerSource, writeBundle, MAX_BUNDLE_BYTES, type EvidenceSource } from '@lotline/evidence';
import { ApiRouter, type Caller } from '../http/route';
import { params, queries } from '../schemas';

/** Where the evidence comes from: this API's organisation and channel. */
export interface EvidenceOptions {
  readonly channel: string;
  readonly org: { readonly name: string; readonly mspId: string };
}

/** The evidence source of a caller: its organisation's own peer. */
export function evidenceSource(caller: Caller, options: EvidenceOptions): EvidenceSource {
  return ledgerSource(caller.ledger, options.channel, { peer: `${options.org.name} peer`, mspId: options.org.mspId });
}

function fileName(lotId: string): string {
  return `${lotId.replace(/[^A-Za-z0-9._-]+/g, '_')}.evidence.zip`;
}

/** Register the evidence routes. */
export function evidenceRoutes(api: ApiRouter, options: EvidenceOptions): void {
  api.route(
    {
      method: 'get',
      path: '/lots/:id/evidence',
      operationId: 'lotEvidence',
      tag: 'proofs',
      summary: 'Export the evidence bundle of a lot',
      description:
        "A zip of `manifest.json` (lot, channel, serving peer, time, records with txIds and block numbers) and `blocks/<n>.block`: the raw block of every transaction in the lot's history (with `depth`, also of the lots in its backward trace), the configuration blocks in force and the genesis block, as this organisation's peer stores them. " +
        `Verify it offline with \`lotline evidence verify <file>\`. Bundles over ${MAX_BUNDLE_BYTES} bytes are refused with 413. ` +
        'The `X-Evidence-SHA256` header is the SHA-256 of the file.',
      params: params.lot,
      query: queries.evidence,
      success: { status: 200, description: 'the evidence bundle', contentType: 'application/zip' },
      errors: [400, 404, 413],
    },
    async ({ res, params: p, query, caller }) => {
      await caller.ledger.readLot(p.id); // 404 LOT_NOT_FOUND for an unknown lot, rather than an empty bundle
      const zip = writeBundle(await exportEvidence(evidenceSource(caller, options), p.id, { depth: query.depth }));
      res
        .status(200)
        .type('application/zip')
        .set('Content-Disposition', `attachment; filename="${fileName(p.id)}"`)
        .set('X-Evidence-SHA256', createHash('sha256').update(zip).digest('hex'))
        .send(Buffer.from(zip));
    },
  );
}
