/**
 * Recalls and holds on the real network. A small lineage graph spread over
 * PartsCo, AssemblyCo and City is written; a mid-graph lot is recalled, and
 * the report, reads, traces and refused writes must match the descendants
 * computed here from the edges that were written. A hold with descendants is
 * then placed and released on a separate graph: it stops its descendants while
 * in force, and both the hold and the release remain on record.
 *
 *   R1 ─┬─ A ── M* ─┬─ D1 ⇒AC ─┬─ E1 (AC)          * recalled
 *       │     R2 ─┘ │          └─ E2 (AC) ⇒City   ⇒ custody transfer
 *       │           ├─ D2 ── F        X (AC) ─┘
 *       └─ S ───────┘   D1 ── D3 (pending ⇒AC)
 *
 *   H ── HC1 ⇒AC ── HC2 (AC)
 */
import { expect } from 'chai';
import {
  ASSEMBLYCO,
  BANK,
  CITY,
  closeConnections,
  contractFor,
  PARTSCO,
  submitSynced as submit,
  type TestOrg,
} from '../support/identities';
import { evaluate, expectRefused } from '../support/ledger';
import { LineageModel, type ModelEdge } from '../support/lineage';
import { newLot } from '../support/lots';
import { uniqueId } from '../support/network';

const run = uniqueId('RCL');
const id = (org: TestOrg, name: string) => `${org.msp}:${run}-${name}`;
const P = (name: string) => id(PARTSCO, name);
const A = (name: string) => id(ASSEMBLYCO, name);

/** Lots with their inputs (5 EA of each), in creation order per organisation. */
const PARTS_LOTS: [string, string[]][] = [
  [P('R1'), []],
  [P('R2'), []],
  [P('A'), [P('R1')]],
  [P('M'), [P('A'), P('R2')]],
  [P('S'), [P('R1')]],
  [P('D1'), [P('M')]],
  [P('D2'), [P('M'), P('S')]],
  [P('D3'), [P('D1')]],
  [P('F'), [P('D2')]],
  [P('H'), []],
  [P('HC1'), [P('H')]],
];
const ASSEMBLY_RAW: [string, string[]][] = [[A('X'), []]];
const ASSEMBLY_LOTS: [string, string[]][] = [
  [A('E1'), [P('D1')]],
  [A('E2'), [P('D1'), A('X')]],
  [A('HC2'), [P('HC1')]],
];

/** Where each lot is held once the arrangement is written (D3's transfer stays pending). */
const CUSTODIAN = new Map<string, string>([
  ...[...PARTS_LOTS, ...ASSEMBLY_RAW, ...ASSEMBLY_LOTS].map(([lotId]): [string, string] => [lotId, lotId.split(':')[0] as string]),
  [P('D1'), ASSEMBLYCO.msp],
  [P('HC1'), ASSEMBLYCO.msp],
  [A('E2'), CITY.msp],
]);

const EDGES: ModelEdge[] = [...PARTS_LOTS, ...ASSEMBLY_RAW, ...ASSEMBLY_LOTS].flatMap(([child, inputs]) =>
  inputs.map((parent) => ({ from: parent, to: child, amount: 5 })),
);
const model = new LineageModel(EDGES);

function lotsJson(lots: [string, string[]][]): string {
  return JSON.stringify({
    lots: lots.map(([lotId, inputs]) => {
      const [msp, local] = lotId.split(':') as [string, string];
      return newLot(msp, local, { inputs: inputs.map((p) => ({ lotId: p, quantity: { amount: 5, unit: 'EA' } })) });
    }),
  });
}

async function handOver(lotId: string, from: TestOrg, to: TestOrg): Promise<void> {
  await submit(contractFor(from, 'qm1'), 'ProposeTransfer', [lotId, to.msp]);
  await submit(contractFor(to, 'qm1'), 'AcceptTransfer', [lotId]);
}

const partsQuality = () => contractFor(PARTSCO, 'qm1', 'Quality');
const auditor = () => contractFor(BANK, 'auditor1');
const readLot = (lotId: string) => evaluate(auditor(), 'ReadLot', lotId);
const child = (org: TestOrg, name: string, parent: string) =>
  JSON.stringify(newLot(org.msp, `${run}-${name}`, { inputs: [{ lotId: parent, quantity: { amount: 1, unit: 'EA' } }] }));

describe('recalls and holds', function () {
  this.timeout(180_000);

  before(async function () {
    await Promise.all([
      submit(contractFor(PARTSCO, 'qm1'), 'ImportLots', [lotsJson(PARTS_LOTS)]),
      submit(contractFor(ASSEMBLYCO, 'qm1'), 'ImportLots', [lotsJson(ASSEMBLY_RAW)]),
    ]);
    await Promise.all([handOver(P('D1'), PARTSCO, ASSEMBLYCO), handOver(P('HC1'), PARTSCO, ASSEMBLYCO)]);
    await submit(contractFor(ASSEMBLYCO, 'qm1'), 'ImportLots', [lotsJson(ASSEMBLY_LOTS)]);
    await Promise.all([
      handOver(A('E2'), ASSEMBLYCO, CITY),
      submit(contractFor(PARTSCO, 'qm1'), 'ProposeTransfer', [P('D3'), ASSEMBLYCO.msp]),
    ]);
  });

  after(closeConnections);

  describe('a recall of a mid-graph lot', function () {
    const source = P('M');
    const recallId = `${run}-recall`;
    const descendants = [...model.reachable(source, 'forward')];
    const outsiders = [P('R1'), P('R2'), P('A'), P('S'), A('X')];
    let report: any;

    before(async function () {
      expect(descendants.length, 'descendants in the arranged graph').to.equal(6);
      const { result: recorded } = await submit(partsQuality(), 'StartRecall', [
        source,
        JSON.stringify({ reason: 'cracked housing', recallId }),
      ]);
      expect(recorded, 'StartRecall records the recall and lists no lots').to.not.have.property('affected');
      report = await evaluate(contractFor(PARTSCO, 'auditor1', 'Quality'), 'GetRecall', recallId, '50', '5000');
    });

    it('reports exactly the recalled lot and its descendants, each with its custodian organisation and depth', function () {
      const expected = model
        .trace(source, 'forward', 50, 5000)
        .nodes.map((n) => ({ lotId: n.id, custodian: CUSTODIAN.get(n.id), depth: n.depth }))
        .sort((a, b) => (a.lotId < b.lotId ? -1 : 1));
      const actual = (report.affected as { lotId: string; custodian: string; depth: number }[])
        .map((a) => ({ lotId: a.lotId, custodian: a.custodian, depth: a.depth }))
        .sort((a, b) => (a.lotId < b.lotId ? -1 : 1));
      expect(actual).to.deep.equal(expected);
      expect(report).to.include({ recallId, sourceLotId: source, truncated: false });
    });

    it('reports the same scope to any member reading the recall later, with current status', async function () {
      const later = await evaluate(contractFor(CITY, 'auditor1', 'Quality'), 'GetRecall', recallId, '50', '5000');
      const ids = (later.affected as { lotId: string }[]).map((a) => a.lotId).sort();
      expect(ids).to.deep.equal([source, ...descendants].sort());
      const sourceEntry = (later.affected as { lotId: string; status: string }[]).find((a) => a.lotId === source);
      expect(sourceEntry?.status).to.equal('recalled');
    });

    it('shows every descendant as affected by that recall when it is read', async function () {
      for (const lotId of descendants) {
        const lot = await readLot(lotId);
        expect(lot.affected, `${lotId} affected`).to.equal(true);
        expect(lot.affectedBy, `${lotId} affectedBy`).to.deep.include.members([
          { kind: 'recall', sourceLotId: source, eventId: report.eventId, recallId },
        ]);
      }
    });

    it('shows every descendant, and nothing else, as affected when a trace passes through it', async function () {
      const forward = await evaluate(auditor(), 'TraceLot', P('R1'), 'forward', '50', '5000');
      const backward = await evaluate(auditor(), 'TraceLot', A('E2'), 'backward', '50', '5000');
      const affected = new Set([source, ...descendants]);
      for (const node of [...forward.nodes, ...backward.nodes] as {
        id: string;
        affected: boolean;
        affectedBy: { recallId?: string }[];
      }[]) {
        expect(node.affected, `${node.id} affected in the trace`).to.equal(affected.has(node.id));
        expect(node.affectedBy.some((r) => r.recallId === recallId)).to.equal(affected.has(node.id));
      }
      const seen = new Set([...forward.nodes, ...backward.nodes].map((n: { id: string }) => n.id));
      for (const lotId of [...descendants, ...outsiders]) expect(seen.has(lotId), `${lotId} traced`).to.equal(true);
    });

    it('leaves lots that are not descendants unaffected, and still consumable', async function () {
      for (const lotId of outsiders) {
        const lot = await readLot(lotId);
        expect(lot.affected, `${lotId} affected`).to.equal(false);
        expect(lot.affectedBy).to.deep.equal([]);
      }
      const { result } = await submit(contractFor(PARTSCO, 'qm1'), 'CreateLot', [child(PARTSCO, 'from-S', P('S'))]);
      expect(result.inputs).to.deep.equal([{ lotId: P('S'), quantity: { amount: 1, unit: 'EA' } }]);
    });

    it('when a lot is affected by the recall, proposing to transfer it is refused with LOT_RECALLED', async function () {
      await expectRefused(
        contractFor(ASSEMBLYCO, 'qm1').submitTransaction('ProposeTransfer', A('E1'), CITY.msp),
        'LOT_RECALLED',
        'transfer of E1',
      );
      await expectRefused(
        contractFor(PARTSCO, 'qm1').submitTransaction('ProposeTransfer', source, CITY.msp),
        'LOT_RECALLED',
        'transfer of M',
      );
    });

    it('when a transfer of a descendant was pending before the recall, accepting it is refused with LOT_RECALLED', async function () {
      await expectRefused(contractFor(ASSEMBLYCO, 'qm1').submitTransaction('AcceptTransfer', P('D3')), 'LOT_RECALLED');
      expect((await readLot(P('D3'))).custodian).to.equal(PARTSCO.msp);
    });

    it('when a lot is affected by the recall, consuming it is refused with LOT_RECALLED', async function () {
      await expectRefused(
        contractFor(ASSEMBLYCO, 'qm1').submitTransaction('CreateLot', child(ASSEMBLYCO, 'from-E1', A('E1'))),
        'LOT_RECALLED',
        'CreateLot from E1',
      );
      const splitChild: Partial<ReturnType<typeof newLot>> = newLot(PARTSCO.msp, `${run}-split-D2`, { amount: 1 });
      delete splitChild.inputs;
      await expectRefused(
        contractFor(PARTSCO, 'qm1').submitTransaction('SplitLot', P('D2'), JSON.stringify(splitChild)),
        'LOT_RECALLED',
        'SplitLot of D2',
      );
    });

    it('when the lot is already recalled, recalling it again is refused with CONFLICT', async function () {
      await expectRefused(partsQuality().submitTransaction('StartRecall', source, JSON.stringify({ reason: 'again' })), 'CONFLICT');
    });
  });

  describe('a hold placed on a lot with its descendants, then released', function () {
    const held = P('H');
    const grandchild = A('HC2');
    let holdId = '';

    describe('while the hold is in force', function () {
      before(async function () {
        const { result } = await submit(partsQuality(), 'PlaceHold', [
          held,
          JSON.stringify({ reason: 'suspect batch', includeDescendants: true }),
        ]);
        holdId = result.holdId;
      });

      it('shows the held lot on hold and every descendant affected by the hold', async function () {
        expect((await readLot(held)).status).to.equal('on_hold');
        for (const lotId of model.reachable(held, 'forward')) {
          const lot = await readLot(lotId);
          expect(lot.affectedBy, `${lotId} affectedBy`).to.deep.equal([{ kind: 'hold', sourceLotId: held, eventId: holdId }]);
        }
      });

      it('when an ancestor is on hold with descendants, consuming a descendant is refused with LOT_ON_HOLD', async function () {
        await expectRefused(
          contractFor(ASSEMBLYCO, 'qm1').submitTransaction('CreateLot', child(ASSEMBLYCO, 'from-HC2-held', grandchild)),
          'LOT_ON_HOLD',
        );
      });

      it('when the hold is on an ancestor, releasing it through the descendant is refused with NOT_FOUND', async function () {
        await expectRefused(
          contractFor(ASSEMBLYCO, 'qm1', 'Quality').submitTransaction('ReleaseHold', P('HC1'), holdId, 'wrong lot'),
          'NOT_FOUND',
        );
        expect((await readLot(P('HC1'))).affected).to.equal(true);
      });

      it('when an ancestor is on hold with descendants, shipping a descendant is refused with LOT_ON_HOLD', async function () {
        await expectRefused(contractFor(ASSEMBLYCO, 'qm1').submitTransaction('ProposeTransfer', P('HC1'), CITY.msp), 'LOT_ON_HOLD');
      });
    });

    describe('after the release', function () {
      before(async function () {
        expect(holdId, 'the hold was placed').to.not.equal('');
        await submit(partsQuality(), 'ReleaseHold', [held, holdId, 'measurements re-checked, within limits']);
      });

      it('lets the descendants be consumed again', async function () {
        expect((await readLot(grandchild)).affected).to.equal(false);
        const { result } = await submit(contractFor(ASSEMBLYCO, 'qm1'), 'CreateLot', [child(ASSEMBLYCO, 'from-HC2-released', grandchild)]);
        expect(result.producer).to.equal(ASSEMBLYCO.msp);
      });

      it('keeps the hold and its release in the lot’s quality events', async function () {
        const { events } = await evaluate(contractFor(BANK, 'auditor1', 'Quality'), 'ListQualityEvents', held, '1000', '');
        const hold = (events as { type: string; eventId: string; holdId?: string }[]).find((e) => e.type === 'hold');
        const release = (events as { type: string; holdId?: string; reason?: string }[]).find((e) => e.type === 'release');
        expect(hold, 'hold event').to.include({ eventId: holdId, holdId, includeDescendants: true });
        expect(release, 'release event').to.include({ holdId, reason: 'measurements re-checked, within limits' });
        expect(events.indexOf(hold)).to.be.lessThan(events.indexOf(release));
      });

      it('keeps the held state in the lot’s history, followed by the released state', async function () {
        const history: {
          txId: string;
          value: { status: string; holds: { holdId: string }[] };
        }[] = (await evaluate(auditor(), 'GetLotHistory', held, '1000', '')).history;
        const statuses = history.map((h) => h.value.status);
        const heldAt = history.findIndex((h) => h.txId === holdId);
        expect(heldAt, 'the hold transaction in the history').to.be.greaterThan(-1);
        expect(history[heldAt]?.value.holds.map((h) => h.holdId)).to.deep.equal([holdId]);
        expect(statuses.slice(heldAt)).to.deep.equal(['on_hold', 'active']);
      });

      it('when the hold is already released, releasing it again is refused with CONFLICT', async function () {
        await expectRefused(partsQuality().submitTransaction('ReleaseHold', held, holdId, 'again'), 'CONFLICT');
      });
    });

    describe('a hold without descendants', function () {
      before(async function () {
        await submit(contractFor(ASSEMBLYCO, 'qm1', 'Quality'), 'PlaceHold', [
          P('HC1'),
          JSON.stringify({ reason: 'label check', includeDescendants: false }),
        ]);
      });

      it('stops the held lot with LOT_ON_HOLD but leaves its descendants usable', async function () {
        await expectRefused(
          contractFor(ASSEMBLYCO, 'qm1').submitTransaction('CreateLot', child(ASSEMBLYCO, 'from-HC1', P('HC1'))),
          'LOT_ON_HOLD',
        );
        expect((await readLot(grandchild)).affected).to.equal(false);
        const { result } = await submit(contractFor(ASSEMBLYCO, 'qm1'), 'CreateLot', [child(ASSEMBLYCO, 'from-HC2-own-hold', grandchild)]);
        expect(result.inputs[0].lotId).to.equal(grandchild);
      });
    });
  });
});
