import { expect } from 'chai';
import request from 'supertest';
import { canonicalDigest } from '@lotline/domain';
import { apiFor, bearer, closeApis, newLot, problemOf, type TestApi } from './support';

describe('API transaction proofs', function () {
  let parts: TestApi;
  let bank: TestApi;
  let lot: { id: string } & Record<string, unknown>;
  let created: { result: Record<string, unknown>; txId: string; blockNumber: number };

  before(async function () {
    [parts, bank] = await Promise.all([apiFor('PartsCo'), apiFor('Bank')]);
    lot = newLot('PartsCoMSP');
    const res = await request(parts.app)
      .post('/lots')
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send(lot);
    expect(res.status).to.equal(201);
    created = res.body;
  });
  after(closeApis);

  const proof = (txId: string) => `/transactions/${txId}/proof`;

  describe('GET /transactions/:txId/proof', function () {
    describe("by the bank's auditor on the bank's own peer", function () {
      it('shows the block, VALID, the creator, the endorsers and a lot record that matches the write set', async function () {
        const res = await request(bank.app)
          .get(proof(created.txId))
          .query({ lotId: lot.id })
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.include({
          txId: created.txId,
          blockNumber: created.blockNumber,
          validationCode: 'VALID',
          valid: true,
          verified: true,
        });
        expect(res.body.creator.mspId).to.equal('PartsCoMSP');
        expect(res.body.creator.subject).to.contain('CN=qm1');
        expect(res.body.endorsers.length).to.be.at.least(3);
        for (const endorser of res.body.endorsers) expect(endorser.signatureValid).to.equal(true);
        // `verified` is the evidence verifier's verdict on the block, the configuration in force and genesis.
        expect(res.body.verification.failures).to.deep.equal([]);
        expect(res.body.verification).to.include({ ok: true });
        expect(res.body.verification.checks).to.be.at.least(15);
        expect(res.body.verification.genesisHeaderHash).to.match(/^[0-9a-f]{64}$/);
        expect(res.body.verification.notes.join(' ')).to.contain('Validity flags are not signed');
        expect(res.body.record).to.include({ key: `lot/${lot.id}`, found: true, comparedWith: 'lot-history', matches: true });
      });
    });

    describe('with the digest of the record the caller holds', function () {
      it('says it matches when the record is the committed one', async function () {
        const res = await request(bank.app)
          .get(proof(created.txId))
          .query({ lotId: lot.id, expect: canonicalDigest(created.result) })
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(res.body.record).to.include({ comparedWith: 'expect', matches: true });
        expect(res.body.verified).to.equal(true);
      });

      it('detects a mismatch when the record was altered', async function () {
        const altered = { ...created.result, quantity: { amount: 1000, unit: 'EA' } };
        const res = await request(bank.app)
          .get(proof(created.txId))
          .query({ lotId: lot.id, expect: canonicalDigest(altered) })
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(res.status).to.equal(200);
        expect(res.body.record).to.include({ found: true, matches: false });
        expect(res.body.verified).to.equal(false);
      });
    });

    describe('for a record the transaction did not write', function () {
      it('says it was not found, and the proof does not verify', async function () {
        const res = await request(bank.app)
          .get(proof(created.txId))
          .query({ lotId: 'PartsCoMSP:some-other-lot' })
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(res.body.record).to.include({ found: false, matches: false });
        expect(res.body.verified).to.equal(false);
      });
    });

    describe('for an unknown transaction', function () {
      it('responds with 404 TRANSACTION_NOT_FOUND', async function () {
        const res = await request(bank.app)
          .get(proof('f'.repeat(64)))
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(problemOf(res)).to.include({ status: 404, code: 'TRANSACTION_NOT_FOUND' });
      });
    });

    describe('for a malformed transaction id', function () {
      it('responds with 400', async function () {
        const res = await request(bank.app)
          .get(proof('xyz'))
          .set('Authorization', await bearer('Bank', 'auditor1'));
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      });
    });
  });
});
