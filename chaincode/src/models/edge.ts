import { KEYS, LOT_RECORDS } from '../keys';
import type { Ledger, ScanEntry } from '../ledger';
import type { Lot } from './lot';
import type { Quantity } from './quantity';

/**
 * A lineage edge: `child` was made from `quantity` of `parent`. It is stored
 * once, under the parent's prefix (`lot [parent, "child", child]`), for forward
 * traversal; the backward direction is the child document's `inputs`, which
 * carry the same quantities, so it needs no key of its own.
 */
export interface Edge {
  readonly parent: string;
  readonly child: string;
  readonly quantity: Quantity;
}

/** Trace direction: `backward` walks to inputs (parents), `forward` to products (children). */
export type Direction = 'backward' | 'forward';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Write an edge under `lot [parent, "child", child]`. */
export async function putEdge(ledger: Ledger, edge: Edge): Promise<void> {
  await ledger.put(ledger.key(KEYS.lot, [edge.parent, LOT_RECORDS.child, edge.child]), edge);
}

/** The child edges of a scan over `lot [lotId, …]`, in key order (entries that are not edges are skipped). */
export function childEdgesOf(entries: readonly ScanEntry<unknown>[]): Edge[] {
  return entries.filter((e) => e.attributes[1] === LOT_RECORDS.child && e.attributes.length === 3).map((e) => e.value as Edge);
}

/** A lot's child edges in key order, at most `limit` (a range read over `lot [lotId, "child"]` only). */
export async function childEdges(ledger: Ledger, lotId: string, limit: number): Promise<Edge[]> {
  return childEdgesOf(await ledger.scan<Edge>(KEYS.lot, [lotId, LOT_RECORDS.child], limit));
}

/** A lot's parent edges, from its own `inputs`, ordered by parent id (the order a key scan would give). */
export function parentEdges(lot: Lot): Edge[] {
  return lot.inputs
    .map((input) => ({ parent: input.lotId, child: lot.id, quantity: input.quantity }))
    .sort((a, b) => compare(a.parent, b.parent));
}
