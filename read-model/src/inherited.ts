/**
 * The recalls and holds each lot inherits from its ancestors (chaincode
 * `LineageReader.inheritedBy`): an ancestor's recall, and an ancestor's hold
 * placed with `includeDescendants`. Kept in `lot_inherited` by the indexer, in
 * the transaction of the rows it follows from, so that answers read a lot's
 * affected status with one lookup instead of walking its ancestry.
 *
 * inherited(n) = ∪ over parents p of n: p's inheritable refs ∪ inherited(p).
 * When a run of blocks changes a lot's inheritable refs, or adds an edge,
 * every descendant of that lot (of the edge's child) may change: that set is
 * recomputed by pushing refs down through it from where they enter it (a
 * parent's own refs, or the stored rows of a parent outside the set).
 */
import type { Sql } from './store';

/** A lot's own refs that its descendants inherit (its recall, its holds with includeDescendants), as one comparable text. */
export function inheritableOf(
  recall: { readonly eventId: string } | null,
  holds: readonly { readonly holdId: string; readonly includeDescendants: boolean }[],
): string {
  const refs = holds.filter((h) => h.includeDescendants).map((h) => `hold ${h.holdId}`);
  if (recall !== null) refs.push(`recall ${recall.eventId}`);
  return refs.sort().join('\n');
}

/** The stored inheritable refs of `ids` (see {@link inheritableOf}; lots without any are absent). */
export async function storedInheritable(sql: Sql, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; event_id: string; recall: boolean }>(
    `SELECT id, recall_event_id AS event_id, true AS recall FROM lots WHERE id = ANY($1::text[]) AND recall_id IS NOT NULL
     UNION ALL SELECT lot_id, hold_id, false FROM holds WHERE lot_id = ANY($1::text[]) AND include_descendants`,
    [ids],
  );
  const refs = new Map<string, string[]>();
  for (const r of rows) {
    if (!refs.has(r.id)) refs.set(r.id, []);
    refs.get(r.id)?.push(r.recall ? `recall ${r.event_id}` : `hold ${r.event_id}`);
  }
  return new Map([...refs].map(([id, list]) => [id, list.sort().join('\n')]));
}

const DIRTY = `dirty(id) AS (
  SELECT unnest($1::text[])
  UNION
  SELECT e.child FROM dirty d JOIN lineage_edges e ON e.parent = d.id
)`;

/**
 * The refs that reach each lot of `dirty` (closed under descendants), pushed
 * down from where they enter it: a dirty lot's parent's own inheritable refs,
 * and the stored `lot_inherited` rows of a parent outside the set; then from
 * each lot of the set to its children. The recursion's size is the number of
 * rows it produces (lots × refs they inherit), not lots × ancestors.
 */
const REACHING = `entering(lot_id, kind, source_lot_id, event_id, recall_id) AS (
  SELECT d.id, 'recall', l.id, l.recall_event_id, l.recall_id
    FROM dirty d JOIN lineage_edges e ON e.child = d.id JOIN lots l ON l.id = e.parent WHERE l.recall_id IS NOT NULL
  UNION ALL
  SELECT d.id, 'hold', h.lot_id, h.hold_id, NULL
    FROM dirty d JOIN lineage_edges e ON e.child = d.id JOIN holds h ON h.lot_id = e.parent WHERE h.include_descendants
  UNION ALL
  SELECT d.id, i.kind, i.source_lot_id, i.event_id, i.recall_id
    FROM dirty d JOIN lineage_edges e ON e.child = d.id JOIN lot_inherited i ON i.lot_id = e.parent
    WHERE NOT EXISTS (SELECT 1 FROM dirty o WHERE o.id = e.parent)
),
reaching(lot_id, kind, source_lot_id, event_id, recall_id) AS (
  SELECT lot_id, kind, source_lot_id, event_id, recall_id FROM entering
  UNION
  SELECT e.child, r.kind, r.source_lot_id, r.event_id, r.recall_id FROM reaching r JOIN lineage_edges e ON e.parent = r.lot_id
)`;

/** Recompute `lot_inherited` for `seeds` and all their descendants (run after the edges, lots and holds are written). */
export async function refreshInherited(sql: Sql, seeds: readonly string[]): Promise<void> {
  if (seeds.length === 0) return;
  await sql.query(`WITH RECURSIVE ${DIRTY} DELETE FROM lot_inherited WHERE lot_id IN (SELECT id FROM dirty)`, [seeds]);
  await sql.query(
    `WITH RECURSIVE ${DIRTY}, ${REACHING}
     INSERT INTO lot_inherited (lot_id, kind, source_lot_id, event_id, recall_id)
     SELECT lot_id, kind, source_lot_id, event_id, recall_id FROM reaching
     ON CONFLICT DO NOTHING`,
    [seeds],
  );
}

/** Fill `lot_inherited` for every lot (a read model made before it existed): every lot with a parent is a seed. */
export async function rebuildInherited(sql: Sql): Promise<void> {
  const rows = await sql.query<{ child: string }>('SELECT DISTINCT child FROM lineage_edges');
  await refreshInherited(
    sql,
    rows.map((r) => r.child),
  );
}
