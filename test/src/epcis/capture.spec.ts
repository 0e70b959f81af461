/**
 * POST /epcis/capture on the openepcis documents in test/fixtures/epcis (issue 7 §4):
 * every valid document is accepted, except the three that break the GS1
 * schema, which are refused with the reason; every invalid document is
 * refused for the reason its name states; capture is all or nothing.
 */
import { eventHashId } from '@lotline/chaincode/dist/epcis/hash';
import { expect } from 'chai';
import request from 'supertest';
import { expectRefused } from '../support/ledger';
import { connect, contract } from '../support/network';
import { closeEpcis, epcisApp, fixtureDocument, fixtureFiles, prefixesOf, registerPrefixes } from './support';

const app = epcisApp();

/** The three valid/ documents that break the GS1 JSON schema (test/fixtures/epcis/README.md), with the violation we report. */
const BREAKS_SCHEMA: Record<string, { pointer: RegExp; reason: RegExp }> = {
  'AggregationEvent_with_persistentDisposition.json': { pointer: /^\/epcisBody\/eventList\/1$/, reason: /persistentDisposition/ },
  'SensorData_with_combined_events.json': {
    pointer: /^\/epcisBody\/eventList\/7\/sensorElementList\/0\/sensorReport\/1\/type$/,
    reason: /allowed values|format "uri"/,
  },
  'TransactionEvent_with_userExtensions.json': {
    pointer: /^\/epcisBody\/eventList\/0\/sensorElementList\/0\/sensorReport\/0\/type$/,
    reason: /allowed values|format "uri"/,
  },
};

/** For each invalid/ document: violations that must be reported (pointer and reason), as its name says. */
const INVALID: Record<string, [RegExp, RegExp][]> = {
  'Combination_of_events_with_missing_mandatory_fields.json': [
    [/^\/epcisBody\/eventList\/0$/, /required property 'action'/],
    [/^\/epcisBody\/eventList\/1$/, /required property 'eventTimeZoneOffset'/],
  ],
  'Combination_of_multiple_invalid_fields.json': [[/^\/epcisBody\/eventList\/0\/bizStep$/, /allowed values|format "uri"/]],
  'Combination_of_non_standard_bizStep_and_disposition.json': [
    [/\/bizStep$/, /allowed values|format "uri"/],
    [/\/disposition$/, /allowed values|format "uri"/],
  ],
  'EPCISDocument_without_context.json': [[/^$/, /required property '@context'/]],
  'ObjectEvent_with_ilmd_field_without_namespace.json': [[/^\/epcisBody\/eventList\/0\/ilmd$/, /property name .* is not allowed/]],
  'ObjectEvent_with_invalid_action.json': [[/^\/epcisBody\/eventList\/0\/action$/, /allowed values/]],
  'ObjectEvent_with_invalid_certificationInfo.json': [[/^\/epcisBody\/eventList\/0\/certificationInfo/, /must be string/]],
  'ObjectEvent_with_invalid_eventTime_format.json': [[/^\/epcisBody\/eventList\/0\/eventTime$/, /format "date-time"/]],
  'ObjectEvent_with_non_standard_bizStep.json': [[/^\/epcisBody\/eventList\/0\/bizStep$/, /allowed values|format "uri"/]],
  'ObjectEvent_with_non_standard_bizStep_in_second_event.json': [[/^\/epcisBody\/eventList\/1\/bizStep$/, /allowed values|format "uri"/]],
  'ObjectEvent_with_non_standard_disposition.json': [[/^\/epcisBody\/eventList\/0\/disposition$/, /allowed values|format "uri"/]],
  'ObjectEvent_with_quantity_as_text.json': [[/^\/epcisBody\/eventList\/0\/quantityList\/0\/quantity$/, /must be number/]],
  'ObjectEvent_with_unknown_field_in_quantityList.json': [[/^\/epcisBody\/eventList\/0\/quantityList\/0$/, /additional properties/]],
  'ObjectEvent_without_action_and_eventTime.json': [
    [/^\/epcisBody\/eventList\/0$/, /required property 'action'/],
    [/^\/epcisBody\/eventList\/0$/, /required property 'eventTime'/],
  ],
  'ObjectEvent_without_identifier_list.json': [
    [/^\/epcisBody\/eventList\/0$/, /required property 'epcList'/],
    [/^\/epcisBody\/eventList\/0$/, /required property 'quantityList'/],
  ],
};

function post(doc: unknown, user = 'PartsCo/qm1', behaviour?: string): request.Test {
  const req = request(app).post('/epcis/capture').set('content-type', 'application/ld+json').set('x-test-user', user);
  return (behaviour !== undefined ? req.set('GS1-Capture-Error-Behaviour', behaviour) : req).send(JSON.stringify(doc));
}

describe('POST /epcis/capture', function () {
  before(async function () {
    // PartsCo captures every document: it must own the GS1 company prefixes they use (and 4012345 below).
    const docs = fixtureFiles('openepcis-capture/valid').map((f) => fixtureDocument(`openepcis-capture/valid/${f}`));
    await registerPrefixes('PartsCo', ['4012345', ...docs.flatMap(prefixesOf)]);
  });
  after(closeEpcis);

  describe('the openepcis valid documents', function () {
    for (const file of fixtureFiles('openepcis-capture/valid')) {
      const breaks = BREAKS_SCHEMA[file];
      if (breaks !== undefined) {
        it(`refuses ${file} with 400, naming the GS1 schema violation`, async function () {
          const res = await post(fixtureDocument(`openepcis-capture/valid/${file}`));
          expect(res.status).to.equal(400);
          expect(res.type).to.equal('application/problem+json');
          expect(res.body.code).to.equal('EPCIS_VALIDATION');
          expect(
            res.body.errors.some(
              (e: { pointer: string; reason: string }) => breaks.pointer.test(e.pointer) && breaks.reason.test(e.reason),
            ),
          ).to.equal(true);
        });
        continue;
      }
      it(`accepts ${file}: 201, every event captured (or already on this ledger from an earlier run)`, async function () {
        const doc = fixtureDocument(`openepcis-capture/valid/${file}`);
        const res = await post(doc, 'PartsCo/qm1', 'proceed');
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const events = (doc.epcisBody as { eventList: unknown[] }).eventList.length;
        expect(res.body.captured.length + res.body.skipped.length + res.body.declarations.length).to.equal(events);
      });
    }
  });

  describe('the openepcis invalid documents', function () {
    for (const file of fixtureFiles('openepcis-capture/invalid')) {
      it(`refuses ${file} with 400 and the violation its name states`, async function () {
        const res = await post(fixtureDocument(`openepcis-capture/invalid/${file}`));
        expect(res.status).to.equal(400);
        expect(res.body.code).to.equal('EPCIS_VALIDATION');
        const errors = res.body.errors as { pointer: string; reason: string }[];
        for (const [pointer, reason] of INVALID[file] ?? [[/^x/, /^x/]]) {
          expect(
            errors.some((e) => pointer.test(e.pointer) && reason.test(e.reason)),
            `${pointer} ${reason} in ${JSON.stringify(errors)}`,
          ).to.equal(true);
        }
      });
    }
  });

  describe('duplicates and atomicity', function () {
    const stamp = Date.now();
    const lot = (n: number): string => `https://id.gs1.org/01/04012345000016/10/T${(stamp % 1e8).toString(36)}${n}`;
    const event = (epcClass: string, quantity: number, time: string): Record<string, unknown> => ({
      type: 'ObjectEvent',
      action: 'ADD',
      bizStep: 'commissioning',
      eventTime: time,
      eventTimeZoneOffset: '+00:00',
      quantityList: [{ epcClass, quantity, uom: 'KGM' }],
    });
    const doc = (...events: Record<string, unknown>[]): Record<string, unknown> => ({
      '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: new Date().toISOString(),
      epcisBody: { eventList: events },
    });

    it('refuses a repeated event with 409, listing it, and captures nothing of the document', async function () {
      const first = event(lot(1), 10, new Date(stamp).toISOString());
      expect((await post(doc(first))).status).to.equal(201);
      const res = await post(doc(event(lot(2), 10, new Date(stamp + 1).toISOString()), first));
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('EPCIS_DUPLICATE');
      expect(res.body.errors[0].pointer).to.equal('/epcisBody/eventList/1');
      const query = await request(app)
        .get('/epcis/events')
        .query({ MATCH_anyEPCClass: lot(2) });
      expect(query.body.epcisBody.queryResults.resultsBody.eventList).to.have.length(0);
    });

    it('writes nothing when a later event fails a ledger rule (400/409 from the chaincode)', async function () {
      const res = await post(
        doc(event(lot(3), 10, new Date(stamp + 2).toISOString()), {
          type: 'TransformationEvent',
          eventTime: new Date(stamp + 3).toISOString(),
          eventTimeZoneOffset: '+00:00',
          inputQuantityList: [{ epcClass: lot(3), quantity: 11, uom: 'KGM' }],
          outputQuantityList: [{ epcClass: lot(4), quantity: 1, uom: 'KGM' }],
        }),
      );
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('INSUFFICIENT_QUANTITY');
      const query = await request(app)
        .get('/epcis/events')
        .query({ MATCH_anyEPCClass: lot(3) });
      expect(query.body.epcisBody.queryResults.resultsBody.eventList).to.have.length(0);
    });

    it('when a direct peer caller supplies another event’s hash ID, the chaincode refuses the capture, and the real event is captured afterwards', async function () {
      const context = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'];
      const victim = event(lot(6), 1, new Date(stamp + 5).toISOString());
      const forged = event(lot(7), 1, new Date(stamp + 6).toISOString());
      const peer = contract(connect('AssemblyCo', 'qm1'), 'Epcis');
      const argument = { events: [{ hashId: eventHashId(victim, context), event: forged }], context };
      await expectRefused(
        peer.submitTransaction('Capture', JSON.stringify(argument)),
        'INVALID_ARGUMENT',
        'a capture under a forged hash ID',
      );
      const res = await post(doc(victim));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.captured[0].hashId).to.equal(eventHashId(victim, context));
    });

    it('when another organisation unpacks PartsCo’s container, the capture is refused with 403 and the lot stays packed', async function () {
      const sscc = `urn:epc:id:sscc:4012345.${String(stamp % 1e10).padStart(10, '0')}`;
      const packing = {
        type: 'AggregationEvent',
        action: 'ADD',
        bizStep: 'packing',
        parentID: sscc,
        eventTime: new Date(stamp + 8).toISOString(),
        eventTimeZoneOffset: '+00:00',
        childQuantityList: [{ epcClass: lot(8), quantity: 1, uom: 'KGM' }],
      };
      expect((await post(doc(event(lot(8), 5, new Date(stamp + 7).toISOString()), packing))).status).to.equal(201);
      const unpacking = { ...packing, action: 'DELETE', bizStep: 'unpacking', eventTime: new Date(stamp + 9).toISOString() };
      delete (unpacking as Record<string, unknown>).childQuantityList;
      const res = await post(doc(unpacking), 'AssemblyCo/qm1');
      expect(res.status, JSON.stringify(res.body)).to.equal(403);
      expect(res.body.code).to.equal('FORBIDDEN');
      const query = await request(app).get('/epcis/events').query({ MATCH_anyEPC: sscc });
      expect(query.body.epcisBody.queryResults.resultsBody.eventList.map((e: { action: string }) => e.action)).to.deep.equal(['ADD']);
    });

    it('refuses an auditor with 403', async function () {
      const res = await post(doc(event(lot(5), 1, new Date(stamp + 4).toISOString())), 'Bank/auditor1');
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('FORBIDDEN');
    });
  });
});
