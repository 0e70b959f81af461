import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, closeApis, newLot, problemOf, type TestApi } from './support';

describe('API lots and custody', function () {
  let parts: TestApi;
  let assembly: TestApi;

  before(async function () {
    parts = await apiFor('PartsCo');
    assembly = await apiFor('AssemblyCo');
  });
  after(closeApis);

  async function createLot(api: TestApi, orgRef: string, user: string, body: Record<string, unknown>) {
    return request(api.app)
      .post('/lots')
      .set('Authorization', await bearer(orgRef, user))
      .send(body);
  }

  describe('POST /lots', function () {
    describe('as a quality manager of the producing organisation', function () {
      it('responds with 201 after commit, with the lot, txId, blockNumber and Location', async function () {
        const lot = newLot('PartsCoMSP');
        const res = await createLot(parts, 'PartsCo', 'qm1', lot);
        expect(res.status).to.equal(201);
        expect(res.body.result).to.include({ id: lot.id, producer: 'PartsCoMSP', custodian: 'PartsCoMSP' });
        expect(res.body.txId).to.match(/^[0-9a-f]{64}$/);
        expect(res.body.blockNumber).to.be.a('number').greaterThan(0);
        expect(res.headers.location).to.equal(`/lots/${encodeURIComponent(lot.id)}`);
        const read = await request(parts.app)
          .get(res.headers.location as string)
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(read.status).to.equal(200);
        expect(read.body.remaining).to.deep.equal({ amount: 100, unit: 'EA' });
      });
    });

    describe('as an auditor', function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await createLot(parts, 'PartsCo', 'auditor1', newLot('PartsCoMSP'));
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('with a producer in the body (spoofing another organisation)', function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await createLot(parts, 'PartsCo', 'qm1', newLot('PartsCoMSP', { producer: 'AssemblyCoMSP' }));
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe("with an id qualified by another organisation's MSP ID", function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await createLot(parts, 'PartsCo', 'qm1', newLot('AssemblyCoMSP'));
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('with a duplicate id', function () {
      it('responds with 409 LOT_EXISTS', async function () {
        const lot = newLot('PartsCoMSP');
        expect((await createLot(parts, 'PartsCo', 'qm1', lot)).status).to.equal(201);
        const res = await createLot(parts, 'PartsCo', 'qm1', lot);
        expect(problemOf(res)).to.include({ status: 409, code: 'LOT_EXISTS' });
      });
    });

    describe('with a body that violates the schema', function () {
      it('responds with 400 problem+json listing every issue', async function () {
        const res = await createLot(parts, 'PartsCo', 'qm1', { id: 'PartsCoMSP:x', quantity: { amount: -1, unit: 'kilos' } });
        const problem = problemOf(res);
        expect(problem).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
        expect(problem.contentType).to.match(/^application\/problem\+json/);
        const paths = (problem.body.errors as { path: string }[]).map((e) => e.path);
        expect(paths).to.include.members(['body.product', 'body.quantity.amount', 'body.quantity.unit', 'body.process']);
      });
    });

    describe('with invalid JSON', function () {
      it('responds with 400 INVALID_JSON', async function () {
        const res = await request(parts.app)
          .post('/lots')
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .set('Content-Type', 'application/json')
          .send('{"id": "PartsCoMSP:x",');
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_JSON' });
        expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      });
    });

    describe('with a body larger than 256 kb', function () {
      it('responds with 413 PAYLOAD_TOO_LARGE', async function () {
        const res = await createLot(parts, 'PartsCo', 'qm1', newLot('PartsCoMSP', { attributes: { big: 'x'.repeat(300 * 1024) } }));
        expect(problemOf(res)).to.include({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      });
    });

    describe('with a body that is not JSON', function () {
      it('responds with 415 UNSUPPORTED_MEDIA_TYPE', async function () {
        const res = await request(parts.app)
          .post('/lots')
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .set('Content-Type', 'text/plain')
          .send('id=1');
        expect(problemOf(res)).to.include({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
      });
    });
  });

  describe('GET /lots/:id', function () {
    describe('for an unknown lot', function () {
      it('responds with 404 LOT_NOT_FOUND as problem+json', async function () {
        const res = await request(parts.app)
          .get('/lots/PartsCoMSP%3Adoes-not-exist')
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        const problem = problemOf(res);
        expect(problem).to.include({ status: 404, code: 'LOT_NOT_FOUND' });
        expect(problem.body).to.include({
          type: 'https://lotline.example/problems/lot-not-found',
          title: 'Not found',
          instance: '/lots/PartsCoMSP%3Adoes-not-exist',
        });
        expect(problem.body.detail).to.be.a('string');
      });
    });
    describe('for a malformed id', function () {
      it('responds with 400 INVALID_ARGUMENT', async function () {
        const res = await request(parts.app)
          .get('/lots/no-qualifier')
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      });
    });
  });

  describe('lineage: splits, trace and history', function () {
    let parentId: string;
    let childId: string;
    let productId: string;

    before(async function () {
      const parent = newLot('PartsCoMSP');
      parentId = parent.id;
      expect((await createLot(parts, 'PartsCo', 'qm1', parent)).status).to.equal(201);
      const child = newLot('PartsCoMSP', { quantity: { amount: 40, unit: 'EA' } });
      const split = await request(parts.app)
        .post(`/lots/${encodeURIComponent(parentId)}/splits`)
        .set('Authorization', await bearer('PartsCo', 'inspector1'))
        .send(child);
      expect(split.status, JSON.stringify(split.body)).to.equal(201);
      childId = split.body.result.id;
      const product = newLot('PartsCoMSP', { inputs: [{ lotId: childId, quantity: { amount: 10, unit: 'EA' } }] });
      expect((await createLot(parts, 'PartsCo', 'admin1', product)).status).to.equal(201);
      productId = product.id;
    });

    it('POST /lots/:id/splits consumes the parent: its remaining quantity drops', async function () {
      const res = await request(parts.app)
        .get(`/lots/${encodeURIComponent(parentId)}`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(res.body.remaining).to.deep.equal({ amount: 60, unit: 'EA' });
    });

    it('GET /lots/:id/trace?direction=backward reaches the source lot', async function () {
      const res = await request(parts.app)
        .get(`/lots/${encodeURIComponent(productId)}/trace`)
        .query({ direction: 'backward', depth: 5 })
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(res.status).to.equal(200);
      expect(res.body.nodes.map((n: { id: string }) => n.id)).to.have.members([productId, childId, parentId]);
      expect(res.body.truncated).to.equal(false);
    });

    it('GET /lots/:id/trace?direction=forward reaches every product, and says when the depth cut it', async function () {
      const res = await request(parts.app)
        .get(`/lots/${encodeURIComponent(parentId)}/trace`)
        .query({ direction: 'forward', depth: 1 })
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(res.body.nodes.map((n: { id: string }) => n.id)).to.have.members([parentId, childId]);
      expect(res.body.truncated).to.equal(true);
    });

    it('GET /lots/:id/trace with depth beyond 50 responds with 400', async function () {
      const res = await request(parts.app)
        .get(`/lots/${encodeURIComponent(parentId)}/trace`)
        .query({ direction: 'forward', depth: 51 })
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
    });

    it('concurrent splits of one lot all commit (201): read conflicts are resubmitted as new transactions', async function () {
      const hot = newLot('PartsCoMSP');
      expect((await createLot(parts, 'PartsCo', 'qm1', hot)).status).to.equal(201);
      const auth = await bearer('PartsCo', 'qm1');
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          request(parts.app)
            .post(`/lots/${encodeURIComponent(hot.id)}/splits`)
            .set('Authorization', auth)
            .send(newLot('PartsCoMSP', { quantity: { amount: 1, unit: 'EA' } })),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal(Array.from({ length: 12 }, () => 201));
      expect(new Set(results.map((r) => r.body.txId)).size).to.equal(12);
      const read = await request(parts.app)
        .get(`/lots/${encodeURIComponent(hot.id)}`)
        .set('Authorization', auth);
      expect(read.body.remaining).to.deep.equal({ amount: 88, unit: 'EA' });
    });

    describe('50 concurrent POST /lots children of one parent through one API', function () {
      this.timeout(240_000);
      const amountOf = (i: number) => (i % 9) + 0.25;
      let hotId: string;
      let results: request.Response[] = [];

      before(async function () {
        const hot = newLot('PartsCoMSP', { quantity: { amount: 1000, unit: 'EA' } });
        hotId = hot.id;
        expect((await createLot(parts, 'PartsCo', 'qm1', hot)).status).to.equal(201);
        const auth = await bearer('PartsCo', 'qm1');
        results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            request(parts.app)
              .post('/lots')
              .set('Authorization', auth)
              .send(
                newLot('PartsCoMSP', {
                  quantity: { amount: amountOf(i), unit: 'EA' },
                  inputs: [{ lotId: hotId, quantity: { amount: amountOf(i), unit: 'EA' } }],
                }),
              ),
          ),
        );
      });

      it('all answer 201, each with its own committed transaction', function () {
        const failures = results.flatMap((r, i) => (r.status === 201 ? [] : [`child ${i}: ${r.status} ${JSON.stringify(r.body)}`]));
        expect(failures).to.deep.equal([]);
        expect(new Set(results.map((r) => r.body.txId)).size).to.equal(50);
      });

      it("leave the parent's remaining balance exactly its quantity minus the children's", async function () {
        const sum = Array.from({ length: 50 }, (_, i) => amountOf(i)).reduce((s, a) => s + a, 0);
        const read = await request(parts.app)
          .get(`/lots/${encodeURIComponent(hotId)}`)
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(read.status).to.equal(200);
        expect(read.body.remaining).to.deep.equal({ amount: 1000 - sum, unit: 'EA' });
      });
    });

    it('GET /lots/:id/history lists the creating transaction', async function () {
      const res = await request(parts.app)
        .get(`/lots/${encodeURIComponent(parentId)}/history`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(res.status).to.equal(200);
      expect(res.body.history).to.be.an('array').with.length.greaterThan(0);
      expect(res.body.history[0].value.id).to.equal(parentId);
      expect(res.body.bookmark).to.equal('');
    });
  });

  describe('custody transfers', function () {
    let lotId: string;

    beforeEach(async function () {
      const lot = newLot('PartsCoMSP');
      lotId = lot.id;
      expect((await createLot(parts, 'PartsCo', 'qm1', lot)).status).to.equal(201);
    });

    const path = (suffix = '') => `/lots/${encodeURIComponent(lotId)}/transfers${suffix}`;

    it('the custodian proposes (201) and the receiver accepts on its own API (200): custody changes', async function () {
      const proposed = await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'admin1'))
        .send({ to: 'AssemblyCoMSP' });
      expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
      expect(proposed.body.result).to.include({ from: 'PartsCoMSP', to: 'AssemblyCoMSP' });
      const pending = await request(assembly.app)
        .get(path('/current'))
        .set('Authorization', await bearer('AssemblyCo', 'auditor1'));
      expect(pending.body).to.include({ to: 'AssemblyCoMSP' });
      const accepted = await request(assembly.app)
        .post(path('/current/acceptance'))
        .set('Authorization', await bearer('AssemblyCo', 'qm1'))
        .send({});
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
      expect(accepted.body.result.custodian).to.equal('AssemblyCoMSP');
      expect(accepted.body.txId).to.match(/^[0-9a-f]{64}$/);
    });

    it('the receiver rejects (200): custody stays and nothing is pending', async function () {
      await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' })
        .expect(201);
      const rejected = await request(assembly.app)
        .post(path('/current/rejection'))
        .set('Authorization', await bearer('AssemblyCo', 'admin1'))
        .send({ reason: 'wrong spec' });
      expect(rejected.status).to.equal(200);
      const lot = await request(parts.app)
        .get(`/lots/${encodeURIComponent(lotId)}`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(lot.body).to.include({ custodian: 'PartsCoMSP', pendingTransfer: null });
      const pending = await request(parts.app)
        .get(path('/current'))
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(problemOf(pending)).to.include({ status: 404, code: 'TRANSFER_NOT_FOUND' });
    });

    it('the custodian withdraws its proposal with DELETE (200)', async function () {
      await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' })
        .expect(201);
      const cancelled = await request(parts.app)
        .delete(path('/current'))
        .set('Authorization', await bearer('PartsCo', 'qm1'));
      expect(cancelled.status).to.equal(200);
      expect(cancelled.body.result).to.include({ lotId });
    });

    it('an inspector may not propose a transfer: 403 (API role check)', async function () {
      const res = await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'inspector1'))
        .send({ to: 'AssemblyCoMSP' });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it('a non-custodian organisation may not propose: 403 from the chaincode', async function () {
      const res = await request(assembly.app)
        .post(path())
        .set('Authorization', await bearer('AssemblyCo', 'qm1'))
        .send({ to: 'BankMSP' });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it('the proposer may not accept its own proposal: 403', async function () {
      await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' })
        .expect(201);
      const res = await request(parts.app)
        .post(path('/current/acceptance'))
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({});
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it('accepting when nothing is pending responds with 404 TRANSFER_NOT_FOUND', async function () {
      const res = await request(assembly.app)
        .post(path('/current/acceptance'))
        .set('Authorization', await bearer('AssemblyCo', 'qm1'))
        .send({});
      expect(problemOf(res)).to.include({ status: 404, code: 'TRANSFER_NOT_FOUND' });
    });

    it('a second proposal while one is pending responds with 409 CONFLICT', async function () {
      await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' })
        .expect(201);
      const res = await request(parts.app)
        .post(path())
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'BankMSP' });
      expect(problemOf(res)).to.include({ status: 409, code: 'CONFLICT' });
    });
  });

  describe('an unknown route', function () {
    it('responds with 404 ROUTE_NOT_FOUND as problem+json', async function () {
      const res = await request(parts.app).get('/nothing-here');
      expect(problemOf(res)).to.include({ status: 404, code: 'ROUTE_NOT_FOUND' });
    });
  });
});
