/**
 * The EPCIS query interface on the read model (issue 17 §2): the openepcis
 * documents in test/fixtures/epcis are captured, every captured event is
 * read back, and each parameter family must return exactly the events that
 * the parameter's rule, evaluated here on those events, selects. The values
 * queried are taken from the events themselves. Then paging, limits, the
 * REST binding's vocabularies, named queries with an SSE subscription and a
 * webhook receiving a newly captured event, 406 on XML and 400 on unknown
 * parameters.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identifierKey, locationKey } from '@lotline/domain';
import { expect } from 'chai';
import request from 'supertest';
import { schemaViolations } from '../../../gateway-api/src/epcis';
import { listen } from '../api/support';
import { uniqueId } from '../support/network';
import { closeEpcis, epcisApp, fixtureDocument, fixtureFiles, freshObjectEvent, prefixesOf, registerPrefixes } from './support';

type Json = Record<string, unknown>;

const app = epcisApp({ LOTLINE_EPCIS_WEBHOOK_HOSTS: '127.0.0.1' });
const USER = 'Bank/auditor1';

/** The bare CBV word of a value written as a word, URI, URN or CURIE. */
const word = (v: unknown): string =>
  typeof v === 'string' ? v.replace(/^(https?:\/\/ref\.gs1\.org\/cbv\/[A-Za-z]+-|urn:epcglobal:cbv:[a-z]+:|(cbv|gs1):[A-Za-z]+-)/, '') : '';
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Json[]) : []);
const classes = (e: Json, ...lists: string[]): string[] =>
  lists.flatMap((l) => objects(e[l]).map((q) => q.epcClass)).filter((c): c is string => typeof c === 'string');
const epcs = (e: Json, ...lists: string[]): string[] => lists.flatMap((l) => (l === 'parentID' ? strings([e.parentID]) : strings(e[l])));
const quantities = (e: Json): number[] =>
  ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'].flatMap((l) =>
    objects(e[l])
      .map((q) => q.quantity)
      .filter((q): q is number => typeof q === 'number'),
  );
const scalars = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(scalars) : typeof v === 'object' && v !== null ? [] : [v]);
const reports = (e: Json): Json[] => objects(e.sensorElementList).flatMap((s) => objects(s.sensorReport));

/** An identifier that names one EPC or class (not an EPC pattern, nor a GTIN-only Digital Link, which match more). */
const plain = (v: string): boolean => !v.startsWith('urn:epc:idpat:') && !/^01\/\d{14}$/.test(identifierKey(v));

/** The most frequent value among the events' extracted values (deterministic: ties by value). */
function mostCommon(all: readonly Json[], extract: (e: Json) => readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of all) for (const v of new Set(extract(e))) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = sorted[0];
  if (top === undefined) throw new Error('the captured events hold no such value: the fixture set changed');
  return top[0];
}

/** An event's identity in comparisons: the whole event as JSON with sorted keys. */
function identity(e: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Json)[k])]),
          )
        : v;
  return JSON.stringify(sort(e));
}

const eventsOf = (res: request.Response): Json[] => res.body.epcisBody.queryResults.resultsBody.eventList as Json[];

function get(path: string, query: Record<string, string>): request.Test {
  return request(app).get(path).set('x-test-user', USER).query(query);
}

/** Every page of a query. */
async function everything(query: Record<string, string>, path = '/epcis/events'): Promise<Json[]> {
  const out: Json[] = [];
  let token: string | undefined;
  for (let page = 0; page < 200; page++) {
    const res = await get(path, { ...query, perPage: '1000', ...(token !== undefined ? { nextPageToken: token } : {}) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    out.push(...eventsOf(res));
    token = res.get('GS1-Next-Page-Token');
    if (token === undefined) return out;
  }
  throw new Error('more than 200 pages');
}

function capture(doc: unknown, user = 'PartsCo/qm1'): request.Test {
  return request(app)
    .post('/epcis/capture')
    .set('content-type', 'application/ld+json')
    .set('x-test-user', user)
    .set('GS1-Capture-Error-Behaviour', 'proceed')
    .send(JSON.stringify(doc));
}

/** A new ObjectEvent (no ledger operation: bizStep storing, SGTIN) that no run has captured before. */
const freshEvent = (serial: string): Json => freshObjectEvent('4012345.011111', serial);

const document = (events: Json[]): Json => ({
  '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: new Date().toISOString(),
  epcisBody: { eventList: events },
});

describe('EPCIS queries on the read model', function () {
  let all: Json[] = [];

  before(async function () {
    const files = fixtureFiles('openepcis-capture/valid');
    const docs = files.map((f) => fixtureDocument(`openepcis-capture/valid/${f}`));
    await registerPrefixes('PartsCo', ['4012345', ...docs.flatMap(prefixesOf)]);
    let captured = 0;
    let lastBlock = 0;
    for (const doc of docs) {
      const res = await capture(doc);
      // The three documents that break the GS1 schema are refused (capture.spec.ts); every other one is stored.
      if (res.status === 201) {
        captured++;
        lastBlock = Math.max(lastBlock, res.body.blockNumber as number);
      } else expect(res.status, JSON.stringify(res.body)).to.equal(400);
    }
    expect(captured).to.equal(docs.length - 3);
    // Bank's read model reads what PartsCo captured once it has indexed the last capture's block.
    all = await everything({ minBlock: String(lastBlock) });
    expect(all.length).to.be.greaterThan(30);
  });
  after(closeEpcis);

  /** Check one query: exactly the events `select` picks among all captured events (and at least one, and not all). */
  async function expectExactly(query: Record<string, string>, select: (e: Json) => boolean): Promise<void> {
    const expected = all.filter(select).map(identity).sort();
    expect(expected.length, `no captured event satisfies ${JSON.stringify(query)}: the test would be vacuous`).to.be.greaterThan(0);
    expect(expected.length, `every event satisfies ${JSON.stringify(query)}`).to.be.lessThan(all.length);
    const actual = (await everything(query)).map(identity).sort();
    expect(actual).to.deep.equal(expected);
  }

  describe('each parameter family returns exactly the events its rule selects', function () {
    it('eventType and EQ_action', async function () {
      await expectExactly({ eventType: 'AggregationEvent|TransformationEvent' }, (e) =>
        ['AggregationEvent', 'TransformationEvent'].includes(e.type as string),
      );
      await expectExactly({ EQ_action: 'OBSERVE' }, (e) => e.action === 'OBSERVE');
    });

    it('GE_/LT_eventTime and GE_/LT_recordTime', async function () {
      const times = all.map((e) => Date.parse(e.eventTime as string)).sort((a, b) => a - b);
      const [from, to] = [times[Math.floor(times.length / 4)] as number, times[Math.floor((3 * times.length) / 4)] as number];
      await expectExactly({ GE_eventTime: new Date(from).toISOString(), LT_eventTime: new Date(to).toISOString() }, (e) => {
        const t = Date.parse(e.eventTime as string);
        return t >= from && t < to;
      });
      const records = all.map((e) => Date.parse(e.recordTime as string)).sort((a, b) => a - b);
      const median = records[Math.floor(records.length / 2)] as number;
      await expectExactly({ GE_recordTime: new Date(median).toISOString() }, (e) => Date.parse(e.recordTime as string) >= median);
      await expectExactly({ LT_recordTime: new Date(median).toISOString() }, (e) => Date.parse(e.recordTime as string) < median);
    });

    it('EQ_bizStep and EQ_disposition, given as CBV URIs', async function () {
      const step = mostCommon(all, (e) => [word(e.bizStep)].filter((w) => w !== ''));
      await expectExactly({ EQ_bizStep: `https://ref.gs1.org/cbv/BizStep-${step}` }, (e) => word(e.bizStep) === step);
      const disposition = mostCommon(all, (e) => [word(e.disposition)].filter((w) => w !== ''));
      await expectExactly({ EQ_disposition: `urn:epcglobal:cbv:disp:${disposition}` }, (e) => word(e.disposition) === disposition);
    });

    it('EQ_/WD_readPoint and EQ_/WD_bizLocation (with descendants: the sub-locations of a GLN)', async function () {
      const idOf = (e: Json, f: string): string | undefined => ((e[f] as Json | undefined)?.id as string | undefined) ?? undefined;
      for (const field of ['readPoint', 'bizLocation']) {
        const value = mostCommon(all, (e) => strings([idOf(e, field)]));
        await expectExactly(
          { [`EQ_${field}`]: value },
          (e) => idOf(e, field) !== undefined && locationKey(idOf(e, field) as string) === locationKey(value),
        );
        // A location with an extension, asked for by its GLN: itself and its sibling extensions.
        const sub = mostCommon(all, (e) => strings([idOf(e, field)]).filter((id) => /^urn:epc:id:sgln:\d+\.\d*\.(?!0$).+$/.test(id)));
        const gln = sub.replace(/\.[^.]+$/, '.0');
        const key = locationKey(gln);
        await expectExactly({ [`WD_${field}`]: gln }, (e) => {
          const k = idOf(e, field) === undefined ? undefined : locationKey(idOf(e, field) as string);
          return k === key || (k !== undefined && k.startsWith(`${key}/`));
        });
      }
    });

    it('MATCH_epc, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_anyEPC (by GS1 key)', async function () {
      const cases: [string, string[]][] = [
        ['MATCH_epc', ['epcList', 'childEPCs']],
        ['MATCH_parentID', ['parentID']],
        ['MATCH_inputEPC', ['inputEPCList']],
        ['MATCH_outputEPC', ['outputEPCList']],
        ['MATCH_anyEPC', ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList', 'parentID']],
      ];
      for (const [param, lists] of cases) {
        const value = mostCommon(all, (e) => epcs(e, ...lists).filter(plain));
        await expectExactly({ [param]: value }, (e) => epcs(e, ...lists).some((v) => identifierKey(v) === identifierKey(value)));
      }
    });

    it('MATCH_anyEPC with an EPC pattern URI', async function () {
      const sgtin = mostCommon(all, (e) => epcs(e, 'epcList', 'childEPCs').filter((v) => v.startsWith('urn:epc:id:sgtin:')));
      const pattern = sgtin.replace(/^urn:epc:id:sgtin:([^.]+)\.([^.]+)\..*$/, 'urn:epc:idpat:sgtin:$1.$2.*');
      const gtin = identifierKey(sgtin).split('/')[1] as string;
      await expectExactly({ MATCH_anyEPC: pattern }, (e) =>
        epcs(e, 'epcList', 'childEPCs', 'inputEPCList', 'outputEPCList', 'parentID').some((v) =>
          identifierKey(v).startsWith(`01/${gtin}/`),
        ),
      );
    });

    it('MATCH_epcClass, MATCH_inputEPCClass, MATCH_outputEPCClass, MATCH_anyEPCClass', async function () {
      const cases: [string, string[]][] = [
        ['MATCH_epcClass', ['quantityList', 'childQuantityList']],
        ['MATCH_inputEPCClass', ['inputQuantityList']],
        ['MATCH_outputEPCClass', ['outputQuantityList']],
        ['MATCH_anyEPCClass', ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList']],
      ];
      for (const [param, lists] of cases) {
        const value = mostCommon(all, (e) => classes(e, ...lists).filter(plain));
        await expectExactly({ [param]: value }, (e) => classes(e, ...lists).some((v) => identifierKey(v) === identifierKey(value)));
      }
    });

    it('EQ_quantity, GT_quantity, LT_quantity', async function () {
      const values = all.flatMap(quantities).sort((a, b) => a - b);
      const common = Number(mostCommon(all, (e) => quantities(e).map(String)));
      const median = values[Math.floor(values.length / 2)] as number;
      await expectExactly({ EQ_quantity: String(common) }, (e) => quantities(e).includes(common));
      await expectExactly({ GT_quantity: String(median) }, (e) => quantities(e).some((q) => q > median));
      await expectExactly({ LT_quantity: String(median) }, (e) => quantities(e).some((q) => q < median));
    });

    it('EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type>', async function () {
      const cases: [string, string, string][] = [
        ['bizTransaction', 'bizTransactionList', 'bizTransaction'],
        ['source', 'sourceList', 'source'],
        ['destination', 'destinationList', 'destination'],
      ];
      for (const [param, list, field] of cases) {
        const pair = mostCommon(all, (e) => objects(e[list]).map((b) => `${word(b.type)} ${String(b[field])}`));
        const [type, value] = [pair.slice(0, pair.indexOf(' ')), pair.slice(pair.indexOf(' ') + 1)];
        await expectExactly({ [`EQ_${param}_${type}`]: value }, (e) =>
          objects(e[list]).some((b) => word(b.type) === type && b[field] === value),
        );
      }
    });

    it('EQ_eventID', async function () {
      const id = mostCommon(all, (e) => strings([e.eventID]));
      await expectExactly({ EQ_eventID: id }, (e) => e.eventID === id);
    });

    it('EXISTS_errorDeclaration, EQ_errorReason, EQ_correctiveEventID, also for declared events never captured here', async function () {
      await expectExactly({ EXISTS_errorDeclaration: 'true' }, (e) => e.errorDeclaration !== undefined);
      const declaration = (e: Json): Json => (e.errorDeclaration as Json | undefined) ?? {};
      const reason = mostCommon(all, (e) => [word(declaration(e).reason)].filter((w) => w !== ''));
      await expectExactly({ EQ_errorReason: reason }, (e) => word(declaration(e).reason) === reason);
      const corrective = mostCommon(all, (e) => strings(declaration(e).correctiveEventIDs));
      await expectExactly({ EQ_correctiveEventID: corrective }, (e) => strings(declaration(e).correctiveEventIDs).includes(corrective));
      // A declaration whose event is not on the ledger is itself a result: it is the declared event, with its declaration.
      const declared = all.filter((e) => e.errorDeclaration !== undefined);
      expect(declared.length).to.be.greaterThan(0);
    });

    it('EQ_/GT_/EXISTS_ILMD_ fields', async function () {
      const ilmd = (e: Json): Json => (e.ilmd as Json | undefined) ?? {};
      const pair = mostCommon(all, (e) =>
        Object.entries(ilmd(e)).flatMap(([k, v]) => (typeof v === 'string' && !/^\d/.test(v) ? [`${k} ${v}`] : [])),
      );
      const [name, value] = [pair.slice(0, pair.indexOf(' ')), pair.slice(pair.indexOf(' ') + 1)];
      await expectExactly({ [`EQ_ILMD_${name}`]: value }, (e) => scalars(ilmd(e)[name]).includes(value));
      await expectExactly({ [`EXISTS_ILMD_${name}`]: '' }, (e) => name in ilmd(e));
      const numeric = mostCommon(all, (e) =>
        Object.entries(ilmd(e)).flatMap(([k, v]) => (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? [k] : [])),
      );
      await expectExactly({ [`GT_ILMD_${numeric}`]: '1' }, (e) => scalars(ilmd(e)[numeric]).some((v) => Number(v) > 1));
    });

    it('EQ_/GE_/EXISTS_ extension fields (namespaced, top level)', async function () {
      const pair = mostCommon(all, (e) =>
        Object.entries(e).flatMap(([k, v]) => (k.includes(':') && typeof v === 'string' && !/^\d/.test(v) ? [`${k} ${v}`] : [])),
      );
      const [name, value] = [pair.slice(0, pair.indexOf(' ')), pair.slice(pair.indexOf(' ') + 1)];
      await expectExactly({ [`EQ_${name}`]: value }, (e) => scalars(e[name]).includes(value));
      await expectExactly({ [`EXISTS_${name}`]: '' }, (e) => name in e);
      const timed = mostCommon(all, (e) =>
        Object.entries(e).flatMap(([k, v]) => (k.includes(':') && typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? [k] : [])),
      );
      await expectExactly({ [`GE_${timed}`]: '2000-01-01T00:00:00Z' }, (e) =>
        scalars(e[timed]).some(
          (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && Date.parse(v) >= Date.parse('2000-01-01T00:00:00Z'),
        ),
      );
    });

    it('sensor reports: EQ_type with GE_value on the same report, EQ_uom', async function () {
      const type = (r: Json): string => (typeof r.type === 'string' ? r.type.replace(/^gs1:/, '') : '');
      const measured = mostCommon(all, (e) =>
        reports(e)
          .filter((r) => typeof r.value === 'number')
          .map(type),
      );
      const values = all.flatMap((e) =>
        reports(e)
          .filter((r) => type(r) === measured && typeof r.value === 'number')
          .map((r) => r.value as number),
      );
      const threshold = Math.min(...values);
      await expectExactly({ EQ_type: measured, GE_value: String(threshold) }, (e) =>
        reports(e).some((r) => type(r) === measured && typeof r.value === 'number' && r.value >= threshold),
      );
      const uom = mostCommon(all, (e) => reports(e).flatMap((r) => strings([r.uom])));
      await expectExactly({ EQ_uom: uom }, (e) => reports(e).some((r) => r.uom === uom));
    });
  });

  describe('the answer', function () {
    it('is a schema-valid EPCISQueryDocument with the GS1 version headers and the block it is as of', async function () {
      const res = await get('/epcis/events', { EQ_action: 'ADD', perPage: '5' });
      expect(res.status).to.equal(200);
      expect(schemaViolations(res.body)).to.deep.equal([]);
      expect(res.get('GS1-EPCIS-Version')).to.equal('2.0.0');
      expect(res.get('GS1-CBV-Version')).to.equal('2.0.0');
      expect(Number(res.get('Lotline-As-Of-Block'))).to.be.greaterThan(0);
    });

    it('reads its own write with ?minBlock= (the capture answers with its blockNumber)', async function () {
      const serial = uniqueId('min');
      const res = await capture(document([freshEvent(serial)]));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.blockNumber).to.be.a('number');
      const found = await get('/epcis/events', {
        MATCH_epc: `urn:epc:id:sgtin:4012345.011111.${serial}`,
        minBlock: String(res.body.blockNumber),
      });
      expect(found.status, JSON.stringify(found.body)).to.equal(200);
      expect(eventsOf(found)).to.have.length(1);
      expect(Number(found.get('Lotline-As-Of-Block'))).to.be.at.least(res.body.blockNumber);
    });
  });

  describe('order, paging and limits', function () {
    it('orders by eventTime ascending by default, and by recordTime descending on request', async function () {
      const byEvent = (await everything({})).map((e) => Date.parse(e.eventTime as string));
      expect(byEvent).to.deep.equal([...byEvent].sort((a, b) => a - b));
      const byRecord = (await everything({ orderBy: 'recordTime', orderDirection: 'DESC' })).map((e) => Date.parse(e.recordTime as string));
      expect(byRecord).to.deep.equal([...byRecord].sort((a, b) => b - a));
    });

    it('pages with perPage and nextPageToken (Link rel="next") through every event once', async function () {
      const seen: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 100; page++) {
        const res = await get('/epcis/events', { perPage: '7', ...(token !== undefined ? { nextPageToken: token } : {}) });
        expect(eventsOf(res).length).to.be.at.most(7);
        seen.push(...eventsOf(res).map(identity));
        token = res.get('GS1-Next-Page-Token');
        if (token === undefined) break;
        expect(res.get('Link')).to.match(/rel="next"/);
      }
      const everyEvent = (await everything({})).map(identity);
      expect(seen.sort()).to.deep.equal(everyEvent.sort());
    });

    it('eventCountLimit caps the events over all pages', async function () {
      const seen: Json[] = [];
      let token: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await get('/epcis/events', {
          perPage: '2',
          eventCountLimit: '5',
          ...(token !== undefined ? { nextPageToken: token } : {}),
        });
        seen.push(...eventsOf(res));
        token = res.get('GS1-Next-Page-Token');
        if (token === undefined) break;
      }
      expect(seen.map(identity)).to.deep.equal(all.slice(0, 5).map(identity));
    });

    it('maxEventCount: a query matching more events is refused with 413 problem+json', async function () {
      const adds = all.filter((e) => e.action === 'ADD').length;
      const res = await get('/epcis/events', { EQ_action: 'ADD', maxEventCount: String(adds - 1) });
      expect(res.status).to.equal(413);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('EPCIS_QUERY_TOO_LARGE');
      expect((await get('/epcis/events', { EQ_action: 'ADD', maxEventCount: String(adds), perPage: '1000' })).status).to.equal(200);
    });
  });

  describe('refusals', function () {
    it('answers an unknown parameter with 400 problem+json naming it', async function () {
      const res = await get('/epcis/events', { EQ_nothing: 'x' });
      expect(res.status).to.equal(400);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('EPCIS_QUERY_PARAMETER');
      expect(res.body.errors[0].pointer).to.equal('EQ_nothing');
    });

    it('answers Accept: application/xml with 406 problem+json', async function () {
      const res = await get('/epcis/events', {}).set('accept', 'application/xml');
      expect(res.status).to.equal(406);
      expect(res.type).to.equal('application/problem+json');
      expect(res.get('GS1-EPCIS-Version')).to.equal('2.0.0');
    });
  });

  describe('the REST binding', function () {
    it('lists the bizSteps of the captured events, paged', async function () {
      const members: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 50; page++) {
        const res = await get('/epcis/bizSteps', { perPage: '3', ...(token !== undefined ? { nextPageToken: token } : {}) });
        expect(res.status).to.equal(200);
        expect(res.body.asOfBlock).to.be.a('number');
        members.push(...(res.body.member as string[]));
        token = res.get('GS1-Next-Page-Token');
        if (token === undefined) break;
      }
      const expected = [...new Set((await everything({})).map((e) => word(e.bizStep)).filter((w) => w !== ''))].sort();
      expect(members).to.deep.equal(expected);
    });

    it('lists EPCs, and /epcis/epcs/{epc}/events gives the events naming it as an EPC or class', async function () {
      const res = await get('/epcis/epcs', { perPage: '1000' });
      expect(res.status).to.equal(200);
      const epc = mostCommon(all, (e) => epcs(e, 'parentID'));
      expect(res.body.member).to.include(epc);
      const events = await everything({}, `/epcis/epcs/${encodeURIComponent(epc)}/events`);
      const expected = all.filter((e) =>
        [
          ...epcs(e, 'epcList', 'childEPCs', 'inputEPCList', 'outputEPCList', 'parentID'),
          ...classes(e, 'quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'),
        ].some((v) => identifierKey(v) === identifierKey(epc)),
      );
      expect(events.map(identity).sort()).to.deep.equal(expected.map(identity).sort());
    });

    it('lists event types, readPoints, bizLocations and dispositions', async function () {
      for (const [path, values] of [
        ['eventTypes', all.map((e) => e.type as string)],
        ['readPoints', all.flatMap((e) => strings([(e.readPoint as Json | undefined)?.id]))],
        ['bizLocations', all.flatMap((e) => strings([(e.bizLocation as Json | undefined)?.id]))],
        ['dispositions', all.map((e) => word(e.disposition)).filter((w) => w !== '')],
      ] as const) {
        const res = await get(`/epcis/${path}`, { perPage: '1000' });
        expect(res.status).to.equal(200);
        expect(res.body.member).to.include.members([...new Set(values)]);
      }
    });
  });

  describe('named queries and subscriptions', function () {
    const name = `storing-${uniqueId('q').replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
    const servers: Server[] = [];
    after(function () {
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
    });

    it('creates a named query (201), reads it, and refuses the same name again (409)', async function () {
      const body = { name, query: { EQ_bizStep: 'storing', MATCH_epc: ['urn:epc:idpat:sgtin:4012345.011111.*'] } };
      const res = await request(app).post('/epcis/queries').set('x-test-user', 'PartsCo/qm1').send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.get('Location')).to.equal(`/epcis/queries/${name}`);
      const read = await request(app).get(`/epcis/queries/${name}`).set('x-test-user', 'PartsCo/qm1');
      expect(read.body.query).to.deep.equal({ EQ_bizStep: ['storing'], MATCH_epc: ['urn:epc:idpat:sgtin:4012345.011111.*'] });
      expect((await request(app).post('/epcis/queries').set('x-test-user', 'PartsCo/qm1').send(body)).status).to.equal(409);
    });

    it('refuses a named query with an unknown parameter (400)', async function () {
      const res = await request(app)
        .post('/epcis/queries')
        .set('x-test-user', 'PartsCo/qm1')
        .send({ name: `${name}-bad`, query: { EQ_whatever: 'x' } });
      expect(res.status).to.equal(400);
      expect(res.body.errors[0].pointer).to.equal('EQ_whatever');
    });

    it('streams a newly captured matching event over SSE, and GET …/events returns it', async function () {
      const base = await listen(app);
      const serial = uniqueId('sse');
      const received = new Promise<Json>((resolve, reject) => {
        const req = httpRequest(
          `${base}/epcis/queries/${name}/events`,
          { headers: { accept: 'text/event-stream', 'x-test-user': 'PartsCo/qm1' } },
          (res: IncomingMessage) => {
            expect(res.statusCode).to.equal(200);
            let buffer = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffer += chunk;
              if (buffer.includes(': connected')) void capturedOnce();
              for (const message of buffer.split('\n\n')) {
                const data = message.split('\n').find((l) => l.startsWith('data: '));
                if (data !== undefined && data.includes(serial)) {
                  req.destroy();
                  resolve(JSON.parse(data.slice(6)) as Json);
                }
              }
            });
          },
        );
        req.on('error', (error) =>
          error.message.includes('aborted') || error.message.includes('socket hang up') ? undefined : reject(error),
        );
        req.end();
        let done = false;
        const capturedOnce = async (): Promise<void> => {
          if (done) return;
          done = true;
          const res = await capture(document([freshEvent(serial)]));
          if (res.status !== 201) reject(new Error(JSON.stringify(res.body)));
        };
      });
      const doc = await received;
      expect(doc.type).to.equal('EPCISQueryDocument');
      const events = (doc.epcisBody as Json).queryResults as Json;
      const list = (events.resultsBody as Json).eventList as Json[];
      expect(list.map((e) => (e.epcList as string[])[0])).to.include(`urn:epc:id:sgtin:4012345.011111.${serial}`);
      for (const e of list) expect(e.bizStep).to.equal('storing');

      const page = await request(app).get(`/epcis/queries/${name}/events`).set('x-test-user', 'PartsCo/qm1');
      expect(page.status).to.equal(200);
      expect(eventsOf(page).map((e) => (e.epcList as string[])[0])).to.include(`urn:epc:id:sgtin:4012345.011111.${serial}`);
    });

    it('delivers a newly captured matching event to a webhook subscription on 127.0.0.1', async function () {
      const deliveries: Json[] = [];
      let arrived: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => (arrived = resolve));
      const serial = uniqueId('hook');
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          deliveries.push(JSON.parse(body) as Json);
          res.writeHead(204).end();
          if (body.includes(serial)) arrived();
        });
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;

      const refused = await request(app)
        .post(`/epcis/queries/${name}/subscriptions`)
        .set('x-test-user', 'PartsCo/qm1')
        .send({ dest: `http://10.0.0.1:${port}/hook` });
      expect(refused.status).to.equal(400);
      expect(refused.body.code).to.equal('EPCIS_WEBHOOK_DESTINATION');

      const res = await request(app)
        .post(`/epcis/queries/${name}/subscriptions`)
        .set('x-test-user', 'PartsCo/qm1')
        .send({ dest: `http://127.0.0.1:${port}/hook`, stream: true });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const captured = await capture(document([freshEvent(serial)]));
      expect(captured.status).to.equal(201);
      await Promise.race([
        waiting,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no delivery: ${JSON.stringify(deliveries)}`)), 60_000)),
      ]);
      const doc = deliveries.find((d) => JSON.stringify(d).includes(serial)) as Json;
      const results = (doc.epcisBody as Json).queryResults as Json;
      expect(results.queryName).to.equal(name);
      expect(results.subscriptionID).to.equal(res.body.subscriptionID);

      const listed = await request(app).get(`/epcis/queries/${name}/subscriptions`).set('x-test-user', 'PartsCo/qm1');
      expect(listed.body.subscriptions[0].afterBlock).to.be.at.least(captured.body.blockNumber);
      const deleted = await request(app)
        .delete(`/epcis/queries/${name}/subscriptions/${res.body.subscriptionID}`)
        .set('x-test-user', 'PartsCo/qm1');
      expect(deleted.status).to.equal(204);
    });

    it('deletes the named query (204), after which it is gone (404)', async function () {
      expect((await request(app).delete(`/epcis/queries/${name}`).set('x-test-user', 'PartsCo/qm1')).status).to.equal(204);
      expect((await request(app).get(`/epcis/queries/${name}/events`).set('x-test-user', 'PartsCo/qm1')).status).to.equal(404);
    });
  });
});
