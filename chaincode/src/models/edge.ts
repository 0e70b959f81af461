import { KEYS } from '../keys';
import type { Ledger } from '../ledger';
import type { Quantity } from './quantity';

/** A lineage edge: `child` was made from `quantity` of `parent`. Stored once per direction. */
export interface Edge {
  readonly parent: string;
  readonly child: string;
  readonly quantity: Quantity;
}

/** Trace direction: `backward` walks to inputs (parents), `forward` to products (children). */
export type Direction = 'backward' | 'forward';

/** Write an edge under both `edge~child` [parent, child] and `edge~parent` [child, parent]. */
export async function putEdge(ledger: Ledger, edge: Edge): Promise<void> {
  await ledger.put(ledger.key(KEYS.edgeChild, [edge.parent, edge.child]), edge);
  await ledger.put(ledger.key(KEYS.edgeParent, [edge.child, edge.parent]), edge);
}

/** The edges leaving a lot in a direction, in key order, at most `limit`. */
export async function edgesOf(ledger: Ledger, lotId: string, direction: Direction, limit: number): Promise<Edge[]> {
  const type = direction === 'forward' ? KEYS.edgeChild : KEYS.edgeParent;
  const entries = await ledger.scan<Edge>(type, [lotId], limit);
  return entries.map((e) => e.value);
}
