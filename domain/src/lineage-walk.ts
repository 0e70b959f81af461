/**
 * The bounded breadth-first lineage walk behind every trace and recall scope:
 * the chaincode runs it over edges read from world state, the read model over
 * edges read from its tables, so both give the same answer (order, bounds,
 * truncation). Deterministic and dependency-free (the chaincode loads it).
 */
import type { TraceDirection } from './types';

/** Edges a walk may scan per node it is allowed to return. */
export const EDGES_PER_NODE = 10;

/** A lineage edge: `child` was made from `quantity` of `parent`. */
export interface LineageEdge<Q> {
  readonly parent: string;
  readonly child: string;
  readonly quantity: Q;
}

/** Where a walk reads edges from. */
export interface EdgeReader<Q> {
  /**
   * A lot's edges in one direction, at most `limit`, in the order the walk
   * must follow: forward by child key (UTF-8 bytes), backward by parent id.
   * None when the lot is absent.
   */
  edges(id: string, direction: TraceDirection, limit: number): Promise<readonly LineageEdge<Q>[]>;
}

/** An edge of a walk's answer: `from` is the parent, `to` the child. */
export interface WalkEdge<Q> {
  readonly from: string;
  readonly to: string;
  readonly quantity: Q;
}

/** The result of a bounded breadth-first walk. */
export interface LineageWalk<Q> {
  /** Visited lot ids with their depth, in BFS order (the root first, at depth 0). */
  readonly visited: readonly { readonly id: string; readonly depth: number }[];
  readonly edges: readonly WalkEdge<Q>[];
  /** True when a depth, node or edge bound stopped the walk before the graph ended. */
  readonly truncated: boolean;
}

/**
 * Walk the lineage graph breadth-first from a root, in the reader's edge order.
 * Stops at `maxDepth` and `maxNodes`, and scans at most EDGES_PER_NODE × maxNodes edges.
 * Edges to lots left out by the node bound are omitted.
 */
export async function walkLineage<Q>(
  reader: EdgeReader<Q>,
  rootId: string,
  direction: TraceDirection,
  maxDepth: number,
  maxNodes: number,
): Promise<LineageWalk<Q>> {
  const visited = [{ id: rootId, depth: 0 }];
  const seen = new Set([rootId]);
  const edges: WalkEdge<Q>[] = [];
  let edgeBudget = EDGES_PER_NODE * maxNodes;
  let truncated = false;
  for (let i = 0; i < visited.length; i++) {
    const { id, depth } = visited[i] as { id: string; depth: number };
    if (depth >= maxDepth) {
      if ((await reader.edges(id, direction, 1)).length > 0) truncated = true;
      continue;
    }
    const out = await reader.edges(id, direction, edgeBudget + 1);
    if (out.length > edgeBudget) truncated = true;
    const scanned = out.slice(0, edgeBudget);
    edgeBudget -= scanned.length;
    for (const edge of scanned) {
      const next = direction === 'forward' ? edge.child : edge.parent;
      if (!seen.has(next)) {
        if (visited.length >= maxNodes) {
          truncated = true;
          continue;
        }
        seen.add(next);
        visited.push({ id: next, depth: depth + 1 });
      }
      edges.push({ from: edge.parent, to: edge.child, quantity: edge.quantity });
    }
  }
  return { visited, edges, truncated };
}
