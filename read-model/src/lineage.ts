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
 * The recursive CTE of every edge leaving a lot reached within `maxDepth` steps of the root (`walk`, with its
 * level), and the lots reached within `maxDepth` steps (`reached`). The edges themselves are the recursion (one
 * index lookup per edge end): the edges of lots at depth d are at level d + 1, so the edges leaving every lot within
 * maxDepth are the levels up to maxDepth + 1; the walk reads those of the last level to know whether it was cut.
 */
function subgraphCte(direction: Direction): string {
  const [from, to] = direction === 'forward' ? ['parent', 'child'] : ['child', 'parent'];
  return `walk(parent, child, quantity, level) AS (
       SELECT e.parent, e.child, e.quantity, 1 FROM lineage_edges e WHERE e.${from} = $1
       UNION
       SELECT e.parent, e.child, e.quantity, w.level + 1 FROM walk w JOIN lineage_edges e ON e.${from} = w.${to} WHERE w.level <= $2
     ),
     reached(id) AS (SELECT $1::text UNION SELECT ${to} FROM walk WHERE level <= $2)`;
}

/**
 * A lot's summary columns, and its own recall, for the lots of `ids` (a set named by a CTE or `unnest` of a
 * parameter). One index lookup per lot: the latest verdicts and the other refs come from their own small joins.
 */
const SUMMARY_ROWS = (ids: string) =>
  // Only the parts of the document a summary shows: decoding whole documents was most of a large trace's time.
  `SELECT l.id, l.doc->'product' AS product, l.doc->'quantity' AS quantity, l.producer, l.custodian,
          ${EFFECTIVE_STATUS} AS status, l.recall_id, l.recall_event_id
     FROM ${ids} n JOIN lots l ON l.id = n.id`;

/**
 * The latest inspection verdicts of the lots of `ids`. A semi-join, not a left join from each lot: with few
 * inspections the planner scans the table once here, where a left join rescanned it once per lot (in PGlite each
 * rescan is a file-size call, a thousand of them in a 1,023-lot trace); with many it looks each lot up by key.
 */
const VERDICT_ROWS = (ids: string) => `SELECT lot_id AS id, verdict FROM latest_inspections WHERE lot_id IN (SELECT id FROM ${ids})`;

/**
 * The holds placed on the lots of `ids`, and the recalls and holds they inherit from their ancestors (recalls, and
 * holds placed with `includeDescendants`), which the indexer keeps in `lot_inherited`. A lot's own recall is a
 * column of its summary row.
 */
const REF_ROWS = (ids: string) =>
  `SELECT h.lot_id AS node, h.lot_id AS source, 'hold' AS kind, h.hold_id AS event_id, NULL AS recall_id
     FROM ${ids} n JOIN holds h ON h.lot_id = n.id
   UNION ALL
   SELECT i.lot_id, i.source_lot_id, i.kind, i.event_id, i.recall_id FROM ${ids} n JOIN lot_inherited i ON i.lot_id = n.id`;

interface LotRow {
  readonly id: string;
  readonly product: LotSummary['product'];
  readonly quantity: Quantity;
  readonly producer: string;
  readonly custodian: string;
  readonly status: string;
  readonly recall_id: string | null;
  readonly recall_event_id: string | null;
}

interface VerdictRow {
  readonly id: string;
  readonly verdict: NonNullable<LotSummary['latestVerdict']>;
}

/** The rows of one summary statement (see {@link SUMMARY_ROWS}, {@link VERDICT_ROWS}, {@link REF_ROWS}). */
interface SummaryAnswer {
  readonly lots: readonly LotRow[];
  readonly verdicts: readonly VerdictRow[];
  readonly refs: readonly RefRow[];
}

/** The JSON fields of a statement that answers a {@link SummaryAnswer} for the lots of `ids`. */
const SUMMARY_FIELDS = (ids: string) =>
  `'lots', (SELECT coalesce(json_agg(x), '[]') FROM (${SUMMARY_ROWS(ids)}) x),
   'verdicts', (SELECT coalesce(json_agg(x), '[]') FROM (${VERDICT_ROWS(ids)}) x),
   'refs', (SELECT coalesce(json_agg(x), '[]') FROM (${REF_ROWS(ids)}) x)`;

/** A lot's own recall as a ref row. */
function ownRecalls(lots: readonly LotRow[]): RefRow[] {
  const out: RefRow[] = [];
  for (const l of lots) {
    if (l.recall_id !== null)
      out.push({ node: l.id, source: l.id, kind: 'recall', event_id: l.recall_event_id ?? '', recall_id: l.recall_id });
  }
  return out;
}

interface RefRow {
  readonly node: string;
  readonly source: string;
  readonly kind: 'recall' | 'hold';
  readonly event_id: string;
  readonly recall_id: string | null;
}

/** Each lot's refs, deduplicated, in the chaincode's order (kind, source lot, event). */
function refsByLot(rows: readonly RefRow[]): Map<string, AffectedRef[]> {
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

/** Summaries (chaincode `summarise`) by id, from the rows of one summary statement. */
function summariesOf(answer: SummaryAnswer): Map<string, LotSummary> {
  const affected = refsByLot([...ownRecalls(answer.lots), ...answer.refs]);
  const verdicts = new Map(answer.verdicts.map((v) => [v.id, v.verdict]));
  return new Map(
    answer.lots.map((r) => {
      const refs = affected.get(r.id) ?? [];
      const summary: LotSummary = {
        id: r.id,
        product: r.product,
        quantity: r.quantity,
        producer: r.producer,
        custodian: r.custodian,
        status: r.status,
        latestVerdict: verdicts.get(r.id) ?? null,
        affected: refs.length > 0,
        affectedBy: refs,
      };
      return [r.id, summary];
    }),
  );
}

const ID_PARAMETER = '(SELECT unnest($1::text[]) AS id)';

/** The recalls and holds affecting each lot of `ids` (its own, and those it inherits). */
export async function affectedBy(sql: Sql, ids: readonly string[]): Promise<Map<string, AffectedRef[]>> {
  const byId = await summaries(sql, ids);
  return new Map([...byId].filter(([, s]) => s.affected).map(([id, s]) => [id, [...s.affectedBy]]));
}

/** Summaries of lots (chaincode `summarise`), by id. */
export async function summaries(sql: Sql, ids: readonly string[]): Promise<Map<string, LotSummary>> {
  const [row] = await sql.query<{ answer: string }>(`SELECT json_build_object(${SUMMARY_FIELDS(ID_PARAMETER)})::text AS answer`, [ids]);
  return summariesOf(JSON.parse(row?.answer ?? '{"lots":[],"verdicts":[],"refs":[]}') as SummaryAnswer);
}

/** Throw LOT_NOT_FOUND unless the lot is indexed. */
export async function requireLot(sql: Sql, id: string): Promise<void> {
  const found = await sql.query('SELECT 1 FROM lots WHERE id = $1', [id]);
  if (found.length === 0) throw fail('LOT_NOT_FOUND', `lot ${id} does not exist (as of the read model's last indexed block)`);
}

/**
 * A trace of a lot, as the chaincode's TraceLot answers it. One statement reads the subgraph within `maxDepth`, the
 * summaries of its lots and their refs, as one JSON text (decoding one text is several times cheaper than decoding
 * thousands of rows field by field, in PGlite's protocol decoder and node-pg's). The statement is prepared once per
 * connection and direction (planning it was 2.6–2.9 ms of each trace in PGlite). The chaincode's own bounded walk
 * (`walkLineage` of @lotline/domain) then runs over the subgraph's edges in the chaincode's order.
 */
export async function traceLot(sql: Sql, rootId: string, direction: Direction, maxDepth: number, maxNodes: number): Promise<Trace> {
  const [row] = await sql.query<{ answer: string }>(
    `WITH RECURSIVE ${subgraphCte(direction)}
     SELECT json_build_object(
       'found', EXISTS (SELECT 1 FROM lots WHERE id = $1),
       'edges', (SELECT coalesce(json_agg(x), '[]') FROM (SELECT DISTINCT parent, child, quantity FROM walk) x),
       ${SUMMARY_FIELDS('reached')})::text AS answer`,
    [rootId, maxDepth],
    `lotline_trace_${direction}`,
  );
  const answer = JSON.parse(row?.answer ?? '{}') as SummaryAnswer & { found?: boolean; edges: Edge[] };
  if (answer.found !== true) throw fail('LOT_NOT_FOUND', `lot ${rootId} does not exist (as of the read model's last indexed block)`);
  const graph = edgesByLot(answer.edges, direction);
  const result = await walkLineage<Quantity>(
    { edges: (id, _direction, limit) => Promise.resolve((graph.get(id) ?? []).slice(0, limit)) },
    rootId,
    direction,
    maxDepth,
    maxNodes,
  );
  const byId = summariesOf(answer);
  const nodes = [];
  for (const { id, depth } of result.visited) {
    const summary = byId.get(id);
    if (summary !== undefined) nodes.push({ ...summary, depth });
  }
  return { root: rootId, direction, nodes, edges: result.edges, truncated: result.truncated, maxDepth, maxNodes };
}

/** The subgraph's edges by the lot they leave, in the order of the chaincode's edge scan. */
function edgesByLot(rows: readonly Edge[], direction: Direction): Map<string, Edge[]> {
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

/** Micro-units as a decimal amount. */
export function amount(micro: string): number {
  return fromMicro(BigInt(micro));
}
