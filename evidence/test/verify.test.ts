import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { blockHeaderBytes } from '../src/der';
import { readBundle, verifyEvidence } from '../src';

const FIXTURE = path.join(__dirname, 'fixtures', 'lot.evidence.zip');

describe('the block header encoding', function () {
  it("is Go asn1's SEQUENCE of INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash", function () {
    expect(blockHeaderBytes(0n, new Uint8Array(), Buffer.from([0xaa])).toString('hex')).to.equal('3008020100040004' + '01aa');
  });

  it('adds a leading zero to a number whose high bit is set, as DER requires', function () {
    expect(blockHeaderBytes(128n, new Uint8Array(), new Uint8Array()).toString('hex')).to.equal('3008020200800400' + '0400');
  });
});

describe('verifying the recorded bundle untouched', function () {
  it('passes every check, with transactions, records and the genesis trust anchor', function () {
    const report = verifyEvidence(readBundle(readFileSync(FIXTURE)));
    expect(report.failures, JSON.stringify(report.failures, null, 2)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.transactions.length).to.be.at.least(3);
    expect(report.findings.filter((f) => f.check === 'RECORD' && f.ok).length).to.equal(
      readBundle(readFileSync(FIXTURE)).manifest.records.length,
    );
    expect(report.findings.some((f) => f.check === 'PREVIOUS_HASH' && f.ok)).to.equal(true);
    expect(report.trustAnchor.genesisHeaderHash).to.match(/^[0-9a-f]{64}$/);
  });
});

describe('pinning the trust anchor', function () {
  const bundle = readBundle(readFileSync(FIXTURE));
  const hash = verifyEvidence(bundle).trustAnchor.genesisHeaderHash as string;

  it('passes with the genesis header hash the auditor holds', function () {
    expect(verifyEvidence(bundle, { genesisHeaderHash: hash.toUpperCase() }).ok).to.equal(true);
  });

  it("fails GENESIS with another channel's hash, and says what it found", function () {
    const report = verifyEvidence(bundle, { genesisHeaderHash: '0'.repeat(64) });
    expect(report.failures.map((f) => f.check)).to.deep.equal(['GENESIS']);
    expect(report.failures[0]?.detail).to.contain(hash);
  });
});
