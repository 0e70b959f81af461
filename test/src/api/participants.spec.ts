import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, closeApis, problemOf, uniqueId, type TestApi } from './support';

describe('API participants', function () {
  let city: TestApi;
  let parts: TestApi;
  const capability = uniqueId('cap').toLowerCase();

  before(async function () {
    [city, parts] = await Promise.all([apiFor('City'), apiFor('PartsCo')]);
  });
  after(closeApis);

  const participant = (msp: string) => ({
    name: 'PartsCo GmbH',
    kind: 'supplier',
    location: { city: 'Hamburg', country: 'DE' },
    capabilities: ['machining', capability],
    certifications: [{ name: 'ISO 9001', issuer: 'TUV', validUntil: '2030-01-01' }],
    msp,
  });

  describe('PUT /participants/:msp', function () {
    describe('as a City admin', function () {
      it('responds with 200 after commit, and the participant is searchable by capability', async function () {
        const res = await request(city.app)
          .put('/participants/PartsCoMSP')
          .set('Authorization', await bearer('City', 'admin1'))
          .send(participant('PartsCoMSP'));
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.txId).to.match(/^[0-9a-f]{64}$/);
        const found = await request(parts.app)
          .get('/participants')
          .query({ capability })
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(found.status).to.equal(200);
        expect(found.body.map((p: { msp: string }) => p.msp)).to.deep.equal(['PartsCoMSP']);
        const one = await request(parts.app)
          .get('/participants/PartsCoMSP')
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(one.body).to.include({ msp: 'PartsCoMSP', kind: 'supplier' });
        const all = await request(parts.app)
          .get('/participants')
          .set('Authorization', await bearer('PartsCo', 'qm1'));
        expect(all.body.map((p: { msp: string }) => p.msp)).to.include('PartsCoMSP');
      });
    });

    describe("as another organisation's admin", function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await request(parts.app)
          .put('/participants/PartsCoMSP')
          .set('Authorization', await bearer('PartsCo', 'admin1'))
          .send(participant('PartsCoMSP'));
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('as a City quality manager', function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await request(city.app)
          .put('/participants/PartsCoMSP')
          .set('Authorization', await bearer('City', 'qm1'))
          .send(participant('PartsCoMSP'));
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('with a body msp that differs from the path', function () {
      it('responds with 400', async function () {
        const res = await request(city.app)
          .put('/participants/PartsCoMSP')
          .set('Authorization', await bearer('City', 'admin1'))
          .send(participant('BankMSP'));
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      });
    });
  });

  describe('GET /participants', function () {
    it('with an invalid capability responds with 400', async function () {
      const res = await request(parts.app)
        .get('/participants')
        .query({ capability: 'Not A Token' })
        .set('Authorization', await bearer('PartsCo', 'qm1'));
      expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
    });
    it('GET /participants/:msp for an unknown organisation responds with 404', async function () {
      const res = await request(parts.app)
        .get('/participants/NoSuchMSP')
        .set('Authorization', await bearer('PartsCo', 'qm1'));
      expect(problemOf(res)).to.include({ status: 404, code: 'NOT_FOUND' });
    });
  });
});
