import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBundle, verifyEvidence } from '@lotline/evidence';
import { verifierChecks } from '../src/verify/compare';

const FIXTURE = path.join(__dirname, '..', '..', 'evidence', 'test', 'fixtures', 'lot.evidence.zip');

describe("lotline verify's rows from the evidence verifier", function () {
  const bundle = readBundle(readFileSync(FIXTURE));

  it('lists every check that ran, each ok, for a bundle that verifies', function () {
    const rows = verifierChecks(verifyEvidence(bundle));
    expect(rows.map((r) => r.name.split(':')[0])).to.include.members([
      'verifier ORDERER_SIGNATURE',
      'verifier ENDORSEMENT_POLICY',
      'verifier CREATOR_CERT',
    ]);
    expect(rows.every((r) => r.ok)).to.equal(true);
  });

  it('fails the row of the failing check and says why, when a record was altered', function () {
    const records = bundle.manifest.records.map((r, i) => (i === 0 ? { ...r, value: { altered: true } } : r));
    const rows = verifierChecks(verifyEvidence({ ...bundle, manifest: { ...bundle.manifest, records } }));
    const failing = rows.filter((r) => !r.ok);
    expect(failing.map((r) => r.name.split(':')[0])).to.deep.equal(['verifier RECORD']);
    expect(failing[0]?.own).to.contain('differs from the write set');
  });
});
