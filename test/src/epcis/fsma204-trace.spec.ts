/**
 * The fsma204 chain (issue 7 §4), captured in order through POST /epcis/capture
 * by one recording organisation. The documents come from several companies;
 * Lotline records them as whoever signs the capture (here PartsCo's quality
 * manager), never as a party named in the documents. GS1 classes
 * (GTIN + lot, Digital Link or URN) become LGTIN lot ids with a 7-digit
 * company prefix field.
 *
 * Then: backward and forward traces, EPCIS queries on the chain, and the
 * export of the trace re-imported under fresh identifiers.
 */
import { expect } from 'chai';
import request from 'supertest';
import { schemaViolations } from '../../../gateway-api/src/epcis';
import { connect, contract } from '../support/network';
import { closeEpcis, epcisApp, lotIdOf, fixtureDocument, registerPrefixes } from './support';

const CHAIN = [
  'harvest-cte',
  'cooling-cte',
  'initial-packing-cte',
  'first-land-based-receiver-cte',
  'shipping-cte',
  'receiving-cte',
  'transformation-cte',
];
const HARVEST = lotIdOf('00860009999923', 'ABC1234');
const CASES = lotIdOf('10860009999920', 'ABC1234');
const DEF = lotIdOf('10860009998022', 'DEF2345');
const SALAD = lotIdOf('10860009998039', 'SALAD-20260420-A');
const SALAD_DL = 'https://id.gs1.org/01/10860009998039/10/SALAD-20260420-A';

interface TraceNode {
  id: string;
}
interface Trace {
  nodes: TraceNode[];
  edges: { from: string; to: string; quantity: { amount: number; unit: string } }[];
}

const app = epcisApp();
/** A company prefix for the re-import under fresh identifiers (registered to PartsCo, the recorder). */
const freshPrefix = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
const decoder = new TextDecoder();

/** A JSON value with its object keys sorted (for comparing documents whatever the key order). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

async function trace(id: string, direction: 'backward' | 'forward'): Promise<Trace> {
  const bytes = await contract(connect('Bank', 'auditor1')).evaluateTransaction('TraceLot', id, direction, '20', '500');
  return JSON.parse(decoder.decode(bytes)) as Trace;
}

function capture(doc: unknown, behaviour = 'proceed'): request.Test {
  return request(app)
    .post('/epcis/capture')
    .set('content-type', 'application/ld+json')
    .set('x-test-user', 'PartsCo/qm1')
    .set('GS1-Capture-Error-Behaviour', behaviour)
    .send(JSON.stringify(doc));
}

describe('the fsma204 chain through EPCIS', function () {
  before(async function () {
    await registerPrefixes('PartsCo', ['0860009', freshPrefix]);
  });
  after(closeEpcis);

  describe('captured in order', function () {
    const results: Record<string, { status: number; body: any }> = {};
    before(async function () {
      for (const name of CHAIN) {
        const res = await capture(fixtureDocument(`fsma204-chain/${name}.jsonld`));
        results[name] = { status: res.status, body: res.body };
      }
    });

    it('accepts every document (201), each event captured or already on this ledger', function () {
      for (const name of CHAIN) {
        expect(results[name]?.status, `${name}: ${JSON.stringify(results[name]?.body)}`).to.equal(201);
        const doc = fixtureDocument(`fsma204-chain/${name}.jsonld`) as { epcisBody: { eventList: unknown[] } };
        const body = results[name]?.body;
        expect(body.captured.length + body.skipped.length).to.equal(doc.epcisBody.eventList.length);
        expect(body.ignored).to.deep.equal(['/_comment_gs1us_mapping']);
      }
    });

    it('skips, as a duplicate, the transport event that initial-packing repeats from the harvest document', function () {
      expect(results['initial-packing-cte']?.body.skipped.map((s: { pointer: string }) => s.pointer)).to.include('/epcisBody/eventList/1');
    });

    it('refuses the harvest document again with 409 under the default (rollback) behaviour', async function () {
      const res = await capture(fixtureDocument('fsma204-chain/harvest-cte.jsonld'), 'rollback');
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('EPCIS_DUPLICATE');
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).to.deep.equal([
        '/epcisBody/eventList/0',
        '/epcisBody/eventList/1',
      ]);
    });

    it('traces backward from the finished salad lot to both harvest lots (ABC1234 and DEF2345)', async function () {
      const t = await trace(SALAD, 'backward');
      expect(t.nodes.map((n) => n.id)).to.include.members([SALAD, CASES, HARVEST, DEF]);
      expect(t.edges).to.deep.include({ from: DEF, to: SALAD, quantity: { amount: 50, unit: 'CS' } });
      expect(t.edges).to.deep.include({ from: HARVEST, to: CASES, quantity: { amount: 25000, unit: 'LBR' } });
    });

    it('traces forward from ABC1234 to the salad lot', async function () {
      const t = await trace(HARVEST, 'forward');
      expect(t.nodes.map((n) => n.id)).to.include.members([CASES, SALAD]);
    });

    it("records the recorder, not the documents' companies, as producer and custodian", async function () {
      const lot = JSON.parse(decoder.decode(await contract(connect('Bank', 'auditor1')).evaluateTransaction('ReadLot', SALAD)));
      expect(lot).to.deep.include({ producer: 'PartsCoMSP', custodian: 'PartsCoMSP' });
      expect(lot.attributes['epcis.class']).to.equal(SALAD_DL);
    });
  });

  describe('GET /epcis/events on the chain', function () {
    const get = (query: Record<string, string>) => request(app).get('/epcis/events').set('x-test-user', 'Bank/auditor1').query(query);
    const events = (res: request.Response): Record<string, unknown>[] => res.body.epcisBody.queryResults.resultsBody.eventList;

    it('returns a schema-valid EPCISQueryDocument for MATCH_outputEPCClass, with the URN spelling of a Digital Link class', async function () {
      const res = await get({ MATCH_outputEPCClass: SALAD });
      expect(res.status).to.equal(200);
      expect(schemaViolations(res.body)).to.deep.equal([]);
      expect(events(res).map((e) => e.type)).to.deep.equal(['TransformationEvent']);
      expect(events(res)[0]?.recordTime).to.be.a('string');
    });

    it('combines MATCH_anyEPCClass with EQ_bizStep and EQ_disposition', async function () {
      const res = await get({
        MATCH_anyEPCClass: 'https://id.gs1.org/01/00860009999923/10/ABC1234',
        EQ_bizStep: 'receiving',
        EQ_disposition: 'in_progress',
      });
      expect(events(res).length).to.be.greaterThan(0);
      for (const e of events(res)) expect(e.bizStep).to.equal('receiving');
    });

    it('matches MATCH_inputEPCClass, MATCH_anyEPC (pallet SSCC) and a time window', async function () {
      expect(events(await get({ MATCH_inputEPCClass: 'https://id.gs1.org/01/10860009998022/10/DEF2345' }))).to.have.length(1);
      const pallet = events(await get({ MATCH_anyEPC: 'https://id.gs1.org/00/008600099999850000' }));
      expect(pallet.map((e) => e.type)).to.include.members(['AggregationEvent', 'ObjectEvent']);
      for (const e of pallet)
        expect([e.parentID, ...((e.epcList as string[] | undefined) ?? [])]).to.include('https://id.gs1.org/00/008600099999850000');
      const window = events(
        await get({ MATCH_anyEPCClass: HARVEST, GE_eventTime: '2026-04-17T00:00:00Z', LT_eventTime: '2026-04-18T00:00:00Z' }),
      );
      expect(window.length).to.be.greaterThan(0);
      for (const e of window)
        expect(Date.parse(e.eventTime as string)).to.be.within(Date.parse('2026-04-17T00:00:00Z'), Date.parse('2026-04-18T00:00:00Z') - 1);
    });

    it('pages with perPage and nextPageToken (Link rel="next") without repeating an event', async function () {
      const seen: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = await get({ MATCH_anyEPCClass: HARVEST, perPage: '2', ...(token !== undefined ? { nextPageToken: token } : {}) });
        seen.push(...events(res).map((e) => JSON.stringify(e)));
        token = res.get('GS1-Next-Page-Token');
        if (token === undefined) break;
        expect(res.get('Link')).to.match(/rel="next"/);
      }
      expect(seen.length).to.be.greaterThan(2);
      expect(new Set(seen).size).to.equal(seen.length);
    });

    it('refuses an unknown parameter with 400', async function () {
      expect((await get({ MATCH_everything: 'x' })).status).to.equal(400);
    });
  });

  describe('export of the trace as captured', function () {
    it('returns the captured events that made the traced lots, exactly as the documents state them (schema-valid)', async function () {
      const exported = await request(app)
        .get(`/epcis/lots/${encodeURIComponent(SALAD)}/trace`)
        .set('x-test-user', 'Bank/auditor1')
        .query({ direction: 'backward' });
      expect(exported.status).to.equal(200);
      expect(exported.get('GS1-EPCIS-Version')).to.equal('2.0.0');
      expect(schemaViolations(exported.body)).to.deep.equal([]);
      const withoutComments = (e: Record<string, unknown>): Record<string, unknown> =>
        Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('_comment')));
      const captured = CHAIN.flatMap((name) =>
        (fixtureDocument(`fsma204-chain/${name}.jsonld`).epcisBody as { eventList: Record<string, unknown>[] }).eventList.map(
          withoutComments,
        ),
      );
      const events = exported.body.epcisBody.eventList as Record<string, unknown>[];
      // The salad lot is made by the transformation CTE's TransformationEvent: exported as captured, not rebuilt from the lot.
      const salad = events.filter((e) => JSON.stringify(e).includes('SALAD-20260420-A'));
      expect(salad.length).to.be.greaterThan(0);
      const same = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
      for (const event of salad)
        expect(
          captured.some((c) => same(c, event)),
          JSON.stringify(event),
        ).to.equal(true);
      expect(events.filter((e) => captured.some((c) => same(c, e))).length).to.be.greaterThan(1);
    });
  });

  describe('export of the trace and re-import under fresh identifiers', function () {
    const prefix = freshPrefix;
    const fresh = (id: string): string => id.replace('urn:epc:class:lgtin:0860009.', `urn:epc:class:lgtin:${prefix}.`);

    it('exports a schema-valid EPCIS document that re-imports into the same backward and forward traces', async function () {
      const exported = await request(app)
        .get(`/epcis/lots/${encodeURIComponent(SALAD)}/trace`)
        .set('x-test-user', 'Bank/auditor1')
        .query({ direction: 'backward', events: 'lineage' });
      expect(exported.status).to.equal(200);
      expect(schemaViolations(exported.body)).to.deep.equal([]);

      const rewritten = JSON.parse(
        JSON.stringify(exported.body).split('urn:epc:class:lgtin:0860009.').join(`urn:epc:class:lgtin:${prefix}.`),
      );
      const res = await capture(rewritten, 'rollback');
      expect(res.status, JSON.stringify(res.body)).to.equal(201);

      const before = await trace(SALAD, 'backward');
      const after = await trace(fresh(SALAD), 'backward');
      expect(after.nodes.map((n) => n.id).sort()).to.deep.equal(before.nodes.map((n) => fresh(n.id)).sort());
      const edges = (t: Trace, map: (id: string) => string) =>
        t.edges.map((e) => `${map(e.from)}>${map(e.to)}:${e.quantity.amount}${e.quantity.unit}`).sort();
      expect(edges(after, (id) => id)).to.deep.equal(edges(before, fresh));

      const forward = await trace(fresh(HARVEST), 'forward');
      expect(forward.nodes.map((n) => n.id)).to.include(fresh(SALAD));
    });
  });
});
