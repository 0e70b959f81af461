import { expect } from 'chai';
import { compositeKey } from '@lotline/domain';
import { compareProof, printableKey } from '../src/verify/compare';
import type { LedgerTransaction } from '../src/verify/decode';

const lotKey = compositeKey('lot', ['PartsCoMSP:A']);
const own: LedgerTransaction = {
  txId: 't1',
  channel: 'lotline',
  blockNumber: '14',
  validationCode: 'VALID',
  timestamp: '2026-01-01T00:00:00.000Z',
  creator: { mspId: 'PartsCoMSP', subject: 'CN=qm1' },
  endorsements: [
    { mspId: 'PartsCoMSP', subject: 'CN=peer0', signatureValid: true },
    { mspId: 'CityMSP', subject: 'CN=peer0', signatureValid: true },
  ],
  chaincode: 'lotline',
  writes: [{ namespace: 'lotline', key: lotKey, isDelete: false, value: { id: 'PartsCoMSP:A', custodian: 'PartsCoMSP' } }],
  event: undefined,
  inBlock: true,
};
const proof = {
  txId: 't1',
  blockNumber: 14,
  validationCode: 'VALID',
  creator: { mspId: 'PartsCoMSP' },
  endorsers: ['CityMSP', 'PartsCoMSP'],
};

describe('compareProof', () => {
  it('passes every check when the API agrees with the own peer', () => {
    const checks = compareProof(proof, own, [{ what: 'lot', key: lotKey, value: { custodian: 'PartsCoMSP', id: 'PartsCoMSP:A' } }]);
    expect(checks.filter((c) => !c.ok)).to.deep.equal([]);
    expect(checks).to.have.length(9);
  });

  it('flags a block number, creator or endorser set that differs from the own peer', () => {
    const checks = compareProof({ ...proof, blockNumber: 15, creator: { mspId: 'CityMSP' }, endorsers: ['CityMSP'] }, own);
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).to.deep.equal(['block number', 'creator MSP', 'endorsing MSPs']);
  });

  it('flags a record whose content differs from the write set', () => {
    const checks = compareProof(proof, own, [{ what: 'lot', key: lotKey, value: { id: 'PartsCoMSP:A', custodian: 'AssemblyCoMSP' } }]);
    expect(checks.at(-1)).to.include({ ok: false });
  });

  it('flags a transaction the own peer marked invalid, or a bad endorsement signature', () => {
    const bad = { ...own, validationCode: 'MVCC_READ_CONFLICT', endorsements: [{ mspId: 'CityMSP', subject: '', signatureValid: false }] };
    const failed = compareProof({ ...proof, validationCode: 'MVCC_READ_CONFLICT', endorsers: ['CityMSP'] }, bad).filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).to.deep.equal(['validated as VALID by the own peer', 'endorsement signatures verify']);
  });

  it('prints composite keys readably', () => {
    expect(printableKey(lotKey)).to.equal('lot/PartsCoMSP:A');
  });
});
