/**
 * The lineage graph that the trace benchmark loads: components of 11 layers ×
 * 256 lots. Lot (c, k, i) with k ≥ 1 is made from (c, k-1, i) and
 * (c, k-1, (i + 2^((k-1) mod 8)) mod 256). Because the shifts are distinct
 * powers of two, a depth-d walk reaches min(2^d, 256) lots per level in both
 * directions: a depth-10 trace from layer 10 backward, or from layer 0
 * forward, returns 1 + 2 + … + 128 + 3 × 256 = 1023 lots.
 *
 * A component's ancestry (≤ 2816 lots) stays below the chaincode's
 * 10 000-lot affected-check bound, and components are independent, so the
 * bulk load runs one import chain per component in parallel without conflicts.
 */

export const WIDTH = 256;
export const LAYERS = 11;
export const COMPONENT_SIZE = WIDTH * LAYERS;

/** One lot in the shape ImportLots expects. */
export interface GraphLot {
  id: string;
  product: { code: string; name: string };
  quantity: { amount: number; unit: string };
  inputs: { lotId: string; quantity: { amount: number; unit: string } }[];
  process: { site: string; line: string };
}

/** Position of a lot in the graph. */
export interface Position {
  component: number;
  layer: number;
  index: number;
}

function shift(layer: number): number {
  return 2 ** ((layer - 1) % 8);
}

/** The lot id of a position, under a run-specific prefix. */
export function lotId(mspId: string, prefix: string, p: Position): string {
  return `${mspId}:${prefix}-c${p.component}-k${p.layer}-i${p.index}`;
}

/** The parents of a position (empty for layer 0). */
export function parentsOf(p: Position): Position[] {
  if (p.layer === 0) return [];
  return [
    { component: p.component, layer: p.layer - 1, index: p.index },
    { component: p.component, layer: p.layer - 1, index: (p.index + shift(p.layer)) % WIDTH },
  ];
}

/** Every position of a graph of `total` lots, in import order (component, layer, index). */
export function positions(total: number, fromLot = 0): Position[] {
  const out: Position[] = [];
  for (let n = fromLot; n < total; n++) {
    const component = Math.floor(n / COMPONENT_SIZE);
    const within = n % COMPONENT_SIZE;
    out.push({ component, layer: Math.floor(within / WIDTH), index: within % WIDTH });
  }
  return out;
}

/** The ImportLots document of one position. */
export function graphLot(mspId: string, prefix: string, p: Position): GraphLot {
  return {
    id: lotId(mspId, prefix, p),
    product: { code: `BENCH-L${p.layer}`, name: `Bench part, layer ${p.layer}` },
    quantity: { amount: 100, unit: 'EA' },
    inputs: parentsOf(p).map((q) => ({ lotId: lotId(mspId, prefix, q), quantity: { amount: 1, unit: 'EA' } })),
    process: { site: 'Bench site', line: `Line ${p.layer}` },
  };
}

/**
 * Import chains: one per component, each a list of batches of ≤ `batchSize`
 * lots in layer order, so a batch only consumes lots committed before it or
 * earlier in itself.
 */
export function importChains(mspId: string, prefix: string, from: number, to: number, batchSize: number): GraphLot[][][] {
  const byComponent = new Map<number, GraphLot[]>();
  for (const p of positions(to, from)) {
    const list = byComponent.get(p.component) ?? [];
    list.push(graphLot(mspId, prefix, p));
    byComponent.set(p.component, list);
  }
  return [...byComponent.values()].map((lots) => {
    const batches: GraphLot[][] = [];
    for (let i = 0; i < lots.length; i += batchSize) batches.push(lots.slice(i, i + batchSize));
    return batches;
  });
}

/** Ids reached by a walk of `maxDepth` from a root (the reference answer for both the ledger and SQL). */
export function expectedClosure(root: Position, direction: 'backward' | 'forward', maxDepth: number, total: number): Set<string> {
  const key = (p: Position) => `${p.component}/${p.layer}/${p.index}`;
  const exists = (p: Position) => p.component * COMPONENT_SIZE + p.layer * WIDTH + p.index < total;
  const seen = new Set([key(root)]);
  let frontier = [root];
  for (let d = 0; d < maxDepth && frontier.length > 0; d++) {
    const next: Position[] = [];
    for (const p of frontier) {
      const neighbours = direction === 'backward' ? parentsOf(p) : p.layer + 1 < LAYERS ? childrenOf(p) : [];
      for (const q of neighbours) {
        if (!exists(q) || seen.has(key(q))) continue;
        seen.add(key(q));
        next.push(q);
      }
    }
    frontier = next;
  }
  return seen;
}

function childrenOf(p: Position): Position[] {
  const layer = p.layer + 1;
  return [
    { component: p.component, layer, index: p.index },
    { component: p.component, layer, index: (p.index - shift(layer) + WIDTH) % WIDTH },
  ];
}

/** Edges of the graph as (parent id, child id) rows, for PostgreSQL. */
export function* edgeRows(mspId: string, prefix: string, from: number, to: number): Generator<[string, string]> {
  for (const p of positions(to, from)) {
    for (const q of parentsOf(p)) yield [lotId(mspId, prefix, q), lotId(mspId, prefix, p)];
  }
}
