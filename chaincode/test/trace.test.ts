import { expect } from 'chai';
import { expectCode, input, lotInput, lotJson, world, type World } from './support/fixtures';

const id = (n: string): string => `PartsCoMSP:${n}`;

/** A → B, A → C, B → D, C → D (diamond), D → E. */
async function diamond(w: World): Promise<void> {
  await w.partsQm.submit('Lot:CreateLot', lotJson(id('A')));
  await w.partsQm.submit('Lot:CreateLot', lotJson(id('B'), { inputs: [input(id('A'), 2)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(id('C'), { inputs: [input(id('A'), 3)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(id('D'), { inputs: [input(id('B'), 1), input(id('C'), 1)] }));
  await w.partsQm.submit('Lot:CreateLot', lotJson(id('E'), { inputs: [input(id('D'), 1)] }));
}

describe('Lot:TraceLot', () => {
  let w: World;
  beforeEach(async () => {
    w = world();
    await diamond(w);
  });

  it('traces forward breadth-first with depths, edges and quantities', async () => {
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '10', '100');
    expect(trace).to.include({ root: id('A'), direction: 'forward', truncated: false, maxDepth: 10, maxNodes: 100 });
    expect(trace.nodes.map((n: { id: string; depth: number }) => [n.id, n.depth])).to.deep.equal([
      [id('A'), 0],
      [id('B'), 1],
      [id('C'), 1],
      [id('D'), 2],
      [id('E'), 3],
    ]);
    expect(trace.edges).to.deep.include({ from: id('A'), to: id('C'), quantity: { amount: 3, unit: 'KGM' } });
    expect(trace.edges).to.have.length(5);
  });

  it('traces backward to every source with parent→child edges', async () => {
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('E'), 'backward', '10', '100');
    expect(trace.nodes.map((n: { id: string }) => n.id)).to.deep.equal([id('E'), id('D'), id('B'), id('C'), id('A')]);
    expect(trace.edges[0]).to.deep.equal({ from: id('D'), to: id('E'), quantity: { amount: 1, unit: 'KGM' } });
  });

  it('gives each node its product, quantity, producer, custodian, status, latest verdict and affected flags', async () => {
    await w.partsInspector.submit(
      'Quality:RecordInspection',
      id('B'),
      JSON.stringify({ verdict: 'fail', certificate: { sha256: 'd'.repeat(64), uri: 'https://x.example/b' } }),
    );
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '1', '100');
    const b = trace.nodes.find((n: { id: string }) => n.id === id('B'));
    expect(b).to.deep.equal({
      id: id('B'),
      product: { code: 'BRK-100', name: 'Brake bracket' },
      quantity: { amount: 100, unit: 'KGM' },
      producer: 'PartsCoMSP',
      custodian: 'PartsCoMSP',
      status: 'active',
      latestVerdict: 'fail',
      affected: false,
      affectedBy: [],
      depth: 1,
    });
  });

  it('is deterministic: the same trace twice gives identical JSON', async () => {
    const once = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '10', '100');
    const twice = await w.partsAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '10', '100');
    expect(JSON.stringify(once)).to.equal(JSON.stringify(twice));
  });

  it('flags truncation at the depth limit', async () => {
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '2', '100');
    expect(trace.truncated).to.equal(true);
    expect(trace.nodes.map((n: { id: string }) => n.id)).not.to.include(id('E'));
  });

  it('does not flag truncation when the depth limit is exactly the graph depth', async () => {
    expect((await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '3', '100')).truncated).to.equal(false);
  });

  it('flags truncation at the node limit and leaves out edges to omitted nodes', async () => {
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '10', '2');
    expect(trace.truncated).to.equal(true);
    expect(trace.nodes).to.have.length(2);
    const ids = new Set(trace.nodes.map((n: { id: string }) => n.id));
    for (const e of trace.edges) expect(ids.has(e.from) && ids.has(e.to)).to.equal(true);
  });

  it('with depth 0 returns only the root', async () => {
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '0', '10');
    expect(trace.nodes).to.have.length(1);
    expect(trace.truncated).to.equal(true);
  });

  it('refuses limits above the hard caps, bad directions and unknown lots', async () => {
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '51', '10'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '5', '5001'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '5', '0'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '-1', '10'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'sideways', '5', '10'), 'INVALID_ARGUMENT');
    await expectCode(w.bankAuditor.evaluate('Lot:TraceLot', id('Z'), 'forward', '5', '10'), 'LOT_NOT_FOUND');
  });

  it('shows a descendant of a held-with-descendants lot as affected, with the source', async () => {
    const { holdId } = await w.partsQm.submit('Quality:PlaceHold', id('C'), JSON.stringify({ reason: 'r', includeDescendants: true }));
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('A'), 'forward', '10', '100');
    const affected = trace.nodes.filter((n: { affected: boolean }) => n.affected).map((n: { id: string }) => n.id);
    expect(affected).to.deep.equal([id('C'), id('D'), id('E')]);
    expect(trace.nodes.find((n: { id: string }) => n.id === id('E')).affectedBy).to.deep.equal([
      { kind: 'hold', sourceLotId: id('C'), eventId: holdId },
    ]);
  });
});

describe('Lot:TraceLot on a wide graph', () => {
  it('stops at maxNodes on a parent with many children', async () => {
    const w = world();
    const lots = [lotInput(id('HUB'), { quantity: { amount: 1000, unit: 'EA' } })];
    for (let i = 0; i < 60; i++)
      lots.push(
        lotInput(id(`K${String(i).padStart(3, '0')}`), { quantity: { amount: 1, unit: 'EA' }, inputs: [input(id('HUB'), 1, 'EA')] }),
      );
    await w.partsQm.submit('Lot:ImportLots', JSON.stringify({ lots }));
    const trace = await w.bankAuditor.evaluate('Lot:TraceLot', id('HUB'), 'forward', '5', '25');
    expect(trace.nodes).to.have.length(25);
    expect(trace.truncated).to.equal(true);
    const full = await w.bankAuditor.evaluate('Lot:TraceLot', id('HUB'), 'forward', '5', '61');
    expect(full.truncated).to.equal(false);
    expect(full.nodes[1].id).to.equal(id('K000'));
  });
});
