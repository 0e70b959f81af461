import { EVENTS } from '@lotline/domain';
import { expect } from 'chai';
import { expectCode, input, lotJson, transfer, world, type World } from './support/fixtures';

const R = 'PartsCoMSP:R';
const C1 = 'PartsCoMSP:C1';
const C2 = 'PartsCoMSP:C2';
const G1 = 'PartsCoMSP:G1';
const X = 'PartsCoMSP:X';
const M = 'PartsCoMSP:M';

/** R → C1 → G1 (G1 shipped to AssemblyCo); R → C2 → M ← X. */
async function lineage(w: World): Promise<void> {
  await w.partsQm.submit('Lot:CreateLot', lotJson(R));
  await w.partsQm.submit('Lot:CreateLot', lotJson(C1, { inputs: [input(R, 10)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(C2, { inputs: [input(R, 10)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(G1, { inputs: [input(C1, 5)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(X));
  await w.partsQm.submit('Lot:CreateLot', lotJson(M, { inputs: [input(C2, 1), input(X, 1)] }));
  await transfer(w.partsQm, w.assemblyQm, G1);
}

const hold = (includeDescendants: boolean): string => JSON.stringify({ reason: 'suspect heat treatment', includeDescendants });

describe('holds', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await lineage(w);
  });

  it('puts the lot itself on hold and emits HoldPlaced', async () => {
    const event = await w.partsQm.submit('Quality:PlaceHold', C1, hold(false));
    expect(event).to.include({ type: 'hold', holdId: event.eventId, includeDescendants: false });
    expect(w.net.events.at(-1)?.payload).to.include({ type: EVENTS.HoldPlaced, lotId: C1, holdId: event.holdId });
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', C1);
    expect(lot.status).to.equal('on_hold');
    expect(lot.affectedBy).to.deep.equal([{ kind: 'hold', sourceLotId: C1, eventId: event.eventId }]);
  });

  it('without descendants, leaves children usable', async () => {
    await w.partsQm.submit('Quality:PlaceHold', C1, hold(false));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', G1)).affected).to.equal(false);
    await w.assemblyQm.submit('Lot:ProposeTransfer', G1, 'CityMSP');
  });

  it('refuses consuming a held lot with LOT_ON_HOLD', async () => {
    await w.partsQm.submit('Quality:PlaceHold', C2, hold(false));
    await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:N', { inputs: [input(C2, 1)] })), 'LOT_ON_HOLD');
  });

  describe('with includeDescendants', () => {
    let holdId: string;
    beforeEach(async () => {
      holdId = (await w.partsQm.submit('Quality:PlaceHold', R, hold(true))).holdId;
    });

    it('shows every descendant as affected by the hold, even at another custodian', async () => {
      for (const id of [C1, C2, G1, M]) {
        const lot = await w.bankAuditor.evaluate('Lot:ReadLot', id);
        expect(lot.affectedBy, id).to.deep.equal([{ kind: 'hold', sourceLotId: R, eventId: holdId }]);
        expect(lot.status, id).to.equal('active');
      }
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', X)).affected).to.equal(false);
    });

    it('refuses transferring or consuming a descendant with LOT_ON_HOLD', async () => {
      await expectCode(w.assemblyQm.submit('Lot:ProposeTransfer', G1, 'CityMSP'), 'LOT_ON_HOLD');
      await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:N', { inputs: [input(M, 1)] })), 'LOT_ON_HOLD');
    });

    it('on release, is recorded not erased, and descendants become usable again', async () => {
      const released = await w.partsQm.submit('Quality:ReleaseHold', R, holdId, 'retested fine');
      expect(released).to.include({ type: 'release', holdId, reason: 'retested fine' });
      expect(w.net.events.at(-1)?.name).to.equal(EVENTS.HoldReleased);
      expect(w.net.readQualityEvent(R, holdId)).to.include({ type: 'hold', holdId });
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', R)).status).to.equal('active');
      expect((await w.bankAuditor.evaluate('Lot:ReadLot', G1)).affected).to.equal(false);
      await w.assemblyQm.submit('Lot:ProposeTransfer', G1, 'CityMSP');
      const { history } = await w.bankAuditor.evaluate('Lot:GetLotHistory', R, '1000', '');
      expect(history.map((h: { value: { status: string } }) => h.value.status)).to.deep.equal(['active', 'on_hold', 'active']);
    });

    it('refuses releasing twice with CONFLICT, and an unknown hold with NOT_FOUND', async () => {
      await w.partsQm.submit('Quality:ReleaseHold', R, holdId, 'ok');
      await expectCode(w.partsQm.submit('Quality:ReleaseHold', R, holdId, 'again'), 'CONFLICT');
      await expectCode(w.partsQm.submit('Quality:ReleaseHold', R, 'f'.repeat(64), 'x'), 'NOT_FOUND');
    });

    it('keeps a lot held while another hold remains', async () => {
      const second = await w.partsQm.submit('Quality:PlaceHold', R, hold(false));
      await w.partsQm.submit('Quality:ReleaseHold', R, holdId, 'ok');
      const lot = await w.bankAuditor.evaluate('Lot:ReadLot', R);
      expect(lot.status).to.equal('on_hold');
      expect(lot.affectedBy).to.deep.equal([{ kind: 'hold', sourceLotId: R, eventId: second.holdId }]);
    });
  });

  describe('who may place and release', () => {
    it('lets the producer’s quality manager hold a lot now held by another org', async () => {
      await w.partsQm.submit('Quality:PlaceHold', G1, hold(false));
    });

    it('lets the custodian’s quality manager hold a lot it did not produce', async () => {
      await w.assemblyQm.submit('Quality:PlaceHold', G1, hold(false));
    });

    it('refuses an unrelated org, an inspector, an admin and an auditor', async () => {
      await expectCode(w.cityQm.submit('Quality:PlaceHold', R, hold(false)), 'FORBIDDEN');
      await expectCode(w.partsInspector.submit('Quality:PlaceHold', R, hold(false)), 'FORBIDDEN');
      await expectCode(w.partsAdmin.submit('Quality:PlaceHold', R, hold(false)), 'FORBIDDEN');
      await expectCode(w.partsAuditor.submit('Quality:PlaceHold', R, hold(false)), 'FORBIDDEN');
    });

    it('refuses a release by an unrelated org', async () => {
      const { holdId } = await w.partsQm.submit('Quality:PlaceHold', R, hold(true));
      await expectCode(w.assemblyQm.submit('Quality:ReleaseHold', R, holdId, 'x'), 'FORBIDDEN');
    });

    it('refuses a hold without includeDescendants', async () => {
      await expectCode(w.partsQm.submit('Quality:PlaceHold', R, JSON.stringify({ reason: 'x' })), 'INVALID_ARGUMENT');
    });
  });
});

describe('recalls', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await lineage(w);
  });

  it('records the recall without walking the lineage: three keys written and no range read, whatever the descendants', async () => {
    const endorsed = await w.partsQm.endorse('Quality:StartRecall', R, JSON.stringify({ reason: 'bad alloy', recallId: 'RC-2026-001' }));
    expect(endorsed.error).to.equal(undefined);
    expect(endorsed.stub.ranges).to.deep.equal([]);
    expect([...endorsed.stub.writes.keys()].map((k) => k.split('\u0000')[1]).sort()).to.deep.equal(['lot', 'qe', 'qe~id', 'recall']);
    expect(w.net.commitBlock([endorsed])).to.deep.equal(['VALID']);
    expect(JSON.parse(endorsed.result as string))
      .to.include({ recallId: 'RC-2026-001', sourceLotId: R })
      .and.not.have.property('affected');
    expect(w.net.events.at(-1)?.payload).to.include({ type: EVENTS.RecallStarted, lotId: R, recallId: 'RC-2026-001' });
  });

  it('reads a report listing the lot and every descendant with custodian, producer, status and depth', async () => {
    await w.partsQm.submit('Quality:StartRecall', R, JSON.stringify({ reason: 'bad alloy', recallId: 'RC-2026-001' }));
    const report = await w.bankAuditor.evaluate('Quality:GetRecall', 'RC-2026-001', '50', '5000');
    expect(report).to.include({ recallId: 'RC-2026-001', sourceLotId: R, reason: 'bad alloy', truncated: false });
    expect(report.startedBy.msp).to.equal('PartsCoMSP');
    expect(report.affected).to.deep.equal([
      { lotId: R, custodian: 'PartsCoMSP', producer: 'PartsCoMSP', status: 'recalled', depth: 0 },
      { lotId: C1, custodian: 'PartsCoMSP', producer: 'PartsCoMSP', status: 'active', depth: 1 },
      { lotId: C2, custodian: 'PartsCoMSP', producer: 'PartsCoMSP', status: 'active', depth: 1 },
      { lotId: G1, custodian: 'AssemblyCoMSP', producer: 'PartsCoMSP', status: 'active', depth: 2 },
      { lotId: M, custodian: 'PartsCoMSP', producer: 'PartsCoMSP', status: 'active', depth: 2 },
    ]);
  });

  it('says when the report was cut by its bounds', async () => {
    await w.partsQm.submit('Quality:StartRecall', R, JSON.stringify({ reason: 'bad alloy', recallId: 'RC-2026-001' }));
    const report = await w.bankAuditor.evaluate('Quality:GetRecall', 'RC-2026-001', '50', '2');
    expect(report).to.include({ truncated: true, maxNodes: 2 });
    expect(report.affected.map((a: { lotId: string }) => a.lotId)).to.deep.equal([R, C1]);
  });

  it('makes reading any descendant show it is affected by the recall', async () => {
    const report = await w.partsQm.submit('Quality:StartRecall', R, JSON.stringify({ reason: 'bad alloy' }));
    const g1 = await w.bankAuditor.evaluate('Lot:ReadLot', G1);
    expect(g1.affectedBy).to.deep.equal([{ kind: 'recall', sourceLotId: R, eventId: report.eventId, recallId: report.recallId }]);
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', X)).affected).to.equal(false);
  });

  it('makes tracing show the affected flags on descendants', async () => {
    await w.partsQm.submit('Quality:StartRecall', C2, JSON.stringify({ reason: 'bad alloy' }));
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', M, 'backward', '5', '50');
    const flags = Object.fromEntries(trace.nodes.map((n: { id: string; affected: boolean }) => [n.id, n.affected]));
    expect(flags).to.deep.equal({ [M]: true, [C2]: true, [X]: false, [R]: false });
  });

  it('refuses consuming or transferring any descendant with LOT_RECALLED', async () => {
    await w.partsQm.submit('Quality:StartRecall', R, JSON.stringify({ reason: 'bad alloy' }));
    await expectCode(w.assemblyQm.submit('Lot:ProposeTransfer', G1, 'CityMSP'), 'LOT_RECALLED');
    await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:N', { inputs: [input(M, 1)] })), 'LOT_RECALLED');
  });

  it('GetRecall shows the current custodian and status of each affected lot', async () => {
    await w.partsQm.submit('Lot:ProposeTransfer', M, 'CityMSP');
    await w.partsQm.submit('Quality:StartRecall', C1, JSON.stringify({ reason: 'r', recallId: 'RC-1' }));
    await w.assemblyQm.submit('Quality:PlaceHold', G1, hold(false));
    const report = await w.bankAuditor.evaluate('Quality:GetRecall', 'RC-1', '50', '5000');
    expect(report.affected.map((a: { lotId: string; status: string }) => [a.lotId, a.status])).to.deep.equal([
      [C1, 'recalled'],
      [G1, 'on_hold'],
    ]);
  });

  it('answers NOT_FOUND for an unknown recall', async () => {
    await expectCode(w.bankAuditor.evaluate('Quality:GetRecall', 'RC-none', '50', '5000'), 'NOT_FOUND');
  });

  it('refuses a second recall of the same lot and a reused recall id with CONFLICT', async () => {
    await w.partsQm.submit('Quality:StartRecall', C1, JSON.stringify({ reason: 'r', recallId: 'RC-1' }));
    await expectCode(w.partsQm.submit('Quality:StartRecall', C1, JSON.stringify({ reason: 'r' })), 'CONFLICT');
    await expectCode(w.partsQm.submit('Quality:StartRecall', C2, JSON.stringify({ reason: 'r', recallId: 'RC-1' })), 'CONFLICT');
  });

  it('lets only the producer’s quality manager recall', async () => {
    await expectCode(w.assemblyQm.submit('Quality:StartRecall', G1, JSON.stringify({ reason: 'r' })), 'FORBIDDEN');
    await expectCode(w.partsAdmin.submit('Quality:StartRecall', G1, JSON.stringify({ reason: 'r' })), 'FORBIDDEN');
    await expectCode(w.partsAuditor.submit('Quality:StartRecall', G1, JSON.stringify({ reason: 'r' })), 'FORBIDDEN');
    await w.partsQm.submit('Quality:StartRecall', G1, JSON.stringify({ reason: 'r' }));
  });
});
