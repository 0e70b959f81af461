import { compositeKey } from '@lotline/domain';
import { expect } from 'chai';
import type { FakeStub } from './support/fake-network';
import { input, lotInput, lotJson, world, type World } from './support/fixtures';

const id = (n: string): string => `PartsCoMSP:${n}`;
const DELIM = '\u0000';
const key = (objectType: string, ...attributes: string[]): string => compositeKey(objectType, attributes);
const inspection = (verdict: string): string =>
  JSON.stringify({ verdict, certificate: { sha256: 'c'.repeat(64), uri: 'https://lab.example/c' } });

function lastStub(w: World): FakeStub {
  const stub = w.net.last;
  if (stub === undefined) throw new Error('no transaction ran');
  return stub;
}

function writtenKeys(w: World): string[] {
  return [...lastStub(w).writes.keys()].sort();
}

function shardKeysOf(w: World, lotId: string): string[] {
  return w.net.rangeEntries('lot', [lotId, 'balance']).map((e) => e.key);
}

describe('lazy balance shards', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  it('creating a lot writes its document only, and it reports its full quantity remaining', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: { amount: 10, unit: 'KGM' } }));
    expect(writtenKeys(w)).to.deep.equal([key('lot', id('P'))]);
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', id('P'));
    expect(lot).to.deep.include({ status: 'active', remaining: { amount: 10, unit: 'KGM' } });
  });

  it('a CreateLot with two inputs writes the lot, one debited shard per input and one edge per input', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('A')));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('B')));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C'), { inputs: [input(id('A'), 1), input(id('B'), 2)] }));
    const written = writtenKeys(w);
    expect(written).to.have.length(5);
    expect(written).to.include.members([key('lot', id('C')), key('lot', id('A'), 'child', id('C')), key('lot', id('B'), 'child', id('C'))]);
    expect(written.filter((k) => k.includes(`${DELIM}balance${DELIM}`))).to.have.length(2);
  });

  it('a debited lot reports what is left, with only the debited shard written', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: { amount: 16, unit: 'KGM' } }));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C1'), { inputs: [input(id('P'), 0.25)] }));
    expect(shardKeysOf(w, id('P'))).to.have.length(1);
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', id('P'));
    expect(lot).to.deep.include({ status: 'active', remaining: { amount: 15.75, unit: 'KGM' } });
  });

  it('a draw larger than one shard spreads over several, and the lot shows consumed at 0', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: { amount: 16, unit: 'KGM' } }));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C1'), { inputs: [input(id('P'), 5.5)] }));
    expect(shardKeysOf(w, id('P'))).to.have.length(6);
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('P'))).remaining.amount).to.equal(10.5);
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C2'), { inputs: [input(id('P'), 10.5)] }));
    expect(shardKeysOf(w, id('P'))).to.have.length(16);
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', id('P'));
    expect(lot).to.deep.include({ status: 'consumed', remaining: { amount: 0, unit: 'KGM' } });
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('C2'), 'backward', '1', '10');
    expect(trace.nodes.find((n: { id: string }) => n.id === id('P')).status).to.equal('consumed');
  });

  it('splits a quantity that does not divide by 16 exactly: the first shards hold the remainder', async () => {
    // 23 micro-units: shards 0..6 hold 2, shards 7..15 hold 1.
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('P'), { quantity: { amount: 0.000023, unit: 'KGM' } }));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('P'))).remaining.amount).to.equal(0.000023);
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C1'), { inputs: [input(id('P'), 0.00002)] }));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('P'))).remaining.amount).to.equal(0.000003);
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C2'), { inputs: [input(id('P'), 0.000003)] }));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('P'))).status).to.equal('consumed');
  });

  it('a lot created earlier in the same ImportLots can be consumed from its derived shards', async () => {
    const lots = [lotInput(id('R'), { quantity: { amount: 3, unit: 'KGM' } })];
    for (const n of ['K1', 'K2', 'K3']) lots.push(lotInput(id(n), { quantity: { amount: 1, unit: 'KGM' }, inputs: [input(id('R'), 1)] }));
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots }));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('R'))).status).to.equal('consumed');
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('K1'))).remaining.amount).to.equal(1);
  });
});

describe('one key prefix per lot', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('A')));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('B'), { inputs: [input(id('A'), 2)] }));
    await w.partsInspector.submit('Quality:RecordInspection', id('A'), inspection('conditional'));
  });

  it('keeps the document, shards, child edges and inspection pointer under lot [id, …], the document first', async () => {
    const keys = w.net.rangeEntries('lot', [id('A')]).map((e) => e.key);
    expect(keys).to.have.length(4);
    expect(keys[0]).to.equal(key('lot', id('A')));
    expect(keys[1]).to.match(new RegExp(`^${key('lot', id('A'), 'balance')}\\d{2}${DELIM}$`));
    expect(keys.slice(2)).to.deep.equal([key('lot', id('A'), 'child', id('B')), key('lot', id('A'), 'inspection')]);
    expect(w.net.read('lot', [id('A'), 'child', id('B')])).to.deep.equal({
      parent: id('A'),
      child: id('B'),
      quantity: { amount: 2, unit: 'KGM' },
    });
    expect(w.net.read('lot', [id('A'), 'inspection'])).to.include({ verdict: 'conditional' });
    expect(w.net.rangeEntries('lot', [id('B')]).map((e) => e.key)).to.deep.equal([key('lot', id('B'))]);
  });

  it('ReadLot gets a lot, its balance and its inspection with one range read, without closing a spent iterator', async () => {
    const lot = await w.bankAuditor.evaluate('Lot:ReadLot', id('A'));
    expect(lot.remaining).to.deep.equal({ amount: 98, unit: 'KGM' });
    expect(lot.latestInspection).to.include({ verdict: 'conditional' });
    // One range read of lot [A] and one GetState of the transfer key; A has no ancestors.
    expect(Object.fromEntries(lastStub(w).calls)).to.deep.equal({ GET_STATE_BY_RANGE: 1, GET_STATE: 1 });
  });

  it('a lot whose id extends another id does not leak into its prefix', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('A.1'), { quantity: { amount: 5, unit: 'KGM' } }));
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('X'), { quantity: { amount: 1, unit: 'KGM' }, inputs: [input(id('A.1'), 5)] }));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('A'))).remaining.amount).to.equal(98);
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '5', '10');
    expect(trace.nodes.map((n: { id: string }) => n.id)).to.deep.equal([id('A'), id('B')]);
  });

  it('write transactions never scan a whole lot prefix', async () => {
    await w.partsQm.submit('Lot:CreateLot', lotJson(id('C'), { inputs: [input(id('A'), 1), input(id('B'), 1)] }));
    expect(lastStub(w).ranges).to.deep.equal([]);
    await w.partsQm.submit('Lot:SplitLot', id('C'), JSON.stringify({ ...lotInput(id('D')), inputs: undefined }));
    expect(lastStub(w).ranges).to.deep.equal([]);
    await w.partsQm.submit('Quality:PlaceHold', id('D'), JSON.stringify({ reason: 'r', includeDescendants: false }));
    expect(lastStub(w).ranges).to.deep.equal([]);
    await w.partsQm.submit('Quality:StartRecall', id('A'), JSON.stringify({ reason: 'r' }));
    expect(lastStub(w).ranges).to.deep.equal([]);
  });
});

describe('lots with more sub-records than one peer batch', () => {
  it('still finds every child and the inspection pointer that sorts after them', async () => {
    const w = world();
    const lots = [lotInput(id('HUB'), { quantity: { amount: 1000, unit: 'EA' } })];
    for (let i = 0; i < 120; i++)
      lots.push(
        lotInput(id(`K${String(i).padStart(3, '0')}`), { quantity: { amount: 1, unit: 'EA' }, inputs: [input(id('HUB'), 1, 'EA')] }),
      );
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots }));
    await w.partsInspector.submit('Quality:RecordInspection', id('HUB'), inspection('fail'));
    expect((await w.bankAuditor.evaluate('Lot:ReadLot', id('HUB'))).latestInspection).to.include({ verdict: 'fail' });
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('HUB'), 'forward', '1', '200');
    expect(trace.nodes).to.have.length(121);
    expect(trace.edges).to.have.length(120);
    expect(trace.truncated).to.equal(false);
    expect(trace.nodes[0]).to.include({ id: id('HUB'), latestVerdict: 'fail' });
  });
});

describe('shim round trips of read-only traversals', () => {
  /** A binary tree of ancestors under ROOT: `levels` levels above it, 2^levels sources. */
  async function ancestry(w: World, levels: number): Promise<string> {
    const lots = [];
    let layer: string[] = [];
    for (let i = 0; i < 2 ** levels; i++) {
      layer.push(id(`L${levels}-${i}`));
      lots.push(lotInput(id(`L${levels}-${i}`)));
    }
    for (let level = levels - 1; level >= 0; level--) {
      const next: string[] = [];
      for (let i = 0; i < layer.length / 2; i++) {
        const lotId = id(`L${level}-${i}`);
        next.push(lotId);
        lots.push(lotInput(lotId, { inputs: [input(layer[2 * i] as string, 1), input(layer[2 * i + 1] as string, 1)] }));
      }
      layer = next;
    }
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots }));
    return layer[0] as string;
  }

  it('a backward trace costs at most 2 round trips per node (1 here: one range read, no close)', async () => {
    const w = world();
    const root = await ancestry(w, 5);
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', root, 'backward', '10', '100');
    expect(trace.nodes).to.have.length(63);
    expect(lastStub(w).roundTrips).to.be.at.most(2 * trace.nodes.length);
    expect(Object.fromEntries(lastStub(w).calls)).to.deep.equal({ GET_STATE_BY_RANGE: 63 });
  });

  it('a forward trace costs one range read per node plus one GetState per ancestor outside the trace', async () => {
    const w = world();
    const root = await ancestry(w, 3);
    // A forward trace from one source reaches its descendants; their other ancestors are outside it.
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('L3-0'), 'forward', '10', '100');
    expect(trace.nodes.map((n: { id: string }) => n.id)).to.deep.equal([id('L3-0'), id('L2-0'), id('L1-0'), root]);
    // Outside the trace: L3-1 (other parent of L2-0); L2-1 with L3-2, L3-3; L1-1 with L2-2, L2-3 and L3-4..7.
    const outside = 1 + 3 + 7;
    expect(Object.fromEntries(lastStub(w).calls)).to.deep.equal({ GET_STATE_BY_RANGE: 4, GET_STATE: outside });
  });
});
