import { expect } from 'chai';
import {
  backfillSearch,
  createSubscription,
  EpcisQueryError,
  epcisOutputEvent,
  epcisVocabulary,
  openStore,
  parseEpcisQuery,
  queryEpcisEvents,
  recordDelivery,
  SCHEMA,
  searchDocument,
  subscriptions,
  tokenOf,
  type RawQuery,
  type Store,
} from '../src';

type Json = Record<string, unknown>;

const CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { example: 'https://ns.example.com/epcis/' }];

const E1: Json = {
  type: 'ObjectEvent',
  eventTime: '2024-01-01T00:00:00Z',
  eventTimeZoneOffset: '+00:00',
  action: 'ADD',
  epcList: ['urn:epc:id:sgtin:0614141.107346.2017'],
  quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.998877', quantity: 200, uom: 'KGM' }],
  bizStep: 'shipping',
  disposition: 'in_transit',
  readPoint: { id: 'urn:epc:id:sgln:0614141.07346.1234' },
  bizLocation: { id: 'urn:epc:id:sgln:0614141.07346.0' },
  bizTransactionList: [{ type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:0614141073467:1152' }],
  sourceList: [{ type: 'owning_party', source: 'urn:epc:id:pgln:0614141.00001' }],
  ilmd: { 'example:bestBefore': '2024-06-01T00:00:00Z', 'example:weight': 12.5 },
  'example:grade': 'A',
  'example:box': { 'example:colour': 'red' },
  sensorElementList: [
    {
      sensorMetadata: { time: '2024-01-01T00:00:00Z', deviceID: 'urn:epc:id:giai:4000001.111' },
      sensorReport: [{ type: 'gs1:Temperature', value: 26, uom: 'CEL' }],
    },
  ],
};
const E2: Json = {
  type: 'AggregationEvent',
  eventTime: '2024-01-15T00:00:00Z',
  eventTimeZoneOffset: '+00:00',
  action: 'OBSERVE',
  parentID: 'urn:epc:id:sscc:0614141.1234567890',
  childEPCs: ['urn:epc:id:sgtin:0614141.107346.2018'],
  bizStep: 'https://ref.gs1.org/cbv/BizStep-receiving',
  readPoint: { id: 'https://id.gs1.org/414/0614141073467/254/1234' },
};
const E3: Json = {
  type: 'TransformationEvent',
  eventTime: '2024-02-01T00:00:00Z',
  eventTimeZoneOffset: '+00:00',
  inputQuantityList: [{ epcClass: 'https://id.gs1.org/01/04012345123456/10/998877', quantity: 10, uom: 'KGM' }],
  outputEPCList: ['urn:epc:id:sgtin:4012345.011111.1'],
  bizStep: 'commissioning',
};
const DECLARATION_E3: Json = {
  ...E3,
  errorDeclaration: { declarationTime: '2024-03-01T00:00:00Z', reason: 'incorrect_data', correctiveEventIDs: ['urn:uuid:c1'] },
};
/** Declared in error but never captured here. */
const D4: Json = {
  type: 'ObjectEvent',
  eventTime: '2023-12-01T00:00:00Z',
  eventTimeZoneOffset: '+00:00',
  action: 'DELETE',
  epcList: ['urn:epc:id:sgtin:0614141.107346.9'],
  errorDeclaration: { declarationTime: '2024-03-02T00:00:00Z', reason: 'urn:epcglobal:cbv:er:did_not_occur' },
};

const EVENTS: Record<string, Json> = { E1, E2, E3 };

async function seed(store: Store): Promise<void> {
  let block = 1;
  for (const [hashId, event] of Object.entries(EVENTS)) {
    const recordTime = `2024-04-0${block}T00:00:00.000Z`;
    await store.query(
      `INSERT INTO epcis_events (hash_id, event_id, type, event_time_ms, biz_step, disposition, record_time, event, context, doc, search, block, tx_id)
       VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        hashId,
        event.type,
        Date.parse(event.eventTime as string),
        typeof event.bizStep === 'string' ? event.bizStep.replace(/^.*BizStep-/, '') : null,
        event.disposition ?? null,
        recordTime,
        JSON.stringify(event),
        JSON.stringify(CONTEXT),
        JSON.stringify({ hashId, event }),
        JSON.stringify(searchDocument(event, CONTEXT)),
        block,
        `tx${block}`,
      ],
    );
    block++;
  }
  for (const [hashId, event] of [
    ['E3', DECLARATION_E3],
    ['D4', D4],
  ] as const) {
    await store.query(
      `INSERT INTO epcis_declarations (hash_id, capture_tx_id, idx, reason, declared_event_known, event, context, doc, search, block, tx_id)
       VALUES ($1, $2, '0', NULL, $3, $4, $5, $6, $7, $8, $2)`,
      [
        hashId,
        `decl-${hashId}`,
        hashId === 'E3',
        JSON.stringify(event),
        JSON.stringify(CONTEXT),
        JSON.stringify({ hashId, event, recordedAt: '2024-05-01T00:00:00.000Z' }),
        JSON.stringify(searchDocument(event, CONTEXT)),
        block++,
      ],
    );
  }
}

describe('EPCIS queries on the read model (PGlite, real SQL)', function () {
  this.timeout(60_000);
  let store: Store;

  before(async function () {
    store = await openStore({ kind: 'pglite-memory' });
    await store.exec(SCHEMA);
    await seed(store);
  });
  after(async function () {
    await store.close();
  });

  const ids = async (raw: RawQuery): Promise<string[]> => (await queryEpcisEvents(store, parseEpcisQuery(raw))).events.map((e) => e.hashId);

  describe('what, when, where, why', function () {
    it('eventType and EQ_action select by type and action', async function () {
      expect(await ids({ eventType: 'ObjectEvent' })).to.deep.equal(['D4', 'E1']);
      expect(await ids({ eventType: 'ObjectEvent|AggregationEvent', EQ_action: 'OBSERVE' })).to.deep.equal(['E2']);
    });

    it('GE_/LT_eventTime bound the event time; GE_/LT_recordTime the capture time', async function () {
      expect(await ids({ GE_eventTime: '2024-01-01T00:00:00Z', LT_eventTime: '2024-02-01T00:00:00Z' })).to.deep.equal(['E1', 'E2']);
      expect(await ids({ GE_recordTime: '2024-04-02T00:00:00Z', LT_recordTime: '2024-04-30T00:00:00Z' })).to.deep.equal(['E2', 'E3']);
    });

    it('EQ_bizStep and EQ_disposition accept the bare word and the CBV URI', async function () {
      expect(await ids({ EQ_bizStep: 'receiving' })).to.deep.equal(['E2']);
      expect(await ids({ EQ_bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping' })).to.deep.equal(['E1']);
      expect(await ids({ EQ_disposition: 'urn:epcglobal:cbv:disp:in_transit' })).to.deep.equal(['E1']);
    });

    it('EQ_readPoint matches the SGLN URN and its Digital Link alike; WD_ takes the GLN’s sub-locations', async function () {
      expect(await ids({ EQ_readPoint: 'https://id.gs1.org/414/0614141073467/254/1234' })).to.deep.equal(['E1', 'E2']);
      expect(await ids({ EQ_readPoint: 'urn:epc:id:sgln:0614141.07346.0' })).to.deep.equal([]);
      expect(await ids({ WD_readPoint: 'urn:epc:id:sgln:0614141.07346.0' })).to.deep.equal(['E1', 'E2']);
      expect(await ids({ WD_bizLocation: 'https://id.gs1.org/414/0614141073467' })).to.deep.equal(['E1']);
      expect(await ids({ WD_readPoint: 'urn:epc:id:sgln:0614141.07346.99' })).to.deep.equal([]);
    });
  });

  describe('MATCH_ parameters', function () {
    it('compare by GS1 key, so a Digital Link finds the URN it names', async function () {
      expect(await ids({ MATCH_epc: 'https://id.gs1.org/01/10614141073464/21/2017' })).to.deep.equal(['E1']);
      expect(await ids({ MATCH_parentID: 'urn:epc:id:sscc:0614141.1234567890' })).to.deep.equal(['E2']);
      expect(await ids({ MATCH_outputEPC: 'urn:epc:id:sgtin:4012345.011111.1' })).to.deep.equal(['E3']);
      expect(await ids({ MATCH_inputEPC: 'urn:epc:id:sgtin:4012345.011111.1' })).to.deep.equal([]);
      expect(await ids({ MATCH_anyEPC: 'urn:epc:id:sscc:0614141.1234567890|urn:epc:id:sgtin:4012345.011111.1' })).to.deep.equal([
        'E2',
        'E3',
      ]);
    });

    it('take EPC pattern URIs and GTIN-only Digital Links', async function () {
      expect(await ids({ MATCH_epc: 'urn:epc:idpat:sgtin:0614141.107346.*' })).to.deep.equal(['D4', 'E1', 'E2']);
      expect(await ids({ MATCH_anyEPC: 'urn:epc:idpat:sscc:0614141.*' })).to.deep.equal(['E2']);
      expect(await ids({ MATCH_anyEPCClass: 'https://id.gs1.org/01/04012345123456' })).to.deep.equal(['E1', 'E3']);
    });

    it('MATCH_epcClass, MATCH_inputEPCClass and MATCH_anyEPCClass read their own lists', async function () {
      const lot = 'urn:epc:class:lgtin:4012345.012345.998877';
      expect(await ids({ MATCH_epcClass: lot })).to.deep.equal(['E1']);
      expect(await ids({ MATCH_inputEPCClass: lot })).to.deep.equal(['E3']);
      expect(await ids({ MATCH_outputEPCClass: lot })).to.deep.equal([]);
      expect(await ids({ MATCH_anyEPCClass: lot })).to.deep.equal(['E1', 'E3']);
    });

    it('refuse an EPC pattern they cannot read, naming the parameter', function () {
      expect(() => parseEpcisQuery({ MATCH_epc: 'urn:epc:idpat:grai:1.2.*' }))
        .to.throw(EpcisQueryError)
        .with.property('parameter', 'MATCH_epc');
    });
  });

  describe('quantities, transactions, parties', function () {
    it('EQ_/GT_/LT_quantity compare any quantity element', async function () {
      expect(await ids({ EQ_quantity: '200' })).to.deep.equal(['E1']);
      expect(await ids({ GT_quantity: '10' })).to.deep.equal(['E1']);
      expect(await ids({ GE_quantity: '10' })).to.deep.equal(['E1', 'E3']);
      expect(await ids({ LT_quantity: '50' })).to.deep.equal(['E3']);
    });

    it('EQ_bizTransaction_<type>, EQ_source_<type> and EQ_destination_<type> take the type as a word or CBV URI', async function () {
      expect(await ids({ EQ_bizTransaction_po: 'urn:epcglobal:cbv:bt:0614141073467:1152' })).to.deep.equal(['E1']);
      expect(await ids({ 'EQ_bizTransaction_https://ref.gs1.org/cbv/BTT-po': 'urn:epcglobal:cbv:bt:0614141073467:1152' })).to.deep.equal([
        'E1',
      ]);
      expect(await ids({ EQ_bizTransaction_inv: 'urn:epcglobal:cbv:bt:0614141073467:1152' })).to.deep.equal([]);
      expect(await ids({ EQ_source_owning_party: 'urn:epc:id:pgln:0614141.00001' })).to.deep.equal(['E1']);
      expect(await ids({ EQ_destination_owning_party: 'urn:epc:id:pgln:0614141.00001' })).to.deep.equal([]);
    });
  });

  describe('error declarations', function () {
    it('EXISTS_errorDeclaration finds declared events, also those never captured here', async function () {
      expect(await ids({ EXISTS_errorDeclaration: '' })).to.deep.equal(['D4', 'E3']);
    });

    it('EQ_errorReason and EQ_correctiveEventID read the latest declaration', async function () {
      expect(await ids({ EQ_errorReason: 'did_not_occur' })).to.deep.equal(['D4']);
      expect(await ids({ EQ_errorReason: 'https://ref.gs1.org/cbv/ER-incorrect_data' })).to.deep.equal(['E3']);
      expect(await ids({ EQ_correctiveEventID: 'urn:uuid:c1' })).to.deep.equal(['E3']);
      expect(await ids({ GE_errorDeclarationTime: '2024-03-02T00:00:00Z' })).to.deep.equal(['D4']);
    });

    it('the output event carries the latest declaration and the hash ID as eventID', async function () {
      const [row] = (await queryEpcisEvents(store, parseEpcisQuery({ EQ_eventID: 'E3' }))).events;
      const out = epcisOutputEvent(row!);
      expect(out.eventID).to.equal('E3');
      expect(out.errorDeclaration).to.deep.equal(DECLARATION_E3.errorDeclaration);
      expect(out.recordTime).to.equal('2024-04-03T00:00:00.000Z');
    });
  });

  describe('ILMD and extension fields', function () {
    it('EQ_/GT_/GE_/LT_ILMD_ compare numbers and date-times, by prefixed or expanded name', async function () {
      expect(await ids({ 'EQ_ILMD_example:weight': '12.5' })).to.deep.equal(['E1']);
      expect(await ids({ 'GT_ILMD_example:weight': '12' })).to.deep.equal(['E1']);
      expect(await ids({ 'LT_ILMD_example:weight': '12' })).to.deep.equal([]);
      expect(await ids({ 'GE_ILMD_https://ns.example.com/epcis/bestBefore': '2024-05-01T00:00:00Z' })).to.deep.equal(['E1']);
      expect(await ids({ 'EXISTS_ILMD_example:weight': '' })).to.deep.equal(['E1']);
    });

    it('EQ_, EXISTS_ and EQ_INNER_ read top-level extension fields and what they contain', async function () {
      expect(await ids({ 'EQ_example:grade': 'A|B' })).to.deep.equal(['E1']);
      expect(await ids({ 'EQ_example:grade': 'B' })).to.deep.equal([]);
      expect(await ids({ 'EXISTS_example:box': '' })).to.deep.equal(['E1']);
      expect(await ids({ 'EQ_INNER_example:colour': 'red' })).to.deep.equal(['E1']);
      expect(await ids({ 'EQ_example:colour': 'red' })).to.deep.equal([]);
    });
  });

  describe('sensor reports', function () {
    it('EQ_type with GE_/LT_value hold on the same report; EQ_deviceID reads the metadata too', async function () {
      expect(await ids({ EQ_type: 'Temperature', GE_value: '25' })).to.deep.equal(['E1']);
      expect(await ids({ EQ_type: 'gs1:Temperature', GE_value: '30' })).to.deep.equal([]);
      expect(await ids({ EQ_type: 'Humidity' })).to.deep.equal([]);
      expect(await ids({ EQ_uom: 'CEL', LT_value: '27' })).to.deep.equal(['E1']);
      expect(await ids({ EQ_deviceID: 'urn:epc:id:giai:4000001.111' })).to.deep.equal(['E1']);
      expect(await ids({ GE_time: '2024-01-01T00:00:00Z', LT_time: '2024-01-02T00:00:00Z' })).to.deep.equal(['E1']);
    });
  });

  describe('order, paging and limits', function () {
    it('orders by eventTime or recordTime, either direction', async function () {
      expect(await ids({ orderDirection: 'DESC' })).to.deep.equal(['E3', 'E2', 'E1', 'D4']);
      expect(await ids({ orderBy: 'recordTime' })).to.deep.equal(['E1', 'E2', 'E3', 'D4']);
    });

    it('pages with nextPageToken until every event came once', async function () {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await queryEpcisEvents(
          store,
          parseEpcisQuery({ perPage: '3', ...(token !== undefined ? { nextPageToken: token } : {}) }),
        );
        seen.push(...page.events.map((e) => e.hashId));
        token = page.next === undefined ? undefined : tokenOf(page.next);
      } while (token !== undefined);
      expect(seen).to.deep.equal(['D4', 'E1', 'E2', 'E3']);
    });

    it('eventCountLimit caps the events over all pages', async function () {
      const first = await queryEpcisEvents(store, parseEpcisQuery({ perPage: '1', eventCountLimit: '2' }));
      const second = await queryEpcisEvents(
        store,
        parseEpcisQuery({ perPage: '1', eventCountLimit: '2', nextPageToken: tokenOf(first.next!) }),
      );
      expect([...first.events, ...second.events].map((e) => e.hashId)).to.deep.equal(['D4', 'E1']);
      expect(second.next).to.equal(undefined);
    });

    it('maxEventCount refuses a query matching more events with 413', async function () {
      const error = await queryEpcisEvents(store, parseEpcisQuery({ maxEventCount: '3' })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(EpcisQueryError).with.property('status', 413);
      expect((await queryEpcisEvents(store, parseEpcisQuery({ maxEventCount: '4' }))).events).to.have.length(4);
    });
  });

  describe('refused parameters', function () {
    for (const [raw, parameter] of [
      [{ EQ_colour: 'red' }, 'EQ_colour'],
      [{ GE_eventTime: 'yesterday' }, 'GE_eventTime'],
      [{ EQ_action: 'MOVE' }, 'EQ_action'],
      [{ perPage: '0' }, 'perPage'],
      [{ orderBy: 'bizStep' }, 'orderBy'],
      [{ eventCountLimit: '1', maxEventCount: '1' }, 'maxEventCount'],
      [{ nextPageToken: 'not-ours' }, 'nextPageToken'],
      [{ 'GT_example:grade': 'A' }, 'GT_example:grade'],
      [{ EQ_bizStep: 'ship\u0000ping' }, 'EQ_bizStep'],
      [{ GE_recordTime: '0000-01-01T00:00:00Z' }, 'GE_recordTime'],
      [{ nextPageToken: tokenOf({ sort: 'x', hashId: 'E1', count: 1 }) }, 'nextPageToken'],
    ] as const) {
      it(`refuses ${JSON.stringify(raw)}, naming ${parameter}`, function () {
        expect(() => parseEpcisQuery(raw))
          .to.throw(EpcisQueryError)
          .with.property('parameter', parameter);
      });
    }
  });

  describe('stores from before the search documents', function () {
    it('get their search documents filled in, after which the rows match again', async function () {
      await store.query(`UPDATE epcis_events SET search = NULL WHERE hash_id = 'E2'`);
      expect(await ids({ MATCH_parentID: 'urn:epc:id:sscc:0614141.1234567890' })).to.deep.equal([]);
      expect(await backfillSearch(store, searchDocument)).to.equal(1);
      expect(await ids({ MATCH_parentID: 'urn:epc:id:sscc:0614141.1234567890' })).to.deep.equal(['E2']);
      expect(await backfillSearch(store, searchDocument)).to.equal(0);
    });
  });

  describe('vocabularies', function () {
    it('lists the distinct bizSteps, EPCs and classes, paged', async function () {
      expect((await epcisVocabulary(store, 'bizSteps', { perPage: 10, after: undefined })).values).to.deep.equal([
        'commissioning',
        'receiving',
        'shipping',
      ]);
      const first = await epcisVocabulary(store, 'epcs', { perPage: 2, after: undefined });
      const rest = await epcisVocabulary(store, 'epcs', { perPage: 100, after: first.next });
      expect([...first.values, ...rest.values]).to.include.members([
        'urn:epc:id:sscc:0614141.1234567890',
        'urn:epc:id:sgtin:0614141.107346.2017',
        'urn:epc:class:lgtin:4012345.012345.998877',
      ]);
      expect(new Set([...first.values, ...rest.values]).size).to.equal(first.values.length + rest.values.length);
    });
  });
});

describe('EPCIS subscriptions in a store written by an earlier version', function () {
  this.timeout(60_000);

  it('open after the schema runs again: the new columns are added and old subscriptions read back without them', async function () {
    const store = await openStore({ kind: 'pglite-memory' });
    try {
      // The table as the first version with subscriptions created it.
      await store.exec(`
        CREATE TABLE epcis_named_queries (name text PRIMARY KEY, params jsonb NOT NULL, created_by text NOT NULL, created_at text NOT NULL);
        CREATE TABLE epcis_subscriptions (
          id text PRIMARY KEY, query_name text NOT NULL REFERENCES epcis_named_queries (name) ON DELETE CASCADE,
          dest text NOT NULL, report_if_empty boolean NOT NULL, after_block bigint NOT NULL,
          created_by text NOT NULL, created_at text NOT NULL, last_delivery_at text, last_error text);
        INSERT INTO epcis_named_queries VALUES ('q', '{"EQ_bizStep":["storing"]}', 'PartsCoMSP/qm1', '2026-01-01T00:00:00Z');
        INSERT INTO epcis_subscriptions (id, query_name, dest, report_if_empty, after_block, created_by, created_at)
          VALUES ('old', 'q', 'https://hooks.example.com/x', false, 7, 'PartsCoMSP/qm1', '2026-01-01T00:00:00Z');`);
      await store.exec(SCHEMA);
      const [old] = await subscriptions(store, 'q');
      expect(old).to.include({ id: 'old', afterBlock: 7, signatureToken: null, schedule: null, nextRunAt: null });
      await createSubscription(store, {
        id: 'new',
        queryName: 'q',
        dest: 'https://hooks.example.com/y',
        reportIfEmpty: false,
        afterBlock: 8,
        createdBy: 'PartsCoMSP/qm1',
        createdAt: '2026-01-02T00:00:00Z',
        signatureToken: 'a-client-secret-0123456789',
        schedule: { second: '0', minute: '[0-59]' },
        nextRunAt: 1_800_000_000_000,
      });
      expect((await subscriptions(store, 'q')).map((s) => [s.id, s.signatureToken, s.schedule, s.nextRunAt])).to.deep.equal([
        ['old', null, null, null],
        ['new', 'a-client-secret-0123456789', { second: '0', minute: '[0-59]' }, 1_800_000_000_000],
      ]);
      await recordDelivery(store, 'new', { afterBlock: 9, at: '2026-01-02T00:01:00Z', nextRunAt: 1_800_000_060_000 });
      await recordDelivery(store, 'old', { afterBlock: 9, at: '2026-01-02T00:01:00Z' });
      expect((await subscriptions(store, 'q')).map((s) => [s.id, s.afterBlock, s.nextRunAt])).to.deep.equal([
        ['old', 9, null],
        ['new', 9, 1_800_000_060_000],
      ]);
    } finally {
      await store.close();
    }
  });
});
