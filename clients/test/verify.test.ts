import { expect } from 'chai';
import { compositeKey } from '@lotline/domain';
import type { TransactionProof } from '../src/api-types';
import { compareProof, printableKey, type Check } from '../src/verify/compare';
import type { LedgerTransaction } from '../src/verify/decode';
import { recordedOwnTransaction, recordedProof } from './recorded-proof';

const proof: TransactionProof = recordedProof;
const own: LedgerTransaction = recordedOwnTransaction;
const qeKey = compositeKey('qe', ['AssemblyCoMSP:SEAT-2026-0001', own.txId]);
const qeValue = own.writes.find((w) => w.key === qeKey)?.value;

/** A copy of the recorded proof without one field, as an API that leaves it out would answer. */
function without(field: keyof TransactionProof): TransactionProof {
  const copy: Partial<TransactionProof> = structuredClone(proof);
  delete copy[field];
  return copy as TransactionProof;
}

const failed = (checks: Check[]): string[] => checks.filter((c) => !c.ok).map((c) => c.name);

describe('compareProof', () => {
  describe('on a recorded answer of the API and of the own peer', () => {
    it('passes every check, the quality event shown by the API included', () => {
      const checks = compareProof(proof, own, [{ what: 'the inspection', key: qeKey, value: qeValue }]);
      expect(failed(checks)).to.deep.equal([]);
      expect(checks.map((c) => c.name)).to.include.members([
        'transaction id',
        'block number',
        'validation code',
        'creator MSP',
        'endorsing MSPs',
        'write set keys',
        "API's own record check",
        'the inspection equals the write set',
      ]);
    });
  });

  describe('when the API leaves out a field that verify checks', () => {
    const cases: [keyof TransactionProof, string][] = [
      ['txId', 'transaction id (the API left it out)'],
      ['blockNumber', 'block number (the API left it out)'],
      ['validationCode', 'validation code (the API left it out)'],
      ['creator', 'creator MSP (the API left it out)'],
      ['endorsers', 'endorsing MSPs (the API left it out)'],
      ['writes', 'write set (the API left it out)'],
    ];
    for (const [field, check] of cases) {
      it(`fails without ${field}`, () => {
        expect(failed(compareProof(without(field), own))).to.deep.equal([check]);
      });
    }

    it('fails when an endorser has no MSP ID', () => {
      const [first, ...rest] = proof.endorsers;
      const endorsers = [{ ...first, mspId: undefined }, ...rest] as unknown as TransactionProof['endorsers'];
      expect(failed(compareProof({ ...proof, endorsers }, own))).to.deep.equal(['endorsing MSPs (the API left it out)']);
    });
  });

  describe('when the API disagrees with the own peer', () => {
    it('flags a block number, creator or endorser set that differs', () => {
      const lying = {
        ...proof,
        blockNumber: proof.blockNumber + 1,
        creator: { ...proof.creator, mspId: 'CityMSP' },
        endorsers: proof.endorsers.slice(1),
      };
      expect(failed(compareProof(lying, own))).to.deep.equal(['block number', 'creator MSP', 'endorsing MSPs']);
    });

    it('flags a write set that lists a key the transaction did not write, or leaves one out', () => {
      const extra = { ...proof, writes: [...proof.writes, { ...proof.writes[0], key: compositeKey('lot', ['AssemblyCoMSP:OTHER']) }] };
      expect(failed(compareProof(extra as TransactionProof, own))).to.deep.equal(['write set keys']);
      expect(failed(compareProof({ ...proof, writes: proof.writes.slice(1) }, own))).to.deep.equal(['write set keys']);
    });

    it('flags a written value that differs from what the own peer holds', () => {
      const writes = proof.writes.map((w) => (w.key === qeKey ? { ...w, value: { ...(w.value as object), verdict: 'fail' } } : w));
      expect(failed(compareProof({ ...proof, writes }, own))).to.deep.equal([`API's write ${printableKey(qeKey).slice(0, 60)}`]);
    });

    it("flags the API's own record check when it found no match", () => {
      const record = { ...(proof.record as NonNullable<TransactionProof['record']>), matches: false };
      expect(failed(compareProof({ ...proof, record }, own))).to.deep.equal(["API's own record check"]);
    });

    it('flags a record shown to the user whose content differs from the write set', () => {
      const shown = { ...(qeValue as object), verdict: 'fail' };
      expect(failed(compareProof(proof, own, [{ what: 'the inspection', key: qeKey, value: shown }]))).to.deep.equal([
        'the inspection equals the write set',
      ]);
    });
  });

  describe('when the own peer rejects the transaction', () => {
    it('flags a transaction the own peer marked invalid, or a bad endorsement signature', () => {
      const bad: LedgerTransaction = {
        ...own,
        validationCode: 'MVCC_READ_CONFLICT',
        endorsements: own.endorsements.map((e, i) => ({ ...e, signatureValid: i !== 0 })),
      };
      const checks = compareProof({ ...proof, validationCode: 'MVCC_READ_CONFLICT' }, bad);
      expect(failed(checks)).to.deep.equal(['validated as VALID by the own peer', 'endorsement signatures verify']);
    });
  });

  it('prints composite keys readably', () => {
    expect(printableKey(qeKey)).to.equal(`qe/AssemblyCoMSP:SEAT-2026-0001/${own.txId}`);
  });
});
