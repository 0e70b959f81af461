/**
 * Lineage answers from the read model, identical to the chaincode's
 * (chaincode/src/lineage.ts): the depth-bounded subgraph comes from one
 * recursive CTE; the chaincode's own bounded breadth-first walk
 * (`walkLineage` of @lotline/domain) then runs over it in the chaincode's
 * edge order (depth, node and edge budgets, the truncation flag); each visited lot's affected status is read
 * from its own refs and the refs it inherits (`lot_inherited`).
 */
import { fail, fromMicro, walkLineage } from '@lotline/domain';
import type { Sql } from './store';

export type Direction = 'backward' | 'forward';

interface Quantity {
  readonly amount: number;
  readonly unit: string;
}

/** A lineage edge: `child` was made from `quantity` of `parent`. */
export interface Edge {
  readonly parent: string;
  readonly child: string;
  readonly quantity: Quantity;
}

/** A recall or hold affecting a lot (chaincode AffectedRef). */
export interface AffectedRef {
  readonly kind: 'recall' | 'hold';
  readonly sourceLotId: string;
  readonly eventId: string;
  readonly recallId?: string;
}

/** A lot as shown in traces (chaincode LotSummary). */
export interface LotSummary {
  readonly id: string;
  readonly product: { readonly code: string; readonly name: string };
  readonly quantity: Quantity;
  readonly producer: string;
  readonly custodian: string;
  readonly status: string;
  readonly latestVerdict: 'pass' | 'fail' | 'conditional' | null;
  readonly affected: boolean;
  readonly affectedBy: readonly AffectedRef[];
}

/** The answer of a trace, as the chaincode's TraceLot gives it. */
export interface Trace {
  readonly root: string;
  readonly direction: Direction;
  readonly nodes: readonly (LotSummary & { readonly depth: number })[];
  readonly edges: readonly { readonly from: string; readonly to: string; readonly quantity: Quantity }[];
  readonly truncated: boolean;
  readonly maxDepth: number;
  readonly maxNodes: number;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The effective status SQL (an active lot with nothing left shows `consumed`). */
export const EFFECTIVE_STATUS = "CASE WHEN l.status = 'active' AND l.remaining_micro = 0 THEN 'consumed' ELSE l.status END";

/**
 * Rows of `select` as one JSON text: decoding one text is several times
 * cheaper than decoding a thousand rows field by field (PGlite's protocol
 * decoder, node-pg's), and a large trace is a thousand rows.
 */
async function jsonRows<T>(sql: Sql, select: string, params: readonly unknown[]): Promise<T[]> {
  const [row] = await sql.query<{ rows: string }>(`SELECT coalesce(json_agg(x), '[]')::text AS rows FROM (${select}) x`, params);
  return JSON.parse(row?.rows ?? '[]') as T[];
}

/** Every edge leaving a lot reached within `maxDepth` steps of the root, in one recursive CTE over the edges. */
async function subgraph(sql: Sql, root: string, direction: Direction, maxDepth: number): Promise<Map<string, Edge[]>> {
  const [from, to] = direction === 'forward' ? ['parent', 'child'] : ['child', 'parent'];
  // The edges themselves are the recursion (one index lookup per edge end): the edges of lots at depth d are at
  // level d + 1, so the edges leaving every lot within maxDepth are the levels up to maxDepth + 1.
  const rows = await jsonRows<Edge>(
    sql,
    `WITH RECURSIVE walk(parent, child, quantity, level) AS (
       SELECT e.parent, e.child, e.quantity, 1 FROM lineage_edges e WHERE e.${from} = $1
       UNION
       SELECT e.parent, e.child, e.quantity, w.level + 1 FROM walk w JOIN lineage_edges e ON e.${from} = w.${to} WHERE w.level <= $2
     )
     SELECT DISTINCT parent, child, quantity FROM walk`,
    [root, maxDepth],
  );
  const out = new Map<string, Edge[]>();
  for (const r of rows) {
    const key = direction === 'forward' ? r.parent : r.child;
    if (!out.has(key)) out.set(key, []);
    out.get(key)?.push(r);
  }
  // Composite-key order (UTF-8 bytes): the order of the chaincode's child-edge scan.
  const utf8 = new Map<string, Buffer>();
  const keyOf = (id: string): Buffer => utf8.get(id) ?? utf8.set(id, Buffer.from(id, 'utf8')).get(id) ?? Buffer.alloc(0);
  for (const [, edges] of out) {
    if (direction === 'forward') edges.sort((a, b) => Buffer.compare(keyOf(a.child), keyOf(b.child)));
    else edges.sort((a, b) => byCodeUnit(a.parent, b.parent));
  }
  return out;
}

interface LotRow {
  readonly id: string;
  readonly product: LotSummary['product'];
  readonly quantity: Quantity;
  readonly producer: string;
  readonly custodian: string;
  readonly status: string;
  readonly verdict: LotSummary['latestVerdict'];
}

/**
 * The recalls and holds affecting each lot: its own recall and holds, and
 * those it inherits from its ancestors (recalls, and holds placed with
 * `includeDescendants`), which the indexer keeps in `lot_inherited`.
 */
export async function affectedBy(sql: Sql, ids: readonly string[]): Promise<Map<string, AffectedRef[]>> {
  const rows = await sql.query<{
    node: string;
    source: string;
    kind: 'recall' | 'hold';
    event_id: string;
    recall_id: string | null;
  }>(
    `SELECT l.id AS node, l.id AS source, 'recall' AS kind, l.recall_event_id AS event_id, l.recall_id
       FROM lots l WHERE l.id = ANY($1::text[]) AND l.recall_id IS NOT NULL
     UNION ALL
     SELECT h.lot_id, h.lot_id, 'hold', h.hold_id, NULL FROM holds h WHERE h.lot_id = ANY($1::text[])
     UNION ALL
     SELECT i.lot_id, i.source_lot_id, i.kind, i.event_id, i.recall_id FROM lot_inherited i WHERE i.lot_id = ANY($1::text[])`,
    [ids],
  );
  const out = new Map<string, Map<string, AffectedRef>>();
  for (const r of rows) {
    const ref: AffectedRef =
      r.kind === 'recall'
        ? { kind: 'recall', sourceLotId: r.source, eventId: r.event_id, recallId: r.recall_id ?? '' }
        : { kind: 'hold', sourceLotId: r.source, eventId: r.event_id };
    if (!out.has(r.node)) out.set(r.node, new Map());
    out.get(r.node)?.set(`${ref.kind}\u0000${ref.sourceLotId}\u0000${ref.eventId}`, ref);
  }
  const sorted = new Map<string, AffectedRef[]>();
  for (const [node, refs] of out) {
    sorted.set(
      node,
      [...refs.entries()].sort(([a], [b]) => byCodeUnit(a, b)).map(([, ref]) => ref),
    );
  }
  return sorted;
}

/** Summaries of lots (chaincode `summarise`), by id. */
export async function summaries(sql: Sql, ids: readonly string[]): Promise<Map<string, LotSummary>> {
  const rows = await jsonRows<LotRow>(
    sql,
    // Only the parts of the document a summary shows: decoding whole documents was most of a large trace's time.
    `SELECT l.id, l.doc->'product' AS product, l.doc->'quantity' AS quantity, l.producer, l.custodian,
            ${EFFECTIVE_STATUS} AS status, i.verdict
       FROM lots l LEFT JOIN latest_inspections i ON i.lot_id = l.id WHERE l.id = ANY($1::text[])`,
    [ids],
  );
  const affected = await affectedBy(sql, ids);
  return new Map(
    rows.map((r) => {
      const refs = affected.get(r.id) ?? [];
      const summary: LotSummary = {
        id: r.id,
        product: r.product,
        quantity: r.quantity,
        producer: r.producer,
        custodian: r.custodian,
        status: r.status,
        latestVerdict: r.verdict ?? null,
        affected: refs.length > 0,
        affectedBy: refs,
      };
      return [r.id, summary];
    }),
  );
}

/** Throw LOT_NOT_FOUND unless the lot is indexed. */
export async function requireLot(sql: Sql, id: string): Promise<void> {
  const found = await sql.query('SELECT 1 FROM lots WHERE id = $1', [id]);
  if (found.length === 0) throw fail('LOT_NOT_FOUND', `lot ${id} does not exist (as of the read model's last indexed block)`);
}

/** A trace of a lot, as the chaincode's TraceLot answers it. */
export async function traceLot(sql: Sql, rootId: string, direction: Direction, maxDepth: number, maxNodes: number): Promise<Trace> {
  await requireLot(sql, rootId);
  const graph = await subgraph(sql, rootId, direction, maxDepth);
  // The chaincode's own walk (@lotline/domain), over the subgraph's edges in the chaincode's order.
  const result = await walkLineage<Quantity>(
    { edges: (id, _direction, limit) => Promise.resolve((graph.get(id) ?? []).slice(0, limit)) },
    rootId,
    direction,
    maxDepth,
    maxNodes,
  );
  const byId = await summaries(
    sql,
    result.visited.map((v) => v.id),
  );
  const nodes = [];
  for (const { id, depth } of result.visited) {
    const summary = byId.get(id);
    if (summary !== undefined) nodes.push({ ...summary, depth });
  }
  return { root: rootId, direction, nodes, edges: result.edges, truncated: result.truncated, maxDepth, maxNodes };
}

/** Micro-units as a decimal amount. */
export function amount(micro: string): number {
  return fromMicro(BigInt(micro));
}
