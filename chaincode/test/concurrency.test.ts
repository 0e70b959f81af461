import { expect } from 'chai';
import type { Endorsed } from './support/fake-network';
import { expectCode, input, lotJson, world, type World } from './support/fixtures';

const HOT = 'PartsCoMSP:HOT';

/** Endorse all against one snapshot, commit them as one block, retry the invalidated ones. Returns the blocks' codes. */
async function commitWithRetries(w: World, make: (i: number) => Promise<Endorsed>, count: number): Promise<string[][]> {
  let pending = Array.from({ length: count }, (_, i) => i);
  const rounds: string[][] = [];
  while (pending.length > 0 && rounds.length < 30) {
    const endorsed = await Promise.all(pending.map(make));
    for (const e of endorsed) if (e.error !== undefined) throw e.error;
    const codes = w.net.commitBlock(endorsed);
    rounds.push(codes);
    pending = pending.filter((_, k) => codes[k] !== 'VALID');
  }
  return rounds;
}

describe('concurrency (simulated endorsement against one snapshot, MVCC validation at commit)', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(HOT, { quantity: { amount: 1000, unit: 'KGM' } }));
  });

  it('lets many of 50 concurrent children of one hot parent commit in the same block, and all after retries', async () => {
    const child = (i: number): Promise<Endorsed> =>
      w.partsQm.endorse('Lot:CreateLot', lotJson(`PartsCoMSP:C${i}`, { inputs: [input(HOT, 1)] }));
    const rounds = await commitWithRetries(w, child, 50);
    const firstBlockValid = rounds[0]?.filter((c) => c === 'VALID').length ?? 0;
    expect(firstBlockValid, 'a single balance key would allow exactly 1').to.be.greaterThan(8);
    expect(rounds.flat().filter((c) => c !== 'VALID' && c !== 'MVCC_READ_CONFLICT')).to.deep.equal([]);
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', HOT)).remaining.amount).to.equal(950);
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', HOT, 'forward', '1', '100');
    expect(trace.nodes).to.have.length(51);
  });

  it('never lets concurrent consumers overdraw a lot', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:SMALL', { quantity: { amount: 10, unit: 'KGM' } }));
    const endorsed = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        w.partsQm.endorse('Lot:CreateLot', lotJson(`PartsCoMSP:B${i}`, { inputs: [input('PartsCoMSP:SMALL', 6)] })),
      ),
    );
    for (const e of endorsed) expect(e.error).to.equal(undefined);
    const valid = w.net.commitBlock(endorsed).filter((c) => c === 'VALID').length;
    expect(valid).to.equal(1);
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', 'PartsCoMSP:SMALL')).remaining.amount).to.equal(4);
  });

  it('invalidates a consumption endorsed before a hold on an ancestor committed', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:MID', { inputs: [input(HOT, 10)] }));
    const consume = await w.partsQm.endorse('Lot:CreateLot', lotJson('PartsCoMSP:LEAF', { inputs: [input('PartsCoMSP:MID', 1)] }));
    const hold = await w.partsQm.endorse('Quality:PlaceHold', HOT, JSON.stringify({ reason: 'r', includeDescendants: true }));
    expect(w.net.commitBlock([hold, consume])).to.deep.equal(['VALID', 'MVCC_READ_CONFLICT']);
  });

  it('a child committed in the same block as a recall of its grandparent is listed when the recall is read', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:MID', { inputs: [input(HOT, 10)] }));
    const child = await w.partsQm.endorse('Lot:CreateLot', lotJson('PartsCoMSP:NEW', { inputs: [input('PartsCoMSP:MID', 1)] }));
    const recall = await w.partsQm.endorse('Quality:StartRecall', HOT, JSON.stringify({ reason: 'r', recallId: 'R-1' }));
    expect(w.net.commitBlock([child, recall])).to.deep.equal(['VALID', 'VALID']);
    const report = await w.partsQm.evaluate('Quality:GetRecall', 'R-1', '50', '5000');
    expect(report.affected.map((a: { lotId: string }) => a.lotId)).to.include('PartsCoMSP:NEW');
  });

  it('a child endorsed before a recall of its parent committed first is invalidated, and its retry is refused with LOT_RECALLED', async () => {
    const recall = await w.partsQm.endorse('Quality:StartRecall', HOT, JSON.stringify({ reason: 'r' }));
    const child = await w.partsQm.endorse('Lot:CreateLot', lotJson('PartsCoMSP:NEW', { inputs: [input(HOT, 1)] }));
    expect(w.net.commitBlock([recall, child])).to.deep.equal(['VALID', 'MVCC_READ_CONFLICT']);
    await expectCode(w.partsQm.submit('Lot:CreateLot', lotJson('PartsCoMSP:NEW', { inputs: [input(HOT, 1)] })), 'LOT_RECALLED');
  });
});
