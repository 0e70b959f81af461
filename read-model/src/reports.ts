/**
 * Recall reports and lot search from the read model. A recall report is
 * complete: every descendant of the recalled lot at any depth (a recursive
 * CTE with no depth cap), paged by (depth, lot id), with the organisations to
 * notify and the quantities they hold.
 */
import { fail } from '@lotline/domain';
import { amount, EFFECTIVE_STATUS } from './lineage';
import type { Sql } from './store';

/** An affected lot of a recall. */
export interface AffectedLot {
  readonly lotId: string;
  readonly custodian: string;
  readonly producer: string;
  readonly status: string;
  /** Shortest number of lineage steps from the recalled lot. */
  readonly depth: number;
  readonly remaining: { readonly amount: number; readonly unit: string };
}

/** An organisation holding affected lots: who to notify, with how much. */
export interface NotifiedOrganisation {
  readonly msp: string;
  readonly lots: number;
  /** Remaining quantity of its affected lots, summed per unit. */
  readonly remaining: readonly { readonly amount: number; readonly unit: string }[];
}

/** One page of a complete recall report. */
export interface RecallReport {
  readonly recallId: string;
  readonly sourceLotId: string;
  readonly reason: string;
  readonly startedAt: string;
  readonly startedBy: unknown;
  readonly eventId: string;
  /** Every affected lot, whatever its depth. */
  readonly total: number;
  readonly organisations: readonly NotifiedOrganisation[];
  readonly affected: readonly AffectedLot[];
  /** Pass as `?cursor=` for the next page; null after the last. */
  readonly nextCursor: string | null;
  readonly block: number;
  readonly txId: string;
}

const SCOPE = `WITH RECURSIVE reach(id, depth) AS (
    SELECT $1::text, 0
    UNION
    SELECT e.child, r.depth + 1 FROM reach r JOIN lineage_edges e ON e.parent = r.id
  ),
  scope AS (SELECT id, min(depth) AS depth FROM reach GROUP BY id)`;

function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decodeCursor<T extends readonly unknown[]>(cursor: string, check: (parts: unknown[]) => boolean): T {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && check(parts)) return parts as unknown as T;
  } catch {
    // fall through
  }
  throw fail('INVALID_ARGUMENT', 'cursor: not a cursor of this list; pass the nextCursor the previous page returned, or none');
}

/** What a recall report page selects. */
export interface RecallQuery {
  readonly limit: number;
  readonly cursor?: string;
  /** Only the lots held by this organisation. */
  readonly custodian?: string;
}

/** One page of the complete report of a recall; NOT_FOUND when the recall is not indexed. */
export async function recallReport(sql: Sql, recallId: string, query: RecallQuery): Promise<RecallReport> {
  const [recall] = await sql.query<{ doc: Record<string, unknown> & { sourceLotId: string }; block: number; tx_id: string }>(
    'SELECT doc, block::int AS block, tx_id FROM recalls WHERE recall_id = $1',
    [recallId],
  );
  if (recall === undefined) throw fail('NOT_FOUND', `recall ${recallId} does not exist (as of the read model's last indexed block)`);
  const source = recall.doc.sourceLotId;
  const organisations = await sql.query<{ msp: string; lots: number; unit: string; micro: string }>(
    `${SCOPE}
     SELECT l.custodian AS msp, count(*)::int AS lots, l.unit, sum(l.remaining_micro)::text AS micro
       FROM scope s JOIN lots l ON l.id = s.id GROUP BY l.custodian, l.unit ORDER BY l.custodian, l.unit`,
    [source],
  );
  const byMsp = new Map<string, { msp: string; lots: number; remaining: { amount: number; unit: string }[] }>();
  for (const o of organisations) {
    const entry = byMsp.get(o.msp) ?? { msp: o.msp, lots: 0, remaining: [] };
    entry.lots += o.lots;
    entry.remaining.push({ amount: amount(o.micro), unit: o.unit });
    byMsp.set(o.msp, entry);
  }
  const after =
    query.cursor === undefined
      ? null
      : decodeCursor<[number, string]>(query.cursor, (p) => p.length === 2 && Number.isInteger(p[0]) && typeof p[1] === 'string');
  const rows = await sql.query<{
    id: string;
    depth: number;
    custodian: string;
    producer: string;
    status: string;
    unit: string;
    micro: string;
  }>(
    `${SCOPE}
     SELECT s.id, s.depth, l.custodian, l.producer, ${EFFECTIVE_STATUS} AS status, l.unit, l.remaining_micro::text AS micro
       FROM scope s JOIN lots l ON l.id = s.id
      WHERE ($2::int IS NULL OR (s.depth, s.id) > ($2::int, $3::text COLLATE "C")) AND ($4::text IS NULL OR l.custodian = $4)
      ORDER BY s.depth, s.id COLLATE "C" LIMIT $5`,
    [source, after?.[0] ?? null, after?.[1] ?? null, query.custodian ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    recallId,
    sourceLotId: source,
    reason: recall.doc.reason as string,
    startedAt: recall.doc.startedAt as string,
    startedBy: recall.doc.startedBy,
    eventId: recall.doc.eventId as string,
    total: [...byMsp.values()].reduce((n, o) => n + o.lots, 0),
    organisations: [...byMsp.values()],
    affected: page.map((r) => ({
      lotId: r.id,
      custodian: r.custodian,
      producer: r.producer,
      status: r.status,
      depth: r.depth,
      remaining: { amount: amount(r.micro), unit: r.unit },
    })),
    nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor([last.depth, last.id]) : null,
    block: recall.block,
    txId: recall.tx_id,
  };
}

/** Lot search filters; all optional. */
export interface LotSearch {
  readonly product?: string;
  readonly status?: string;
  readonly custodian?: string;
  readonly producer?: string;
  /** ISO-8601 bounds on `createdAt`: from inclusive, to exclusive. */
  readonly createdFrom?: string;
  readonly createdTo?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** A lot in a search result, with the transaction that last wrote its document. */
export interface FoundLot {
  readonly id: string;
  readonly product: { readonly code: string; readonly name: string };
  readonly quantity: { readonly amount: number; readonly unit: string };
  readonly remaining: { readonly amount: number; readonly unit: string };
  readonly producer: string;
  readonly custodian: string;
  readonly status: string;
  readonly createdAt: string;
  readonly block: number;
  readonly txId: string;
}

/** One page of lots matching the filters, oldest first (by creation time, then id). */
export async function searchLots(sql: Sql, search: LotSearch): Promise<{ lots: FoundLot[]; nextCursor: string | null }> {
  const after =
    search.cursor === undefined
      ? null
      : decodeCursor<[string, string]>(search.cursor, (p) => p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string');
  const rows = await sql.query<{
    id: string;
    doc: { product: FoundLot['product']; quantity: FoundLot['quantity'] };
    producer: string;
    custodian: string;
    status: string;
    created_at: string;
    unit: string;
    micro: string;
    block: number;
    tx_id: string;
  }>(
    `SELECT l.id, l.doc, l.producer, l.custodian, ${EFFECTIVE_STATUS} AS status, l.created_at, l.unit,
            l.remaining_micro::text AS micro, l.block::int AS block, l.tx_id
       FROM lots l
      WHERE ($1::text IS NULL OR l.product_code = $1)
        AND ($2::text IS NULL OR ${EFFECTIVE_STATUS} = $2)
        AND ($3::text IS NULL OR l.custodian = $3)
        AND ($4::text IS NULL OR l.producer = $4)
        AND ($5::text IS NULL OR l.created_at >= $5)
        AND ($6::text IS NULL OR l.created_at < $6)
        AND ($7::text IS NULL OR (l.created_at, l.id COLLATE "C") > ($7::text, $8::text COLLATE "C"))
      ORDER BY l.created_at, l.id COLLATE "C" LIMIT $9`,
    [
      search.product ?? null,
      search.status ?? null,
      search.custodian ?? null,
      search.producer ?? null,
      search.createdFrom ?? null,
      search.createdTo ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      search.limit + 1,
    ],
  );
  const page = rows.slice(0, search.limit);
  const last = page[page.length - 1];
  return {
    lots: page.map((r) => ({
      id: r.id,
      product: r.doc.product,
      quantity: r.doc.quantity,
      remaining: { amount: amount(r.micro), unit: r.unit },
      producer: r.producer,
      custodian: r.custodian,
      status: r.status,
      createdAt: r.created_at,
      block: r.block,
      txId: r.tx_id,
    })),
    nextCursor: rows.length > search.limit && last !== undefined ? encodeCursor([last.created_at, last.id]) : null,
  };
}
