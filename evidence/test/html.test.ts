import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBundle, renderHtmlReport, verifyEvidence } from '../src';

const bundle = readBundle(readFileSync(path.join(__dirname, 'fixtures', 'lot.evidence.zip')));

describe('the printable report', function () {
  it("names the file by its SHA-256, lists each record's block, transaction and endorsers, and says it verified", function () {
    const html = renderHtmlReport(verifyEvidence(bundle), bundle.manifest.records, { name: 'lot.zip', sha256: 'ab'.repeat(32) });
    expect(html).to.contain('ab'.repeat(32));
    for (const r of bundle.manifest.records) expect(html).to.contain(r.txId);
    expect(html).to.contain('VERIFIED: every check passed.');
    expect(html).to.contain('ENDORSEMENT_POLICY');
    expect(html).to.contain('Validity flags are not signed');
  });

  it('says NOT VERIFIED with the failing check when the record was altered, and escapes what the bundle says', function () {
    const records = bundle.manifest.records.map((r, i) => (i === 0 ? { ...r, lotId: `${r.lotId}<script>` } : r));
    const html = renderHtmlReport(verifyEvidence({ ...bundle, manifest: { ...bundle.manifest, records } }), records, {
      name: 'x.zip',
      sha256: '00',
    });
    expect(html).to.contain('NOT VERIFIED');
    expect(html).to.contain('RECORD');
    expect(html).to.not.contain('<script>');
  });
});
