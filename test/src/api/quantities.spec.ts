import { expect } from 'chai';
import request from 'supertest';
import { PARTSCO, closeConnections, contractFor } from '../support/identities';
import { expectRefused } from '../support/ledger';
import { apiFor, bearer, closeApis, newLot, problemOf, type TestApi } from './support';

/**
 * Quantities are exact end to end: through the API, the shared schema and the
 * deployed chaincode on the real network, an amount of 16384 or more with
 * decimals is accepted and can be consumed to the last millionth.
 */
describe('API exact quantities', function () {
  let parts: TestApi;
  const kg = (amount: number) => ({ amount, unit: 'KGM' });

  before(async function () {
    parts = await apiFor('PartsCo');
  });
  after(async function () {
    closeConnections();
    await closeApis();
  });

  async function post(path: string, body: Record<string, unknown>) {
    return request(parts.app)
      .post(path)
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send(body);
  }

  async function read(id: string) {
    const res = await request(parts.app)
      .get(`/lots/${encodeURIComponent(id)}`)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));
    return res;
  }

  describe('POST /lots with quantity 16384.005 KGM', function () {
    it('responds with 201, and the lot reads back 16384.005 KGM remaining', async function () {
      const lot = newLot('PartsCoMSP', { quantity: kg(16384.005) });
      const res = await post('/lots', lot);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.result.quantity).to.deep.equal(kg(16384.005));
      expect((await read(lot.id)).body.remaining).to.deep.equal(kg(16384.005));
    });
  });

  describe('a remainder of 16384.005 after partial draws', function () {
    it('is consumed in full by a split of 16384.005 (201): the parent reads 0 remaining and consumed', async function () {
      const parent = newLot('PartsCoMSP', { quantity: kg(20000) });
      expect((await post('/lots', parent)).status).to.equal(201);
      const splits = `/lots/${encodeURIComponent(parent.id)}/splits`;
      expect((await post(splits, newLot('PartsCoMSP', { quantity: kg(3000.5) }))).status).to.equal(201);
      expect(
        (await post('/lots', newLot('PartsCoMSP', { quantity: kg(615.495), inputs: [{ lotId: parent.id, quantity: kg(615.495) }] })))
          .status,
      ).to.equal(201);
      expect((await read(parent.id)).body.remaining).to.deep.equal(kg(16384.005));

      const last = await post(splits, newLot('PartsCoMSP', { quantity: kg(16384.005) }));
      expect(last.status, JSON.stringify(last.body)).to.equal(201);
      const after = (await read(parent.id)).body;
      expect(after.remaining).to.deep.equal(kg(0));
      expect(after.status).to.equal('consumed');

      const more = await post(splits, newLot('PartsCoMSP', { quantity: kg(0.000001) }));
      expect(problemOf(more)).to.include({ status: 409, code: 'INSUFFICIENT_QUANTITY' });
    });
  });

  describe('POST /lots with 7 decimals (16384.0050001)', function () {
    it('responds with 400 INVALID_ARGUMENT naming the 6-decimal limit, and creates nothing', async function () {
      const lot = newLot('PartsCoMSP', { quantity: kg(16384.0050001) });
      const problem = problemOf(await post('/lots', lot));
      expect(problem).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      expect(JSON.stringify(problem.body)).to.contain('more than 6 decimals');
      expect((await read(lot.id)).status).to.equal(404);
    });
  });

  describe('the deployed chaincode, called directly on the peer (no API validation in front)', function () {
    it('refuses 7 decimals itself with INVALID_ARGUMENT', async function () {
      const lot = newLot('PartsCoMSP', { quantity: kg(16384.0050001) });
      await expectRefused(contractFor(PARTSCO, 'qm1').submitTransaction('CreateLot', JSON.stringify(lot)), 'INVALID_ARGUMENT');
    });
  });
});
