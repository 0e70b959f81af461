/**
 * A randomly generated lineage DAG of more than 300 lots across City, PartsCo
 * and AssemblyCo, written with ImportLots (each organisation imports its own
 * lots, consuming only lots in its custody) and custody transfers between the
 * stages, so that lineage crosses organisations. Backward and forward traces
 * of several roots, with and without limits, must equal a breadth-first search
 * computed here from the generated edges, and `truncated` must be set exactly
 * when that search was cut by a limit.
 *
 * The generator is seeded; the seed is printed, and LOTLINE_TEST_SEED=<n>
 * reproduces a run.
 */
import { expect } from 'chai';
import { ASSEMBLYCO, BANK, CITY, closeConnections, contractFor, PARTSCO, syncPeers, type TestOrg } from '../support/identities';
import { allInBatches, evaluateWithin, prng, submit } from '../support/ledger';
import { compare, type ExpectedTrace, LineageModel, type ModelEdge } from '../support/lineage';
import { uniqueId } from '../support/network';

const SEED = Number(process.env.LOTLINE_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const UNIT = 'KGM';
const LOT_AMOUNT = 1000;
/** A full trace of ~200 lots takes about a second on an idle peer; allow for a loaded machine. */
const TRACE_DEADLINE_MS = 60_000;

interface GenLot {
  readonly id: string;
  readonly producer: string;
  custodian: string;
  remaining: number;
  readonly inputs: { lotId: string; quantity: { amount: number; unit: string } }[];
}

/** The generated data set, built stage by stage in the same order as it is written to the ledger. */
class Generator {
  readonly lots = new Map<string, GenLot>();
  readonly edges: ModelEdge[] = [];
  private readonly random: () => number;
  private counter = 0;

  constructor(
    seed: number,
    private readonly run: string,
  ) {
    this.random = prng(seed);
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private heldBy(msp: string): GenLot[] {
    return [...this.lots.values()].filter((l) => l.custodian === msp);
  }

  /** `count` new lots made by `org`; each consumes 0–3 lots in its custody, preferring recent ones and received ones. */
  makeLots(org: TestOrg, count: number): GenLot[] {
    const made: GenLot[] = [];
    for (let n = 0; n < count; n++) {
      const candidates = this.heldBy(org.msp);
      const received = candidates.filter((l) => l.producer !== org.msp);
      const wanted = candidates.length === 0 || this.random() < 0.15 ? 0 : this.int(1, 3);
      const inputs: GenLot['inputs'] = [];
      for (let k = 0; k < wanted; k++) {
        const pool = received.length > 0 && this.random() < 0.3 ? received : candidates;
        const pick = pool[pool.length - 1 - Math.floor(pool.length * this.random() ** 2)];
        const amount = this.int(50, 2000) / 100;
        if (pick === undefined || inputs.some((i) => i.lotId === pick.id) || pick.remaining < amount) continue;
        inputs.push({ lotId: pick.id, quantity: { amount, unit: UNIT } });
      }
      const id = `${org.msp}:${this.run}-${String(this.counter++).padStart(4, '0')}`;
      const lot: GenLot = { id, producer: org.msp, custodian: org.msp, remaining: LOT_AMOUNT, inputs };
      for (const input of inputs) {
        const parent = this.lots.get(input.lotId) as GenLot;
        parent.remaining = Math.round((parent.remaining - input.quantity.amount) * 100) / 100;
        this.edges.push({ from: input.lotId, to: id, amount: input.quantity.amount });
      }
      this.lots.set(id, lot);
      made.push(lot);
    }
    return made;
  }

  /** Choose `count` distinct lots from `among` to hand from their custodian to `to`. */
  handOver(among: readonly GenLot[], count: number, to: TestOrg): GenLot[] {
    const pool = among.filter((l) => l.custodian !== to.msp);
    const chosen: GenLot[] = [];
    while (chosen.length < count && pool.length > 0) {
      const [lot] = pool.splice(Math.floor(this.random() * pool.length), 1);
      if (lot !== undefined) chosen.push(lot);
    }
    return chosen;
  }
}

function asImport(lots: readonly GenLot[]): string {
  return JSON.stringify({
    lots: lots.map((l) => ({
      id: l.id,
      product: { code: 'GEN-PART', name: 'Generated part' },
      quantity: { amount: LOT_AMOUNT, unit: UNIT },
      inputs: l.inputs,
      process: { site: 'Generated site', line: 'Line G' },
    })),
  });
}

const orgByMsp = new Map([CITY, PARTSCO, ASSEMBLYCO].map((o) => [o.msp, o]));

/**
 * Write the custody changes: every proposal, then every acceptance (retrying
 * read conflicts between related lots). The acceptances wait until every peer
 * has the proposals' blocks: an endorsing peer that has not committed a
 * proposal yet would rightly answer TRANSFER_NOT_FOUND.
 */
async function transfer(lots: readonly GenLot[], to: TestOrg): Promise<void> {
  const proposed = await allInBatches(lots, 20, (l) =>
    submit(contractFor(orgByMsp.get(l.custodian) as TestOrg, 'qm1'), 'ProposeTransfer', [l.id, to.msp]),
  );
  await syncPeers(proposed.reduce((max, p) => (p.blockNumber > max ? p.blockNumber : max), 0));
  await allInBatches(lots, 20, (l) => submit(contractFor(to, 'qm1'), 'AcceptTransfer', [l.id]));
  for (const l of lots) l.custodian = to.msp;
}

async function importLots(org: TestOrg, lots: readonly GenLot[]): Promise<number> {
  const { result, blockNumber } = await submit<{ count: number }>(contractFor(org, 'qm1'), 'ImportLots', [asImport(lots)], {
    deadlineMs: 120_000,
  });
  expect(result.count, `${org.ref} import count`).to.equal(lots.length);
  return blockNumber;
}

/** A trace as returned by TraceLot, reduced to what the reference search predicts. */
function observed(trace: any): ExpectedTrace {
  return {
    nodes: trace.nodes.map((n: { id: string; depth: number }) => ({ id: n.id, depth: n.depth })),
    edges: trace.edges.map((e: { from: string; to: string; quantity: { amount: number } }) => ({
      from: e.from,
      to: e.to,
      amount: e.quantity.amount,
    })),
    truncated: trace.truncated,
  };
}

interface TraceCase {
  readonly label: string;
  readonly root: string;
  readonly direction: 'forward' | 'backward';
  readonly maxDepth: number;
  readonly maxNodes: number;
}

/** Limits around each root's boundaries: none, exact depth, one level short, exact node count, one node short. */
function casesFor(model: LineageModel, label: string, root: string, direction: 'forward' | 'backward'): TraceCase[] {
  const depth = Math.min(model.eccentricity(root, direction), 50);
  const count = model.reachable(root, direction).size + 1;
  return [
    { label, root, direction, maxDepth: 50, maxNodes: 5000 },
    { label, root, direction, maxDepth: depth, maxNodes: 5000 },
    { label, root, direction, maxDepth: Math.max(0, depth - 1), maxNodes: 5000 },
    { label, root, direction, maxDepth: 50, maxNodes: count },
    { label, root, direction, maxDepth: 50, maxNodes: Math.max(1, count - 1) },
    { label, root, direction, maxDepth: 2, maxNodes: 7 },
  ];
}

describe('lineage traces over a generated DAG of more than 300 lots across three firms', function () {
  this.timeout(300_000);
  const run = uniqueId('LIN');
  const gen = new Generator(SEED, run);
  let model: LineageModel | undefined;
  const cases: TraceCase[] = [];

  before(async function () {
    console.log(`      lineage DAG seed: ${SEED} (reproduce with LOTLINE_TEST_SEED=${SEED}); lot ids ${run}-*`);
    const started = Date.now();
    // Stage 1: raw material and parts at PartsCo, municipal / testing-institute lots at City.
    const parts1 = gen.makeLots(PARTSCO, 110);
    const city1 = gen.makeLots(CITY, 50);
    await Promise.all([importLots(PARTSCO, parts1), importLots(CITY, city1)]);
    // Stage 2: parts shipped to AssemblyCo; City material to both firms.
    const toAssembly = [...gen.handOver(parts1, 12, ASSEMBLYCO), ...gen.handOver(city1, 6, ASSEMBLYCO)];
    const toParts = gen.handOver(
      city1.filter((l) => !toAssembly.includes(l)),
      5,
      PARTSCO,
    );
    await Promise.all([transfer(toAssembly, ASSEMBLYCO), transfer(toParts, PARTSCO)]);
    // Stage 3: assemblies at AssemblyCo; more parts at PartsCo, some from City material.
    const assembly = gen.makeLots(ASSEMBLYCO, 110);
    const parts2 = gen.makeLots(PARTSCO, 30);
    await Promise.all([importLots(ASSEMBLYCO, assembly), importLots(PARTSCO, parts2)]);
    // Stage 4: finished assemblies delivered to City, which makes its own lots from them.
    await transfer(gen.handOver(assembly.slice(-40), 6, CITY), CITY);
    const city2 = gen.makeLots(CITY, 25);
    const lastBlock = await importLots(CITY, city2);

    model = new LineageModel(gen.edges);
    // Every peer must have caught up with the last block before it is asked to trace.
    await syncPeers(lastBlock);
    console.log(`      generated and wrote ${gen.lots.size} lots and ${gen.edges.length} edges in ${Date.now() - started} ms`);

    // Roots: the largest forward and backward reaches, one of each per firm, and a mid-graph lot.
    const all = [...gen.lots.values()];
    const byReach = (dir: 'forward' | 'backward', among: readonly GenLot[]) =>
      [...among].sort(
        (a, b) =>
          (model as LineageModel).reachable(b.id, dir).size - (model as LineageModel).reachable(a.id, dir).size || compare(a.id, b.id),
      )[0];
    const midGraph = (among: readonly GenLot[]) => {
      const m = model as LineageModel;
      const score = (l: GenLot) => Math.min(m.reachable(l.id, 'forward').size, m.reachable(l.id, 'backward').size);
      return [...among].sort((a, b) => score(b) - score(a) || compare(a.id, b.id))[0];
    };
    const picks: [string, GenLot | undefined, 'forward' | 'backward'][] = [
      ['the PartsCo lot with the most descendants', byReach('forward', parts1), 'forward'],
      ['the City lot with the most descendants', byReach('forward', city1), 'forward'],
      ['the AssemblyCo lot with the most ancestors', byReach('backward', assembly), 'backward'],
      ['the City lot (made from delivered assemblies) with the most ancestors', byReach('backward', city2), 'backward'],
      ['a mid-graph lot (most ancestors and descendants), traced forward', midGraph(all), 'forward'],
      ['a mid-graph lot (most ancestors and descendants), traced backward', midGraph(all), 'backward'],
      ['a PartsCo lot made from City material, traced backward', byReach('backward', parts2), 'backward'],
    ];
    for (const [label, lot, direction] of picks) {
      if (lot !== undefined) cases.push(...casesFor(model, `${label} (${lot.id})`, lot.id, direction));
    }
  });

  after(closeConnections);

  it('generated at least 300 lots, with edges that cross organisations through custody transfers', function () {
    expect(gen.lots.size).to.be.at.least(300);
    const crossing = gen.edges.filter((e) => gen.lots.get(e.from)?.producer !== gen.lots.get(e.to)?.producer);
    expect(crossing.length, 'edges whose parent was made by another firm').to.be.at.least(10);
  });

  it('traces every root as the reference breadth-first search does, within each depth and node limit', async function () {
    expect(cases.length, 'trace cases').to.be.at.least(30);
    const auditor = contractFor(BANK, 'auditor1');
    const started = Date.now();
    const traces = await allInBatches(cases, 2, (c) =>
      evaluateWithin(TRACE_DEADLINE_MS, auditor, 'TraceLot', c.root, c.direction, String(c.maxDepth), String(c.maxNodes)),
    );
    console.log(`      ${cases.length} traces in ${Date.now() - started} ms`);
    let truncatedCount = 0;
    cases.forEach((c, i) => {
      const what = `${c.direction} trace of ${c.label}, maxDepth ${c.maxDepth}, maxNodes ${c.maxNodes}`;
      const expected = (model as LineageModel).trace(c.root, c.direction, c.maxDepth, c.maxNodes);
      const actual = observed(traces[i]);
      expect(actual.nodes, `${what}: nodes`).to.deep.equal(expected.nodes);
      expect(actual.edges, `${what}: edges`).to.deep.equal(expected.edges);
      expect(actual.truncated, `${what}: truncated`).to.equal(expected.truncated);
      if (expected.truncated) truncatedCount++;
    });
    expect(truncatedCount, 'cases cut by a limit').to.be.greaterThan(0);
    expect(truncatedCount, 'cases not cut by a limit').to.be.lessThan(cases.length);
  });

  it('shows each traced lot with its producer and its current custodian after the transfers', async function () {
    const auditor = contractFor(BANK, 'auditor1');
    const roots = [...new Set(cases.filter((c) => c.maxNodes === 5000 && c.maxDepth === 50).map((c) => `${c.direction} ${c.root}`))];
    const traces = await allInBatches(roots, 2, (r) => {
      const [direction, root] = r.split(' ') as [string, string];
      return evaluateWithin(TRACE_DEADLINE_MS, auditor, 'TraceLot', root, direction, '50', '5000');
    });
    let checked = 0;
    for (const trace of traces) {
      for (const node of trace.nodes as { id: string; producer: string; custodian: string; status: string; affected: boolean }[]) {
        const lot = gen.lots.get(node.id);
        expect(lot, `${node.id} is one of the generated lots`).to.not.equal(undefined);
        expect(node.producer, `${node.id} producer`).to.equal(lot?.producer);
        expect(node.custodian, `${node.id} custodian`).to.equal(lot?.custodian);
        expect(node.status, `${node.id} status`).to.equal('active');
        expect(node.affected, `${node.id} affected`).to.equal(false);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(roots.length);
  });

  it('traces through any organisation’s peer with the same result', async function () {
    const c = cases[0] as TraceCase;
    const results = await Promise.all(
      [CITY, PARTSCO, ASSEMBLYCO, BANK].map((o) =>
        evaluateWithin(TRACE_DEADLINE_MS, contractFor(o, 'auditor1'), 'TraceLot', c.root, c.direction, '50', '5000'),
      ),
    );
    const expected = (model as LineageModel).trace(c.root, c.direction, 50, 5000);
    for (const r of results) expect(observed(r)).to.deep.equal(expected);
  });
});
