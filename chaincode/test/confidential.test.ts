import { createHash } from 'node:crypto';
import { canonicalDigest, canonicalJson } from '@lotline/domain';
import { expect } from 'chai';
import { expectCode, lotJson, world, type World } from './support/fixtures';

const P1 = 'PartsCoMSP:P1';
const measurements = [{ characteristic: 'tensile', value: 412.5, unit: 'MPa', lower: 400, upper: 450 }];
const salt = 'c0ffee-salt-0123456789abcdef';
const details = JSON.stringify({ salt, measurements });
const confidentialInspection = JSON.stringify({
  verdict: 'pass',
  certificate: { sha256: 'b'.repeat(64), uri: 'https://lab.example/c/9' },
  confidential: { counterpartyMsp: 'AssemblyCoMSP' },
});

function expectedHash(): string {
  return canonicalDigest({ measurements, salt });
}

describe('confidential inspection details', () => {
  let w: World;
  let eventId: string;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(P1));
    const event = await w.partsInspector.submitWithTransient('Quality:RecordInspection', { details }, P1, confidentialInspection);
    eventId = event.eventId;
  });

  it('puts only the salted hash on the public record, event and return value', async () => {
    const stored = w.net.readQualityEvent(P1, eventId);
    expect(stored.measurements).to.deep.equal([]);
    expect(stored.confidential).to.deep.include({ counterpartyMsp: 'AssemblyCoMSP', detailsHash: expectedHash() });
    const everythingPublic = [...w.net.state.values()].map((v) => v.value.toString()).join('\n') + JSON.stringify(w.net.events);
    expect(everythingPublic).not.to.contain('tensile');
    expect(everythingPublic).not.to.contain(salt);
  });

  it('writes the details to the recorder’s and the counterparty’s implicit collections only', async () => {
    expect([...w.net.privateData.keys()].sort()).to.deep.equal(['_implicit_org_AssemblyCoMSP', '_implicit_org_PartsCoMSP']);
  });

  it('lets the counterparty read the details from its own collection', async () => {
    const result = await w.assemblyQm.evaluate('Quality:ReadConfidentialDetails', P1, eventId);
    expect(result.details).to.deep.equal({ measurements, salt });
    expect(result.collection).to.equal('_implicit_org_AssemblyCoMSP');
  });

  it('refuses a third org with FORBIDDEN', async () => {
    await expectCode(w.bankAuditor.evaluate('Quality:ReadConfidentialDetails', P1, eventId), 'FORBIDDEN');
    await expectCode(w.cityAdmin.evaluate('Quality:VerifyConfidentialDetails', P1, eventId), 'FORBIDDEN');
  });

  it('verifies that the recorder’s private copy matches the on-ledger hash', async () => {
    const result = await w.partsAuditor.evaluate('Quality:VerifyConfidentialDetails', P1, eventId);
    expect(result).to.deep.include({ matches: true, onLedgerHash: expectedHash(), computedHash: expectedHash() });
  });

  it('reports a mismatch when the private copy differs from what was hashed', async () => {
    const collection = w.net.privateData.get('_implicit_org_AssemblyCoMSP') as Map<string, Buffer>;
    const [key] = [...collection.keys()] as [string];
    collection.set(key, Buffer.from(canonicalJson({ measurements: [{ ...measurements[0], value: 399 }], salt })));
    const result = await w.assemblyQm.evaluate('Quality:VerifyConfidentialDetails', P1, eventId);
    expect(result.matches).to.equal(false);
  });

  it('stores bytes whose on-chain private data hash equals the public detailsHash', async () => {
    const collection = w.net.privateData.get('_implicit_org_PartsCoMSP') as Map<string, Buffer>;
    const [value] = [...collection.values()] as [Buffer];
    expect(createHash('sha256').update(value).digest('hex')).to.equal(expectedHash());
  });

  it('answers NOT_FOUND for an inspection without confidential details', async () => {
    const plain = await w.partsInspector.submit(
      'Quality:RecordInspection',
      P1,
      JSON.stringify({ verdict: 'fail', certificate: { sha256: 'c'.repeat(64), uri: 'https://x.example/1' } }),
    );
    await expectCode(w.partsQm.evaluate('Quality:VerifyConfidentialDetails', P1, plain.eventId), 'NOT_FOUND');
  });

  describe('refusals when recording', () => {
    it('refuses a confidential inspection without transient details', async () => {
      await expectCode(w.partsInspector.submit('Quality:RecordInspection', P1, confidentialInspection), 'INVALID_ARGUMENT');
    });

    it('refuses public measurements alongside confidential ones', async () => {
      const both = JSON.stringify({ ...JSON.parse(confidentialInspection), measurements });
      await expectCode(w.partsInspector.submitWithTransient('Quality:RecordInspection', { details }, P1, both), 'INVALID_ARGUMENT');
    });

    it('refuses a pass verdict when a confidential measurement is out of limits', async () => {
      const bad = JSON.stringify({ salt, measurements: [{ ...measurements[0], value: 500 }] });
      await expectCode(
        w.partsInspector.submitWithTransient('Quality:RecordInspection', { details: bad }, P1, confidentialInspection),
        'INVALID_ARGUMENT',
      );
    });

    it('refuses a short salt', async () => {
      const weak = JSON.stringify({ salt: 'x', measurements });
      await expectCode(
        w.partsInspector.submitWithTransient('Quality:RecordInspection', { details: weak }, P1, confidentialInspection),
        'INVALID_ARGUMENT',
      );
    });
  });
});
