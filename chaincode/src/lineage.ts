import { fail, LIMITS, walkLineage, type LineageWalk, type Micro, type WalkEdge } from '@lotline/domain';
import type { Ledger } from './ledger';
import { remainingMicro, remainingOf } from './models/balance';
import { childEdges, type Direction, type Edge, parentEdges } from './models/edge';
import { findLot, type Lot, type LotStatus, effectiveStatus } from './models/lot';
import { loadLotSnapshot, type LotSnapshot } from './models/lot-snapshot';
import type { Quantity } from './models/quantity';
import { findLatestInspection, type LatestInspection } from './models/quality-event';

/**
 * Lineage reads: which recalls and holds affect a lot (computed at read time
 * from its ancestors), and bounded breadth-first traversal for traces and
 * recall scopes.
 */

/** Hard cap on trace and recall depth. */
export const MAX_TRACE_DEPTH = LIMITS.traceDepth;
/** Hard cap on trace and recall node count. */
export const MAX_TRACE_NODES = LIMITS.traceNodes;
/** Hard cap on the lots one transaction may load to decide whether a lot is affected. */
export const MAX_ANCESTRY_LOTS = 10_000;

/** A recall or hold that affects a lot: on the lot itself, or inherited from an ancestor. */
export interface AffectedRef {
  readonly kind: 'recall' | 'hold';
  readonly sourceLotId: string;
  /** The quality event that recalled or held the source lot (for a hold, also its holdId). */
  readonly eventId: string;
  readonly recallId?: string;
}

function refsOf(lot: Lot, inheritable: boolean): AffectedRef[] {
  const refs: AffectedRef[] = [];
  if (lot.recall !== null) {
    refs.push({ kind: 'recall', sourceLotId: lot.id, eventId: lot.recall.eventId, recallId: lot.recall.recallId });
  }
  for (const hold of lot.holds) {
    if (!inheritable || hold.includeDescendants) refs.push({ kind: 'hold', sourceLotId: lot.id, eventId: hold.holdId });
  }
  return refs;
}

function uniqueSorted(refs: readonly AffectedRef[]): AffectedRef[] {
  const byKey = new Map<string, AffectedRef>();
  for (const ref of refs) byKey.set(`${ref.kind}\u0000${ref.sourceLotId}\u0000${ref.eventId}`, ref);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}

/** How a LineageReader may read state. */
export interface ReaderOptions {
  /**
   * True in read-only transactions (evaluate): each lot a walk visits is read
   * with one scan of its whole key prefix (see LotSnapshot). False (the
   * default) in write transactions: point reads and narrow scans only, so that
   * concurrent children and debits of the same lot do not conflict.
   */
  readonly readOnly?: boolean;
  /** Lots one transaction may load; beyond it LIMIT_EXCEEDED. */
  readonly maxLots?: number;
}

/**
 * Loads lots for one transaction and answers "what affects this lot?" and
 * "what are its neighbours, remaining quantity and latest inspection?".
 *
 * A lot is affected by its own recall and holds, by the recall of any
 * ancestor, and by any ancestor's hold placed with `includeDescendants`.
 * Ancestors are found through each lot's `inputs`, with memoisation, so a
 * trace or a batch import resolves each lot once; the ancestry walk reuses the
 * documents a trace has already loaded and reads only the document (one
 * GetState) of an ancestor outside it. Loading more than `maxLots` lots throws
 * LIMIT_EXCEEDED rather than answering incompletely.
 *
 * Cached documents are the state when first read: a transaction that rewrites
 * a lot document must use a new reader afterwards.
 */
export class LineageReader {
  private readonly lots = new Map<string, Lot>();
  private readonly snapshots = new Map<string, LotSnapshot>();
  private readonly inherited = new Map<string, AffectedRef[]>();
  private readonly readOnly: boolean;
  private readonly maxLots: number;

  constructor(
    private readonly ledger: Ledger,
    options: ReaderOptions = {},
  ) {
    this.readOnly = options.readOnly ?? false;
    this.maxLots = options.maxLots ?? MAX_ANCESTRY_LOTS;
  }

  private countOne(): void {
    if (this.lots.size >= this.maxLots) {
      throw fail('LIMIT_EXCEEDED', `lineage check needs more than ${this.maxLots} lots`);
    }
  }

  /** Load a lot document (cached for the transaction), or undefined. One GetState when not cached. */
  async lot(id: string): Promise<Lot | undefined> {
    const cached = this.lots.get(id);
    if (cached !== undefined) return cached;
    this.countOne();
    const lot = await findLot(this.ledger, id);
    if (lot !== undefined) this.lots.set(id, lot);
    return lot;
  }

  /**
   * Load a lot the caller will summarise or walk from: in a read-only reader
   * with its whole prefix (one scan), otherwise its document only.
   */
  async load(id: string, minChildren = 0): Promise<Lot | undefined> {
    if (!this.readOnly) return this.lot(id);
    return (await this.snapshot(id, minChildren))?.lot;
  }

  private async snapshot(id: string, minChildren: number): Promise<LotSnapshot | undefined> {
    const cached = this.snapshots.get(id);
    if (cached !== undefined) return cached;
    if (!this.lots.has(id)) this.countOne();
    const snapshot = await loadLotSnapshot(this.ledger, id, minChildren);
    if (snapshot === undefined) return undefined;
    this.snapshots.set(id, snapshot);
    if (!this.lots.has(id)) this.lots.set(id, snapshot.lot);
    return snapshot;
  }

  /** The lineage edges of a lot in one direction, in key order, at most `limit`; none if the lot is absent. */
  async edges(id: string, direction: Direction, limit: number): Promise<Edge[]> {
    if (direction === 'backward') {
      const lot = await this.load(id);
      return lot === undefined ? [] : parentEdges(lot).slice(0, limit);
    }
    if (!this.readOnly) return childEdges(this.ledger, id, limit);
    const snapshot = await this.snapshot(id, limit);
    if (snapshot === undefined) return [];
    if (snapshot.complete || snapshot.children.length >= limit) return snapshot.children.slice(0, limit);
    // Loaded earlier for fewer children than now wanted: read just the children.
    return childEdges(this.ledger, id, limit);
  }

  /** A lot's remaining quantity in micro-units: from its snapshot if loaded, else one scan of its written shards. */
  async remaining(lot: Lot): Promise<Micro> {
    const snapshot = this.snapshots.get(lot.id);
    return snapshot !== undefined ? remainingOf(lot, snapshot.shards) : remainingMicro(this.ledger, lot);
  }

  /** A lot's latest-inspection pointer, or null: from its snapshot if it reached it, else one GetState. */
  async latestInspection(id: string): Promise<LatestInspection | null> {
    const known = this.snapshots.get(id)?.latestInspection;
    return known !== undefined ? known : findLatestInspection(this.ledger, id);
  }

  /** Every recall and hold that affects a lot, sorted and without duplicates. */
  async affectedBy(lot: Lot): Promise<AffectedRef[]> {
    return uniqueSorted([...refsOf(lot, false), ...(await this.inheritedBy(lot))]);
  }

  /** Throw LOT_RECALLED or LOT_ON_HOLD when a recall or hold affects the lot. */
  async assertUsable(lot: Lot): Promise<void> {
    const refs = await this.affectedBy(lot);
    const recall = refs.find((r) => r.kind === 'recall');
    if (recall !== undefined) {
      throw fail('LOT_RECALLED', `lot ${lot.id} is affected by recall ${recall.recallId ?? recall.eventId} of lot ${recall.sourceLotId}`);
    }
    const hold = refs[0];
    if (hold !== undefined) throw fail('LOT_ON_HOLD', `lot ${lot.id} is affected by hold ${hold.eventId} on lot ${hold.sourceLotId}`);
  }

  /** Refs inherited from ancestors, resolved bottom-up with an explicit stack (no recursion). */
  private async inheritedBy(start: Lot): Promise<AffectedRef[]> {
    const stack: Lot[] = [start];
    let steps = 0;
    while (stack.length > 0) {
      if (++steps > 4 * this.maxLots) throw fail('LIMIT_EXCEEDED', `lineage of lot ${start.id} is too large to check`);
      const lot = stack[stack.length - 1] as Lot;
      if (this.inherited.has(lot.id)) {
        stack.pop();
        continue;
      }
      const parents: Lot[] = [];
      const pending: Lot[] = [];
      for (const input of lot.inputs) {
        const parent = await this.lot(input.lotId);
        if (parent === undefined) continue;
        parents.push(parent);
        if (!this.inherited.has(parent.id)) pending.push(parent);
      }
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      const refs = parents.flatMap((p) => [...refsOf(p, true), ...(this.inherited.get(p.id) ?? [])]);
      this.inherited.set(lot.id, uniqueSorted(refs));
      stack.pop();
    }
    return this.inherited.get(start.id) ?? [];
  }
}

/** A lineage edge in a trace: `from` is the parent, `to` the child. */
export type TraceEdge = WalkEdge<Quantity>;

/** The result of a bounded breadth-first walk (visited lots in BFS order, edges, truncation). */
export type Walk = LineageWalk<Quantity>;

/**
 * Walk the lineage graph breadth-first from a root, in key order (deterministic):
 * @lotline/domain's `walkLineage` over edges read from world state (backward
 * steps follow each lot's `inputs`; forward steps its child edges), the walk the
 * read model runs over its own rows.
 */
export function walk(reader: LineageReader, rootId: string, direction: Direction, maxDepth: number, maxNodes: number): Promise<Walk> {
  return walkLineage(reader, rootId, direction, maxDepth, maxNodes);
}

/** A lot as shown in traces and recall reports. */
export interface LotSummary {
  readonly id: string;
  readonly product: Lot['product'];
  readonly quantity: Quantity;
  readonly producer: string;
  readonly custodian: string;
  /** Effective status: `consumed` when an active lot has nothing left. */
  readonly status: LotStatus;
  readonly latestVerdict: 'pass' | 'fail' | 'conditional' | null;
  readonly affected: boolean;
  readonly affectedBy: readonly AffectedRef[];
}

/** Summarise a lot with its current status, latest verdict and affected flags. */
export async function summarise(reader: LineageReader, lot: Lot): Promise<LotSummary> {
  const affectedBy = await reader.affectedBy(lot);
  const latest = await reader.latestInspection(lot.id);
  return {
    id: lot.id,
    product: lot.product,
    quantity: lot.quantity,
    producer: lot.producer,
    custodian: lot.custodian,
    status: effectiveStatus(lot, await reader.remaining(lot)),
    latestVerdict: latest?.verdict ?? null,
    affected: affectedBy.length > 0,
    affectedBy,
  };
}
