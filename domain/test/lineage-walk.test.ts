import { expect } from 'chai';
import { walkLineage, type EdgeReader, type LineageEdge } from '../src';

/** A → B, A → C, B → D, C → D (a diamond), D → E. */
const EDGES: LineageEdge<number>[] = [
  { parent: 'A', child: 'B', quantity: 1 },
  { parent: 'A', child: 'C', quantity: 2 },
  { parent: 'B', child: 'D', quantity: 3 },
  { parent: 'C', child: 'D', quantity: 4 },
  { parent: 'D', child: 'E', quantity: 5 },
];

const reader: EdgeReader<number> = {
  edges: (id, direction, limit) =>
    Promise.resolve(EDGES.filter((e) => (direction === 'forward' ? e.parent : e.child) === id).slice(0, limit)),
};

describe('the bounded lineage walk', () => {
  it('visits breadth-first in edge order, each lot once, with every edge between visited lots', async () => {
    const walk = await walkLineage(reader, 'A', 'forward', 10, 100);
    expect(walk.visited).to.deep.equal([
      { id: 'A', depth: 0 },
      { id: 'B', depth: 1 },
      { id: 'C', depth: 1 },
      { id: 'D', depth: 2 },
      { id: 'E', depth: 3 },
    ]);
    expect(walk.edges.map((e) => `${e.from}>${e.to}`)).to.deep.equal(['A>B', 'A>C', 'B>D', 'C>D', 'D>E']);
    expect(walk.truncated).to.equal(false);
  });

  it('walks backward through parents', async () => {
    const walk = await walkLineage(reader, 'E', 'backward', 10, 100);
    expect(walk.visited.map((v) => v.id)).to.deep.equal(['E', 'D', 'B', 'C', 'A']);
  });

  it('says truncated when the depth bound leaves edges unwalked, and not when the graph ends there', async () => {
    expect((await walkLineage(reader, 'A', 'forward', 2, 100)).truncated).to.equal(true);
    expect((await walkLineage(reader, 'A', 'forward', 3, 100)).truncated).to.equal(false);
  });

  it('stops at the node bound and omits the edges to lots it left out', async () => {
    const walk = await walkLineage(reader, 'A', 'forward', 10, 2);
    expect(walk.visited.map((v) => v.id)).to.deep.equal(['A', 'B']);
    expect(walk.edges.map((e) => `${e.from}>${e.to}`)).to.deep.equal(['A>B']);
    expect(walk.truncated).to.equal(true);
  });
});
