/**
 * An in-test model of a lineage graph, and the reference breadth-first search
 * that traces on the ledger are compared with. The search follows the
 * contract documented in chaincode/README.md "Traces": breadth-first from the
 * root, neighbours in lot-id order, nodes at `maxDepth` are not expanded (but
 * make the walk truncated if they have neighbours), at most `maxNodes` nodes
 * (an edge to a node left out is omitted and makes the walk truncated), and at
 * most 10 × maxNodes edges scanned.
 */

/** A lineage edge: `to` (the child) was made from `amount` of `from` (the parent). */
export interface ModelEdge {
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

/** The result a trace must equal. */
export interface ExpectedTrace {
  readonly nodes: { id: string; depth: number }[];
  readonly edges: { from: string; to: string; amount: number }[];
  readonly truncated: boolean;
}

const EDGES_PER_NODE = 10;

/** A directed acyclic lineage graph, indexed both ways. */
export class LineageModel {
  private readonly children = new Map<string, ModelEdge[]>();
  private readonly parents = new Map<string, ModelEdge[]>();

  constructor(edges: readonly ModelEdge[]) {
    for (const e of edges) {
      push(this.children, e.from, e);
      push(this.parents, e.to, e);
    }
    for (const list of this.children.values()) list.sort((a, b) => compare(a.to, b.to));
    for (const list of this.parents.values()) list.sort((a, b) => compare(a.from, b.from));
  }

  /** Edges leaving `id` in a direction, ordered by the neighbour's id. */
  neighbours(id: string, direction: 'forward' | 'backward'): readonly ModelEdge[] {
    return (direction === 'forward' ? this.children : this.parents).get(id) ?? [];
  }

  /** Every lot reachable from `id` in a direction (excluding `id`), without limits. */
  reachable(id: string, direction: 'forward' | 'backward'): Set<string> {
    const seen = new Set<string>();
    const queue = [id];
    for (let i = 0; i < queue.length; i++) {
      for (const e of this.neighbours(queue[i] as string, direction)) {
        const next = direction === 'forward' ? e.to : e.from;
        if (!seen.has(next) && next !== id) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    return seen;
  }

  /** The reference bounded breadth-first search, level by level. */
  trace(root: string, direction: 'forward' | 'backward', maxDepth: number, maxNodes: number): ExpectedTrace {
    const nodes = [{ id: root, depth: 0 }];
    const seen = new Set([root]);
    const edges: ExpectedTrace['edges'] = [];
    let budget = EDGES_PER_NODE * maxNodes;
    let truncated = false;
    let level = [root];
    for (let depth = 0; level.length > 0; depth++) {
      const nextLevel: string[] = [];
      for (const id of level) {
        const out = this.neighbours(id, direction);
        if (depth >= maxDepth) {
          truncated ||= out.length > 0;
          continue;
        }
        if (out.length > budget) truncated = true;
        const scanned = out.slice(0, budget);
        budget -= scanned.length;
        for (const e of scanned) {
          const next = direction === 'forward' ? e.to : e.from;
          if (!seen.has(next)) {
            if (nodes.length >= maxNodes) {
              truncated = true;
              continue;
            }
            seen.add(next);
            nodes.push({ id: next, depth: depth + 1 });
            nextLevel.push(next);
          }
          edges.push({ from: e.from, to: e.to, amount: e.amount });
        }
      }
      level = nextLevel;
    }
    return { nodes, edges, truncated };
  }

  /** The greatest BFS depth of any lot reachable from `root` (0 when none). */
  eccentricity(root: string, direction: 'forward' | 'backward'): number {
    const full = this.trace(root, direction, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    return Math.max(...full.nodes.map((n) => n.depth));
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Byte order of ASCII ids, as the ledger's composite keys sort them. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
