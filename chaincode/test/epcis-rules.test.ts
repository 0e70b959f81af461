import { expect } from 'chai';
import { EVENTS } from '@lotline/domain';
import { eventHashId } from '../src/epcis/hash';
import type { FakeClient } from './support/fake-network';
import { expectCode, lotJson, registerPrefixes, world, type World } from './support/fixtures';

/*
 * EPCIS capture under the same rules as the rest of the ledger: containers
 * have owners, quality and custody steps run through the contracts' own
 * operations (same rules, same events), the chaincode computes event hash
 * IDs itself, and GS1 identifiers belong to the owners of their prefixes.
 */

const CONTEXT = [
  'https://ref.gs1.org/standards/epcis/epcis-context.jsonld',
  { lotline: 'urn:lotline:epcis:', example: 'http://ns.example.com/epcis/' },
];
const LOT_A = 'https://id.gs1.org/01/04012345000016/10/A1';
const LOT_A_ID = 'urn:epc:class:lgtin:4012345.000001.A1';
const LOT_B = 'https://id.gs1.org/01/04012345000023/10/B1';
const LOT_B_ID = 'urn:epc:class:lgtin:4012345.000002.B1';
const CITY_LOT = 'https://id.gs1.org/01/05000001000011/10/C1';
const SSCC = 'urn:epc:id:sscc:4012345.0000000001';
const FOREIGN_SSCC = 'urn:epc:id:sscc:4000001.0000000001';

type Event = Record<string, unknown>;

let clock = 0;
function event(fields: Event): Event {
  clock++;
  return { eventTime: `2026-03-01T10:${String(clock % 60).padStart(2, '0')}:00Z`, eventTimeZoneOffset: '+00:00', ...fields };
}

const commission = (epcClass: string, quantity = 100): Event =>
  event({ type: 'ObjectEvent', action: 'ADD', bizStep: 'commissioning', quantityList: [{ epcClass, quantity, uom: 'KGM' }] });
const observe = (epcClass: string, fields: Event): Event =>
  event({ type: 'ObjectEvent', action: 'OBSERVE', quantityList: [{ epcClass }], ...fields });
const pack = (parentID: string, ...classes: string[]): Event =>
  event({
    type: 'AggregationEvent',
    action: 'ADD',
    bizStep: 'packing',
    parentID,
    childQuantityList: classes.map((epcClass) => ({ epcClass, quantity: 1, uom: 'KGM' })),
  });
const unpack = (parentID: string, ...classes: string[]): Event =>
  event({
    type: 'AggregationEvent',
    action: 'DELETE',
    bizStep: 'unpacking',
    parentID,
    ...(classes.length > 0 ? { childQuantityList: classes.map((epcClass) => ({ epcClass })) } : {}),
  });

function captureArg(events: Event[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ events: events.map((e) => ({ event: e })), context: CONTEXT, ...extra });
}

function capture(client: FakeClient, ...events: Event[]): Promise<any> {
  return client.submit('Epcis:Capture', captureArg(events));
}

async function contents(w: World, container: string): Promise<string[]> {
  const exported = await w.bankAuditor.evaluate('Epcis:ExportTrace', LOT_A_ID, 'forward', '0', '1');
  return exported.containment.filter((c: { container: string }) => c.container === container).map((c: { lotId: string }) => c.lotId);
}

describe('EPCIS capture under the ledger rules', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await registerPrefixes(w, 'PartsCoMSP', '4012345');
    await registerPrefixes(w, 'AssemblyCoMSP', '4000001');
    await registerPrefixes(w, 'CityMSP', '5000001');
  });

  describe('containers have owners', () => {
    beforeEach(async () => {
      await capture(w.partsQm, commission(LOT_A), pack(SSCC, LOT_A));
    });

    it('when another organisation unpacks the container, the capture is refused with FORBIDDEN and the lot stays packed', async () => {
      const message = await expectCode(capture(w.assemblyQm, unpack(SSCC)), 'FORBIDDEN');
      expect(message).to.contain('PartsCoMSP');
      expect(await contents(w, SSCC)).to.deep.equal([LOT_A_ID]);
    });

    it('when another organisation removes a listed lot it does not hold, the capture is refused with FORBIDDEN', async () => {
      await expectCode(capture(w.assemblyQm, unpack(SSCC, LOT_A)), 'FORBIDDEN');
      expect(await contents(w, SSCC)).to.deep.equal([LOT_A_ID]);
    });

    it('when another organisation packs its own lot into the container, the capture is refused with FORBIDDEN, so the owner can still ship it', async () => {
      await capture(w.cityQm, commission(CITY_LOT));
      await expectCode(capture(w.cityQm, pack(SSCC, CITY_LOT)), 'FORBIDDEN');
      const ship = event({
        type: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'shipping',
        epcList: [SSCC],
        destinationList: [{ type: 'owning_party', destination: 'urn:lotline:msp:AssemblyCoMSP' }],
      });
      const shipped = await capture(w.partsQm, ship);
      expect(shipped.captured[0].operations).to.deep.equal([{ kind: 'transfer_proposed', lotId: LOT_A_ID, ref: 'AssemblyCoMSP' }]);
    });

    it('the owner unpacks it', async () => {
      await capture(w.partsQm, unpack(SSCC));
      expect(await contents(w, SSCC)).to.deep.equal([]);
    });

    it('the custodian of a contained lot unpacks that lot, and once it holds everything in the container may pack into it', async () => {
      await w.partsQm.submit('Lot:ProposeTransfer', LOT_A_ID, 'AssemblyCoMSP');
      await w.assemblyQm.submit('Lot:AcceptTransfer', LOT_A_ID);
      await capture(w.partsQm, commission(LOT_B), pack(SSCC, LOT_B));
      // AssemblyCo holds A but not B: it may take A out, not empty the container, and not pack into it.
      await expectCode(capture(w.assemblyQm, unpack(SSCC)), 'FORBIDDEN');
      await capture(w.assemblyQm, unpack(SSCC, LOT_A));
      const exported = await w.bankAuditor.evaluate('Epcis:ExportTrace', LOT_B_ID, 'forward', '0', '1');
      expect(exported.containment.map((c: { lotId: string }) => c.lotId)).to.deep.equal([LOT_B_ID]);
    });

    it('a container with an SSCC whose prefix the packer does not own is refused with FORBIDDEN', async () => {
      const message = await expectCode(capture(w.partsQm, pack(FOREIGN_SSCC, LOT_A)), 'FORBIDDEN');
      expect(message).to.contain('4000001 belongs to AssemblyCoMSP');
    });
  });

  describe('quality and custody steps run through the contracts’ operations', () => {
    beforeEach(async () => {
      await capture(
        w.partsQm,
        commission(LOT_A, 10),
        event({
          type: 'TransformationEvent',
          inputQuantityList: [{ epcClass: LOT_A, quantity: 5, uom: 'KGM' }],
          outputQuantityList: [{ epcClass: LOT_B, quantity: 5, uom: 'KGM' }],
        }),
      );
    });

    it('when the lot is already recalled, a recalled disposition is refused with CONFLICT (as StartRecall), not skipped', async () => {
      await w.partsQm.submit('Quality:StartRecall', LOT_A_ID, JSON.stringify({ reason: 'first', recallId: 'R-1' }));
      const message = await expectCode(capture(w.partsQm, observe(LOT_A, { bizStep: 'recalling', disposition: 'recalled' })), 'CONFLICT');
      expect(message).to.contain('already recalled by R-1');
    });

    it('a holding event with includeDescendants holds the lot’s descendants too', async () => {
      const holding = observe(LOT_A, { bizStep: 'holding', 'lotline:includeDescendants': true });
      await capture(w.partsQm, holding);
      const child = await w.bankAuditor.evaluate('Lot:ReadLot', LOT_B_ID);
      expect(child.affectedBy.map((a: { kind: string; sourceLotId: string }) => [a.kind, a.sourceLotId])).to.deep.equal([
        ['hold', LOT_A_ID],
      ]);
    });

    it('a holding event without it holds the lot only', async () => {
      await capture(w.partsQm, observe(LOT_A, { bizStep: 'holding' }));
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', LOT_B_ID)).affected).to.equal(false);
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', LOT_A_ID)).status).to.equal('on_hold');
    });

    it('lists each operation’s domain event, with the payload the contract path emits, in the EpcisCaptured event', async () => {
      await capture(
        w.partsQm,
        observe(LOT_A, { bizStep: 'storing', disposition: 'non_conformant' }),
        observe(LOT_B, { bizStep: 'holding' }),
        observe(LOT_A, { bizStep: 'recalling', disposition: 'recalled' }),
      );
      const emitted = w.net.events.at(-1);
      expect(emitted?.name).to.equal(EVENTS.EpcisCaptured);
      const listed = emitted?.payload.events as { type: string; lotId: string }[];
      expect(listed.map((e) => [e.type, e.lotId])).to.deep.equal([
        [EVENTS.QualityEventRecorded, LOT_A_ID],
        [EVENTS.HoldPlaced, LOT_B_ID],
        [EVENTS.RecallStarted, LOT_A_ID],
      ]);
      // The same operation through the contract emits the same fields.
      const viaContract = await w.partsQm.submit('Quality:PlaceHold', LOT_A_ID, JSON.stringify({ reason: 'x', includeDescendants: false }));
      const contractEvent = w.net.events.at(-1)?.payload as Record<string, unknown>;
      expect(Object.keys(listed[1] as object).sort()).to.deep.equal(
        Object.keys(contractEvent)
          .filter((k) => k !== 'txId')
          .sort(),
      );
      expect(contractEvent).to.include({ type: EVENTS.HoldPlaced, holdId: viaContract.holdId });
    });

    it('records the capture’s quality events where ListQualityEvents finds them, in order', async () => {
      await capture(
        w.partsQm,
        observe(LOT_A, { bizStep: 'storing', disposition: 'non_conformant' }),
        observe(LOT_A, { bizStep: 'holding' }),
      );
      const list = await w.bankAuditor.evaluate('Quality:ListQualityEvents', LOT_A_ID, '10', '');
      expect(list.events.map((e: { type: string }) => e.type)).to.deep.equal(['nonconformance', 'hold']);
    });

    it('shipping and receiving emit CustodyTransferProposed and CustodyTransferred', async () => {
      const ship = observe(LOT_B, {
        bizStep: 'shipping',
        destinationList: [{ type: 'possessing_party', destination: 'urn:lotline:msp:AssemblyCoMSP' }],
      });
      await capture(w.partsQm, ship);
      expect((w.net.events.at(-1)?.payload.events as { type: string }[]).map((e) => e.type)).to.deep.equal([
        EVENTS.CustodyTransferProposed,
      ]);
      await capture(w.assemblyQm, { ...ship, bizStep: 'receiving', eventTime: '2026-03-05T10:00:00Z' });
      expect(w.net.events.at(-1)?.payload.events).to.deep.equal([
        { type: EVENTS.CustodyTransferred, lotId: LOT_B_ID, from: 'PartsCoMSP', to: 'AssemblyCoMSP' },
      ]);
    });
  });

  describe('event hash IDs are computed by the chaincode', () => {
    it('when the supplied hash ID is another event’s, the capture is refused with INVALID_ARGUMENT and the real capture still succeeds', async () => {
      const victim = commission(LOT_A);
      const forged = commission(LOT_B);
      const arg = JSON.stringify({ events: [{ hashId: eventHashId(victim, CONTEXT), event: forged }], context: CONTEXT });
      const message = await expectCode(w.partsQm.submit('Epcis:Capture', arg), 'INVALID_ARGUMENT');
      expect(message).to.contain('is not this event');
      const real = await capture(w.partsQm, victim);
      expect(real.captured[0].hashId).to.equal(eventHashId(victim, CONTEXT));
    });

    it('without a supplied hash ID, stores the event under the CBV 2.0 hash it computes', async () => {
      const e = commission(LOT_A);
      const r = await capture(w.partsQm, e);
      const hashId = eventHashId(e, CONTEXT);
      expect(r.captured[0].hashId).to.equal(hashId);
      expect((await w.bankAuditor.evaluate('Epcis:GetEvent', hashId)).event.event).to.deep.equal(e);
    });

    it('hashes an empty epcList beside a quantity list as if the empty list were absent (rule 4), instead of failing', async () => {
      const e = commission(LOT_A);
      expect(eventHashId({ ...e, epcList: [] }, CONTEXT)).to.equal(eventHashId(e, CONTEXT));
    });

    it('refuses an event it cannot hash with INVALID_ARGUMENT', async () => {
      const depth = 50_000;
      const arg = captureArg([{ ...commission(LOT_A), 'example:deep': 'DEEP' }]).replace(
        '"DEEP"',
        `${'['.repeat(depth)}"x"${']'.repeat(depth)}`,
      );
      await expectCode(w.partsQm.submit('Epcis:Capture', arg), 'INVALID_ARGUMENT');
    });
  });

  describe('GS1 identifiers belong to the owners of their company prefixes', () => {
    it('when a commissioned LGTIN has another organisation’s prefix, the capture is refused with FORBIDDEN naming the owner', async () => {
      const message = await expectCode(capture(w.assemblyQm, commission(LOT_A)), 'FORBIDDEN');
      expect(message).to.contain('belongs to PartsCoMSP');
      expect(w.net.read('lot', [LOT_A_ID])).to.equal(undefined);
    });

    it('when a transformation names an uncaptured input of another organisation’s prefix, the capture is refused with FORBIDDEN', async () => {
      const transform = event({
        type: 'TransformationEvent',
        inputQuantityList: [{ epcClass: LOT_A, quantity: 5, uom: 'KGM' }],
        outputQuantityList: [{ epcClass: 'https://id.gs1.org/01/04000001000012/10/P1', quantity: 5, uom: 'KGM' }],
      });
      await expectCode(capture(w.assemblyQm, transform), 'FORBIDDEN');
    });

    it('the same rule holds for a lot created through the Lot contract', async () => {
      await expectCode(w.assemblyQm.submit('Lot:CreateLot', lotJson(LOT_A_ID)), 'FORBIDDEN');
    });
  });
});
