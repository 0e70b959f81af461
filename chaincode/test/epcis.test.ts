import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Context } from 'fabric-contract-api';
import { EpcisContract } from '../src/contracts/epcis-contract';
import { eventHashId } from '../src/epcis/hash';
import { gs1CompanyDigits, identifierKey } from '../src/epcis/identifiers';
import { fakeClientIdentity, FakeStub, type FakeClient, type FakeNetwork } from './support/fake-network';
import { expectCode, registerPrefixes, world, type World } from './support/fixtures';

/*
 * Epcis contract on the in-memory peer. The chaincode computes each event's
 * CBV 2.0 hash ID itself (epcis2.js); a supplied one must match.
 */

const contract = new EpcisContract();
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function call(net: FakeNetwork, client: FakeClient, fn: string, write: boolean, ...args: string[]): Promise<any> {
  const stub = new FakeStub(net, client.identity, new Map(), [`Epcis:${fn}`, ...args], '');
  const ctx = new Context();
  ctx.stub = stub as unknown as Context['stub'];
  ctx.clientIdentity = fakeClientIdentity(client.identity);
  ctx.logging = { setLevel: () => undefined, getLogger: () => silent as unknown as ReturnType<Context['logging']['getLogger']> };
  const method = (contract as unknown as Record<string, (c: Context, ...a: string[]) => Promise<string>>)[fn] as (
    c: Context,
    ...a: string[]
  ) => Promise<string>;
  const result = await method.call(contract, ctx, ...args);
  if (net.openIterators !== 0) throw new Error(`${fn} left iterators open`);
  if (!write) {
    if (stub.writes.size > 0 || stub.events.length > 0) throw new Error(`${fn} wrote during evaluation`);
    return JSON.parse(result);
  }
  const [code] = net.commitBlock([{ stub, result }]);
  if (code !== 'VALID') throw new Error(`${fn} invalidated: ${code}`);
  if (stub.events.length !== 1) throw new Error(`${fn} set ${stub.events.length} events`);
  return JSON.parse(result);
}

type Doc = { '@context'?: unknown; epcisBody: { eventList: Record<string, unknown>[] } };

const CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'];

function hashOf(event: Record<string, unknown>, context: unknown = CONTEXT): string {
  return eventHashId(event, context);
}

/** The capture argument, with the hash ID of each event as the API sends it. */
function captureJson(doc: Doc, options: Record<string, unknown> = {}): string {
  return JSON.stringify({
    events: doc.epcisBody.eventList.map((event) => ({ hashId: hashOf(event, doc['@context']), event })),
    context: doc['@context'],
    ...options,
  });
}

/** The 7-digit GS1 company prefixes of every GS1 key a document names (lots, SGTINs, SSCCs), for the registry. */
function prefixesOf(doc: Doc): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const digits = gs1CompanyDigits(identifierKey(value));
      if (digits !== undefined) found.add(digits.slice(0, 7));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  visit(doc.epcisBody);
  return [...found].sort();
}

function capture(w: World, client: FakeClient, doc: Doc, options: Record<string, unknown> = {}): Promise<any> {
  return call(w.net, client, 'Capture', true, captureJson(doc, options));
}

/** The EPCIS fixtures copied into the repository (test/fixtures/epcis/README.md); this file runs from dist/test-build/test. */
const EPCIS_FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'epcis');

function fixture(rel: string): Doc {
  const doc = JSON.parse(readFileSync(path.join(EPCIS_FIXTURES, rel), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(doc)) if (key.startsWith('_comment')) delete doc[key];
  return doc as unknown as Doc;
}

const DL = (gtin: string, lot: string): string => `https://id.gs1.org/01/${gtin}/10/${lot}`;
const HARVEST = 'urn:epc:class:lgtin:0860009.099992.ABC1234';
const CASES = 'urn:epc:class:lgtin:0860009.199992.ABC1234';
const DEF = 'urn:epc:class:lgtin:0860009.199802.DEF2345';
const SALAD = 'urn:epc:class:lgtin:0860009.199803.SALAD-20260420-A';
const CHAIN = [
  'harvest-cte',
  'cooling-cte',
  'initial-packing-cte',
  'first-land-based-receiver-cte',
  'shipping-cte',
  'receiving-cte',
  'transformation-cte',
];

function event(fields: Record<string, unknown>): Record<string, unknown> {
  return { eventTime: '2026-03-01T10:00:00Z', eventTimeZoneOffset: '+00:00', ...fields };
}

function doc(...events: Record<string, unknown>[]): Doc {
  return { '@context': CONTEXT, epcisBody: { eventList: events } };
}

function addLot(epcClass: string, quantity = 100, uom = 'KGM', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return event({ type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', quantityList: [{ epcClass, quantity, uom }], ...extra });
}

const GTIN_A = '04012345000016';
const GTIN_B = '04012345000023';
/** A GTIN under AssemblyCo's company prefix 4000001. */
const GTIN_ASSEMBLY = '04000001000012';

describe('Epcis:Capture', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await registerPrefixes(w, 'PartsCoMSP', '4012345', '0860009');
    await registerPrefixes(w, 'AssemblyCoMSP', '4000001');
  });

  describe('the fsma204 chain, captured in order by one recording organisation', function () {
    async function importChain(): Promise<any[]> {
      const results = [];
      for (const name of CHAIN) results.push(await capture(w, w.partsQm, fixture(`fsma204-chain/${name}.jsonld`), { onDuplicate: 'skip' }));
      return results;
    }

    it('creates the harvest, packed and finished lots and records the un-captured second input', async () => {
      const results = await importChain();
      const lots = results.flatMap((r) => r.captured.flatMap((c: any) => c.operations));
      expect(lots.filter((o: any) => o.kind === 'lot_created').map((o: any) => o.lotId)).to.include.members([HARVEST, CASES, SALAD]);
      expect(lots.filter((o: any) => o.kind === 'input_lot_recorded').map((o: any) => o.lotId)).to.deep.equal([DEF]);
      const salad = await w.partsQm.evaluate('Lot:ReadLot', SALAD);
      expect(salad).to.deep.include({ producer: 'PartsCoMSP', custodian: 'PartsCoMSP', quantity: { amount: 2000, unit: 'CS' } });
      expect(salad.inputs).to.deep.equal([
        { lotId: CASES, quantity: { amount: 100, unit: 'CS' } },
        { lotId: DEF, quantity: { amount: 50, unit: 'CS' } },
      ]);
      expect(salad.attributes['ilmd.gs1.bestBeforeDate']).to.equal('2026-04-27');
    });

    it('skips the transport event that initial-packing repeats from harvest, and restates (does not re-create) the harvest and packing', async () => {
      const results = await importChain();
      expect(results[2].skipped).to.have.length(1);
      const restated = results.flatMap((r) => r.captured.flatMap((c: any) => c.operations)).filter((o: any) => o.kind === 'lot_restated');
      expect(restated.map((o: any) => o.lotId)).to.deep.equal([HARVEST, CASES, CASES]);
    });

    it('traces backward from the salad lot to both harvest lots, and forward from ABC1234 to the salad lot', async () => {
      await importChain();
      const back = await w.bankAuditor.evaluate('Lot:TraceLot', SALAD, 'backward', '10', '100');
      expect(back.nodes.map((n: any) => n.id)).to.include.members([HARVEST, DEF]);
      const forward = await w.bankAuditor.evaluate('Lot:TraceLot', HARVEST, 'forward', '10', '100');
      expect(forward.nodes.map((n: any) => n.id)).to.include(SALAD);
    });

    it('records containment of the packed cases on the pallet SSCC', async () => {
      await importChain();
      const exported = await call(w.net, w.bankAuditor, 'ExportTrace', false, CASES, 'forward', '5', '50');
      expect(exported.containment.map((c: any) => [c.container, c.lotId])).to.deep.equal([
        ['https://id.gs1.org/00/008600099999850000', CASES],
      ]);
    });

    it('refuses the whole document with CONFLICT when a repeated event is not skipped', async () => {
      await capture(w, w.partsQm, fixture('fsma204-chain/harvest-cte.jsonld'));
      await expectCode(capture(w, w.partsQm, fixture('fsma204-chain/initial-packing-cte.jsonld')), 'CONFLICT');
      expect(w.net.read('lot', [CASES])).to.equal(undefined);
    });
  });

  describe('the openepcis valid documents', function () {
    const brokenSchema = [
      'AggregationEvent_with_persistentDisposition.json',
      'SensorData_with_combined_events.json',
      'TransactionEvent_with_userExtensions.json',
    ];
    it('captures every one in sequence on one ledger, as a quality manager', async () => {
      const dir = path.join(EPCIS_FIXTURES, 'openepcis-capture', 'valid');
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.json') && !brokenSchema.includes(f))
        .sort();
      const prefixes = new Set(files.flatMap((file) => prefixesOf(fixture(`openepcis-capture/valid/${file}`))));
      prefixes.delete('4012345');
      prefixes.delete('0860009');
      prefixes.delete('4000001');
      await registerPrefixes(w, 'PartsCoMSP', '4012345', '0860009', ...prefixes);
      const failures: string[] = [];
      for (const file of files) {
        try {
          await capture(w, w.partsQm, fixture(`openepcis-capture/valid/${file}`), { onDuplicate: 'skip' });
        } catch (error) {
          failures.push(`${file}: ${(error as Error).message}`);
        }
      }
      expect(failures).to.deep.equal([]);
    });
  });

  describe('all or nothing', () => {
    it('writes nothing when a later event of the document fails', async () => {
      const d = doc(
        addLot(DL(GTIN_A, 'L1'), 10),
        event({
          type: 'TransformationEvent',
          inputQuantityList: [{ epcClass: DL(GTIN_A, 'L1'), quantity: 11, uom: 'KGM' }],
          outputQuantityList: [{ epcClass: DL(GTIN_B, 'P1'), quantity: 1, uom: 'KGM' }],
        }),
      );
      const before = [...w.net.state.keys()];
      await expectCode(capture(w, w.partsQm, d), 'INSUFFICIENT_QUANTITY');
      expect([...w.net.state.keys()]).to.deep.equal(before);
    });

    it('refuses an event already on the ledger with CONFLICT', async () => {
      await capture(w, w.partsQm, doc(addLot(DL(GTIN_A, 'L1'))));
      await expectCode(capture(w, w.partsQm, doc(addLot(DL(GTIN_A, 'L2')), addLot(DL(GTIN_A, 'L1')))), 'CONFLICT');
      expect(w.net.read('lot', ['urn:epc:class:lgtin:4012345.000001.L2'])).to.equal(undefined);
    });

    it('refuses an auditor with FORBIDDEN', async () => {
      await expectCode(capture(w, w.bankAuditor, doc(addLot(DL(GTIN_A, 'L1')))), 'FORBIDDEN');
    });

    it('refuses a malformed hash ID with INVALID_ARGUMENT', async () => {
      const bad = JSON.stringify({ events: [{ hashId: 'abc', event: addLot(DL(GTIN_A, 'L1')) }] });
      await expectCode(call(w.net, w.partsQm, 'Capture', true, bad), 'INVALID_ARGUMENT');
    });
  });

  describe('mapping', () => {
    it('maps URN and Digital Link spellings of one LGTIN to one lot', async () => {
      await capture(w, w.partsQm, doc(addLot('urn:epc:class:lgtin:401234500.0001.L1', 10)));
      const r = await capture(
        w,
        w.partsQm,
        doc(
          event({
            type: 'TransformationEvent',
            inputQuantityList: [{ epcClass: DL(GTIN_A, 'L1'), quantity: 4, uom: 'KGM' }],
            outputQuantityList: [{ epcClass: DL(GTIN_B, 'P1'), quantity: 2, uom: 'KGM' }],
          }),
        ),
      );
      expect(r.captured[0].operations.map((o: any) => o.kind)).to.deep.equal(['lot_created']);
      const lot = await w.partsQm.evaluate('Lot:ReadLot', 'urn:epc:class:lgtin:4012345.000001.L1');
      expect(lot.remaining).to.deep.equal({ amount: 6, unit: 'KGM' });
    });

    it('takes the producer from the certificate: a document naming PartsCo as owner, captured by AssemblyCo, makes AssemblyCo the producer', async () => {
      await capture(
        w,
        w.assemblyQm,
        doc(addLot(DL(GTIN_ASSEMBLY, 'L1'), 10, 'KGM', { sourceList: [{ type: 'owning_party', source: 'urn:lotline:msp:PartsCoMSP' }] })),
      );
      expect(w.net.read('lot', ['urn:epc:class:lgtin:4000001.000001.L1'])).to.include({
        producer: 'AssemblyCoMSP',
        custodian: 'AssemblyCoMSP',
      });
    });

    it('refuses another organisation restating an existing lot with LOT_EXISTS', async () => {
      await capture(w, w.partsQm, doc(addLot(DL(GTIN_A, 'L1'))));
      await expectCode(capture(w, w.assemblyQm, doc(addLot(DL(GTIN_A, 'L1'), 5))), 'LOT_EXISTS');
    });

    it('records inspecting + conformant as a pass inspection by the custodian inspector', async () => {
      await capture(w, w.partsQm, doc(addLot(DL(GTIN_A, 'L1'))));
      const r = await capture(
        w,
        w.partsInspector,
        doc(
          event({
            type: 'ObjectEvent',
            action: 'OBSERVE',
            bizStep: 'inspecting',
            disposition: 'conformant',
            quantityList: [{ epcClass: DL(GTIN_A, 'L1') }],
          }),
        ),
      );
      expect(r.captured[0].operations[0]).to.include({ kind: 'inspection' });
      const lot = await w.partsQm.evaluate('Lot:ReadLot', 'urn:epc:class:lgtin:4012345.000001.L1');
      expect(lot.latestInspection.verdict).to.equal('pass');
    });

    it('refuses an inspection by a quality manager with FORBIDDEN', async () => {
      await capture(w, w.partsQm, doc(addLot(DL(GTIN_A, 'L1'))));
      await expectCode(
        capture(
          w,
          w.partsQm,
          doc(
            event({
              type: 'ObjectEvent',
              action: 'OBSERVE',
              bizStep: 'inspecting',
              disposition: 'non_conformant',
              quantityList: [{ epcClass: DL(GTIN_A, 'L1') }],
            }),
          ),
        ),
        'FORBIDDEN',
      );
    });

    it('maps holding to a hold, non_conformant to a nonconformance and recalled to a recall that reaches descendants', async () => {
      const A = DL(GTIN_A, 'L1');
      await capture(
        w,
        w.partsQm,
        doc(
          addLot(A, 10),
          event({
            type: 'TransformationEvent',
            inputQuantityList: [{ epcClass: A, quantity: 5, uom: 'KGM' }],
            outputQuantityList: [{ epcClass: DL(GTIN_B, 'P1'), quantity: 5, uom: 'KGM' }],
          }),
        ),
      );
      const r = await capture(
        w,
        w.partsQm,
        doc(
          event({ type: 'ObjectEvent', action: 'OBSERVE', bizStep: 'holding', quantityList: [{ epcClass: A }] }),
          event({
            type: 'ObjectEvent',
            action: 'OBSERVE',
            bizStep: 'storing',
            disposition: 'non_conformant',
            quantityList: [{ epcClass: A }],
            eventTime: '2026-03-01T11:00:00Z',
          }),
          event({
            type: 'ObjectEvent',
            action: 'OBSERVE',
            bizStep: 'recalling',
            disposition: 'recalled',
            quantityList: [{ epcClass: A }],
            eventTime: '2026-03-01T12:00:00Z',
          }),
        ),
      );
      expect(r.captured.map((c: any) => c.operations[0].kind)).to.deep.equal(['hold', 'nonconformance', 'recall']);
      const child = await w.partsQm.evaluate('Lot:ReadLot', 'urn:epc:class:lgtin:4012345.000002.P1');
      expect(child.affectedBy.map((a: any) => a.kind)).to.include('recall');
    });

    it('proposes a custody transfer on shipping to a Lotline party, and the receiver accepts it by capturing receiving', async () => {
      const A = DL(GTIN_A, 'L1');
      await capture(w, w.partsQm, doc(addLot(A)));
      const ship = event({
        type: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'shipping',
        disposition: 'in_transit',
        quantityList: [{ epcClass: A, quantity: 100, uom: 'KGM' }],
        destinationList: [{ type: 'possessing_party', destination: 'urn:lotline:msp:AssemblyCoMSP' }],
      });
      const r1 = await capture(w, w.partsQm, doc(ship));
      expect(r1.captured[0].operations).to.deep.equal([
        { kind: 'transfer_proposed', lotId: 'urn:epc:class:lgtin:4012345.000001.L1', ref: 'AssemblyCoMSP' },
      ]);
      const receive = { ...ship, bizStep: 'receiving', disposition: 'in_progress', eventTime: '2026-03-02T10:00:00Z' };
      await capture(w, w.assemblyQm, doc(receive));
      expect(w.net.read('lot', ['urn:epc:class:lgtin:4012345.000001.L1']).custodian).to.equal('AssemblyCoMSP');
    });

    it("ships the lots packed into an SSCC when the shipping event names only the SSCC, using the recorder's party map", async () => {
      const A = DL(GTIN_A, 'L1');
      const sscc = 'urn:epc:id:sscc:4012345.0000000001';
      await capture(
        w,
        w.partsQm,
        doc(
          addLot(A),
          event({
            type: 'AggregationEvent',
            action: 'ADD',
            bizStep: 'packing',
            parentID: sscc,
            childQuantityList: [{ epcClass: A, quantity: 100, uom: 'KGM' }],
          }),
        ),
      );
      const ship = event({
        type: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'shipping',
        epcList: ['https://id.gs1.org/00/040123450000000016'],
        destinationList: [{ type: 'owning_party', destination: 'urn:epc:id:pgln:4000001.00000' }],
      });
      const r = await capture(w, w.partsQm, doc(ship), { parties: { 'urn:epc:id:pgln:4000001.00000': 'AssemblyCoMSP' } });
      expect(r.captured[0].operations.map((o: any) => o.kind)).to.deep.equal(['transfer_proposed']);
    });
  });

  describe('error declarations', () => {
    it('keeps every declaration beside the original event, with its corrective event ids', async () => {
      const original = addLot(DL(GTIN_A, 'L1'));
      await capture(w, w.partsQm, doc(original));
      const declared = {
        ...original,
        errorDeclaration: { declarationTime: '2026-03-05T00:00:00Z', reason: 'incorrect_data', correctiveEventIDs: ['urn:uuid:1'] },
      };
      await capture(w, w.partsQm, doc(declared));
      await capture(
        w,
        w.partsQm,
        doc({
          ...declared,
          errorDeclaration: { declarationTime: '2026-03-06T00:00:00Z', reason: 'did_not_occur', correctiveEventIDs: ['urn:uuid:2'] },
        }),
      );
      const got = await call(w.net, w.bankAuditor, 'GetEvent', false, hashOf(original));
      expect(got.event.event).to.deep.equal(original);
      expect(got.errorDeclarations.map((d: any) => d.correctiveEventIDs)).to.deep.equal([['urn:uuid:1'], ['urn:uuid:2']]);
    });
  });
});

describe('Epcis:QueryEvents', () => {
  let w: World;
  const A = DL(GTIN_A, 'L1');
  const P = DL(GTIN_B, 'P1');
  beforeEach(async () => {
    w = world();
    await registerPrefixes(w, 'PartsCoMSP', '4012345');
    await capture(
      w,
      w.partsQm,
      doc(
        addLot(A, 10, 'KGM', { eventTime: '2026-03-01T08:00:00Z' }),
        event({
          type: 'TransformationEvent',
          bizStep: 'commissioning',
          inputQuantityList: [{ epcClass: A, quantity: 5, uom: 'KGM' }],
          outputQuantityList: [{ epcClass: P, quantity: 5, uom: 'KGM' }],
          eventTime: '2026-03-02T08:00:00Z',
        }),
        event({
          type: 'ObjectEvent',
          action: 'OBSERVE',
          bizStep: 'shipping',
          disposition: 'in_transit',
          quantityList: [{ epcClass: P }],
          eventTime: '2026-03-03T08:00:00Z',
        }),
      ),
    );
  });

  const query = (q: Record<string, unknown>): Promise<any> =>
    call(w.net, w.bankAuditor, 'QueryEvents', false, JSON.stringify({ perPage: 10, ...q }));

  it('matches a class in any spelling with anyEPCClass', async () => {
    const r = await query({ anyEPCClass: ['urn:epc:class:lgtin:4012345.000001.L1'] });
    expect(r.events.map((e: any) => e.type).sort()).to.deep.equal(['ObjectEvent', 'TransformationEvent']);
  });

  it('separates input and output classes', async () => {
    expect((await query({ inputEPCClass: [A] })).events).to.have.length(1);
    expect((await query({ outputEPCClass: [A] })).events).to.have.length(0);
    expect((await query({ outputEPCClass: [P] })).events[0].type).to.equal('TransformationEvent');
  });

  it('filters by bizStep in URI form, disposition and time window', async () => {
    expect((await query({ bizStep: ['https://ref.gs1.org/cbv/BizStep-shipping'] })).events).to.have.length(1);
    expect((await query({ disposition: ['in_transit'] })).events).to.have.length(1);
    const r = await query({ geEventTime: '2026-03-02T00:00:00Z', ltEventTime: '2026-03-03T00:00:00Z' });
    expect(r.events.map((e: any) => e.type)).to.deep.equal(['TransformationEvent']);
  });

  it('pages with perPage and the bookmark, without repeats', async () => {
    const first = await query({ perPage: 2 });
    expect(first.events).to.have.length(2);
    const second = await query({ perPage: 2, bookmark: first.bookmark });
    expect(second.events).to.have.length(1);
    expect(second.bookmark).to.equal('');
    const all = [...first.events, ...second.events].map((e: any) => e.hashId);
    expect(new Set(all).size).to.equal(3);
  });

  it('pages across the values of a MATCH parameter, listing an event that matches two values once', async () => {
    const values = [A, 'urn:epc:class:lgtin:4012345.000001.L1', P];
    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const page = await query({ perPage: 1, anyEPCClass: values, ...(bookmark !== '' ? { bookmark } : {}) });
      seen.push(...page.events.map((e: any) => e.hashId));
      bookmark = page.bookmark;
      pages++;
    } while (bookmark !== '' && pages < 20);
    // A (two spellings, one key) is in the commissioning and the transformation; P in the transformation and the shipping.
    expect(seen).to.have.length(3);
    expect(new Set(seen).size).to.equal(3);
  });

  it('refuses a bookmark it did not issue with INVALID_ARGUMENT', async () => {
    await expectCode(query({ bookmark: 'not-a-bookmark' }), 'INVALID_ARGUMENT');
    await expectCode(query({ bookmark: '0.AAAA' }), 'INVALID_ARGUMENT');
  });
});
