import { createHash } from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, closeApis, newLot, problemOf, type TestApi } from './support';

const certificate = { sha256: createHash('sha256').update('certificate.pdf').digest('hex'), uri: 'https://lab.example/certs/1.pdf' };
const measurement = { characteristic: 'diameter', value: 8.01, unit: 'mm', lower: 7.9, upper: 8.1 };

describe('API quality events, holds and recalls', function () {
  let parts: TestApi;
  let assembly: TestApi;
  let city: TestApi;

  before(async function () {
    // PartsCo's API with a read model of its own: recall reports come from it.
    [parts, assembly, city] = await Promise.all([
      apiFor('PartsCo', { LOTLINE_READ_WAIT_MS: '60000' }, { readModel: true }),
      apiFor('AssemblyCo'),
      apiFor('City'),
    ]);
  });
  after(closeApis);

  async function createLot(extra: Record<string, unknown> = {}): Promise<string> {
    const lot = newLot('PartsCoMSP', extra);
    const res = await request(parts.app)
      .post('/lots')
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send(lot);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return lot.id;
  }

  const events = (id: string) => `/lots/${encodeURIComponent(id)}/quality-events`;
  const holds = (id: string) => `/lots/${encodeURIComponent(id)}/holds`;

  describe('POST /lots/:id/quality-events', function () {
    let lotId: string;
    before(async function () {
      lotId = await createLot();
    });

    describe("an inspection by the custodian's inspector", function () {
      it('responds with 201 and the event records the recorder from the certificate', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'inspector1'))
          .send({ type: 'inspection', verdict: 'pass', measurements: [measurement], certificate });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.result.recordedBy).to.include({ msp: 'PartsCoMSP', role: 'inspector' });
        const list = await request(parts.app)
          .get(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'auditor1'));
        expect(list.body.events.map((e: { eventId: string }) => e.eventId)).to.include(res.body.result.eventId);
      });
    });

    describe('an inspection by the City inspector (public testing institute)', function () {
      it('responds with 201 for a lot City does not hold', async function () {
        const res = await request(city.app)
          .post(events(lotId))
          .set('Authorization', await bearer('City', 'inspector1'))
          .send({ type: 'inspection', verdict: 'conditional', certificate });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      });
    });

    describe("an inspection by another organisation's inspector", function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await request(assembly.app)
          .post(events(lotId))
          .set('Authorization', await bearer('AssemblyCo', 'inspector1'))
          .send({ type: 'inspection', verdict: 'pass', certificate });
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('an inspection by a quality manager', function () {
      it('responds with 403 FORBIDDEN (inspectors only)', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .send({ type: 'inspection', verdict: 'pass', certificate });
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });

    describe('a pass verdict with a measurement outside its limits', function () {
      it('responds with 400 INVALID_ARGUMENT from the chaincode', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'inspector1'))
          .send({ type: 'inspection', verdict: 'pass', measurements: [{ ...measurement, value: 9 }], certificate });
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
      });
    });

    describe('a confidential inspection', function () {
      it('sends the measurements as transient data: the public event has none, the recorder can read them back', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'inspector1'))
          .send({
            type: 'inspection',
            verdict: 'pass',
            certificate,
            confidential: { counterpartyMsp: 'AssemblyCoMSP' },
            details: { measurements: [measurement] },
          });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body.result.measurements).to.deep.equal([]);
        expect(res.body.result.confidential.detailsHash).to.match(/^[0-9a-f]{64}$/);
        const details = await request(parts.app)
          .get(`${events(lotId)}/${res.body.result.eventId}/details`)
          .set('Authorization', await bearer('PartsCo', 'qm1'));
        expect(details.status, JSON.stringify(details.body)).to.equal(200);
        expect(details.body.details.measurements).to.deep.equal([measurement]);
      });
    });

    describe('a nonconformance by a quality manager', function () {
      it('responds with 201', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .send({ type: 'nonconformance', description: 'burr on thread' });
        expect(res.status).to.equal(201);
        expect(res.body.result).to.include({ type: 'nonconformance' });
      });
    });

    describe('an unknown event type', function () {
      it('responds with 400 listing the type', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'qm1'))
          .send({ type: 'teleport' });
        expect(problemOf(res)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
        expect((res.body.errors as { path: string }[]).map((e) => e.path)).to.include('body.type');
      });
    });

    describe('by an auditor', function () {
      it('responds with 403 FORBIDDEN', async function () {
        const res = await request(parts.app)
          .post(events(lotId))
          .set('Authorization', await bearer('PartsCo', 'auditor1'))
          .send({ type: 'nonconformance', description: 'x' });
        expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
      });
    });
  });

  describe('GET /lots/:id/quality-events', function () {
    it('pages with limit and bookmark, oldest first, without repeats; a bookmark it did not issue is 400', async function () {
      const lotId = await createLot();
      const qm = await bearer('PartsCo', 'qm1');
      const recorded: string[] = [];
      for (const description of ['first', 'second', 'third']) {
        const res = await request(parts.app).post(events(lotId)).set('Authorization', qm).send({ type: 'nonconformance', description });
        expect(res.status).to.equal(201);
        recorded.push(res.body.result.eventId as string);
      }
      const auditor = await bearer('PartsCo', 'auditor1');
      const first = await request(parts.app).get(events(lotId)).query({ limit: 2 }).set('Authorization', auditor);
      expect(first.status).to.equal(200);
      expect(first.body.bookmark).to.be.a('string').and.not.equal('');
      const second = await request(parts.app)
        .get(events(lotId))
        .query({ limit: 2, bookmark: first.body.bookmark })
        .set('Authorization', auditor);
      expect(second.body.bookmark).to.equal('');
      const ids = [...first.body.events, ...second.body.events].map((e: { eventId: string }) => e.eventId);
      expect(ids).to.deep.equal(recorded);
      const foreign = await request(parts.app)
        .get(events(await createLot()))
        .query({ bookmark: first.body.bookmark })
        .set('Authorization', auditor);
      expect(problemOf(foreign)).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
    });
  });

  describe('holds', function () {
    it('a held lot cannot be shipped (409 LOT_ON_HOLD); after the release it can', async function () {
      const lotId = await createLot();
      const hold = await request(parts.app)
        .post(holds(lotId))
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ reason: 'suspect batch', includeDescendants: true });
      expect(hold.status, JSON.stringify(hold.body)).to.equal(201);
      const holdId = hold.body.result.holdId ?? hold.body.result.eventId;
      const read = await request(parts.app)
        .get(`/lots/${encodeURIComponent(lotId)}`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(read.body.status).to.equal('on_hold');

      const refused = await request(parts.app)
        .post(`/lots/${encodeURIComponent(lotId)}/transfers`)
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' });
      expect(problemOf(refused)).to.include({ status: 409, code: 'LOT_ON_HOLD' });

      const release = await request(parts.app)
        .post(`${holds(lotId)}/${holdId}/release`)
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ reason: 'cleared' });
      expect(release.status, JSON.stringify(release.body)).to.equal(201);
      const again = await request(parts.app)
        .post(`${holds(lotId)}/${holdId}/release`)
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ reason: 'twice' });
      expect(problemOf(again)).to.include({ status: 409, code: 'CONFLICT' });

      const shipped = await request(parts.app)
        .post(`/lots/${encodeURIComponent(lotId)}/transfers`)
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ to: 'AssemblyCoMSP' });
      expect(shipped.status).to.equal(201);
    });

    it('an inspector may not place a hold: 403', async function () {
      const lotId = await createLot();
      const res = await request(parts.app)
        .post(holds(lotId))
        .set('Authorization', await bearer('PartsCo', 'inspector1'))
        .send({ reason: 'x', includeDescendants: false });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it("another organisation's quality manager may not place a hold: 403 from the chaincode", async function () {
      const lotId = await createLot();
      const res = await request(assembly.app)
        .post(holds(lotId))
        .set('Authorization', await bearer('AssemblyCo', 'qm1'))
        .send({ reason: 'x', includeDescendants: false });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it('releasing an unknown hold responds with 404 NOT_FOUND', async function () {
      const lotId = await createLot();
      const res = await request(parts.app)
        .post(`${holds(lotId)}/${'0'.repeat(64)}/release`)
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ reason: 'x' });
      expect(problemOf(res)).to.include({ status: 404, code: 'NOT_FOUND' });
    });
  });

  describe('recalls', function () {
    it('POST /recalls records the recall; GET /recalls/:id reports every descendant with its custodian; consuming the lot is refused', async function () {
      const sourceId = await createLot();
      const childId = await createLot({ inputs: [{ lotId: sourceId, quantity: { amount: 5, unit: 'EA' } }] });
      const recall = await request(parts.app)
        .post('/recalls')
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ lotId: sourceId, reason: 'contamination' });
      expect(recall.status, JSON.stringify(recall.body)).to.equal(201);
      expect(recall.body.result).to.include({ sourceLotId: sourceId, reason: 'contamination' }).and.not.have.property('affected');
      expect(recall.headers.location).to.equal(`/recalls/${encodeURIComponent(recall.body.result.recallId)}`);

      const report = await request(parts.app)
        .get(`${recall.headers.location as string}?minBlock=${recall.body.blockNumber as number}`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(report.status, JSON.stringify(report.body)).to.equal(200);
      expect(report.body.affected.map((a: { lotId: string }) => a.lotId)).to.have.members([sourceId, childId]);
      // From the read model: complete (no depth cap), with its size and the block it is as of.
      expect(report.body).to.include({ total: 2 }).and.not.have.property('truncated');
      expect(report.body.asOfBlock).to.be.a('number');
      expect(report.body.affected.find((a: { lotId: string }) => a.lotId === childId)).to.include({ custodian: 'PartsCoMSP' });

      // The chaincode's own report is still there, bounded.
      const bounded = await request(parts.app)
        .get(`${recall.headers.location as string}?source=ledger&maxNodes=1`)
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(bounded.body).to.include({ truncated: true, maxNodes: 1 });
      expect(bounded.body.affected.map((a: { lotId: string }) => a.lotId)).to.deep.equal([sourceId]);

      const consume = await request(parts.app)
        .post('/lots')
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send(newLot('PartsCoMSP', { inputs: [{ lotId: childId, quantity: { amount: 1, unit: 'EA' } }] }));
      expect(problemOf(consume)).to.include({ status: 409, code: 'LOT_RECALLED' });

      const twice = await request(parts.app)
        .post('/recalls')
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send({ lotId: sourceId, reason: 'again' });
      expect(problemOf(twice)).to.include({ status: 409, code: 'CONFLICT' });
    });

    it('an auditor may not start a recall: 403', async function () {
      const lotId = await createLot();
      const res = await request(parts.app)
        .post('/recalls')
        .set('Authorization', await bearer('PartsCo', 'auditor1'))
        .send({ lotId, reason: 'x' });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it("a non-producer's quality manager may not start a recall: 403 from the chaincode", async function () {
      const lotId = await createLot();
      const res = await request(assembly.app)
        .post('/recalls')
        .set('Authorization', await bearer('AssemblyCo', 'qm1'))
        .send({ lotId, reason: 'x' });
      expect(problemOf(res)).to.include({ status: 403, code: 'FORBIDDEN' });
    });

    it('GET /recalls/:id for an unknown recall responds with 404', async function () {
      const res = await request(parts.app)
        .get('/recalls/no-such-recall')
        .set('Authorization', await bearer('PartsCo', 'auditor1'));
      expect(problemOf(res)).to.include({ status: 404, code: 'NOT_FOUND' });
    });
  });
});
