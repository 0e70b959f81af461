/**
 * A big trace as a table (pure: no DOM, no I/O), for the explorer's table
 * view beside the graph: one row per lot, filtered by display category,
 * custodian and a search text, sorted by any column, grouped by depth or by
 * organisation, summarised ("N lots, M holders, K on hold, J recalled") and
 * exported as CSV. Product names and reasons are kept exactly as entered.
 */
import type { TraceNode } from './api-types';
import { type Category, CATEGORIES, categorize } from './status';

/** One lot of a merged trace; `depth` is negative upstream (backward) and positive downstream. */
export interface TraceRow {
  id: string;
  productCode: string;
  productName: string;
  amount: number;
  unit: string;
  producer: string;
  custodian: string;
  status: string;
  category: Category;
  depth: number;
}

/** The columns of the table, in order. */
export const TRACE_COLUMNS = ['id', 'productName', 'amount', 'producer', 'custodian', 'category', 'depth'] as const;
export type TraceColumn = (typeof TRACE_COLUMNS)[number];

/** A lot as a row, at its signed depth. */
export function traceRow(lot: TraceNode, depth: number): TraceRow {
  return {
    id: lot.id,
    productCode: lot.product.code,
    productName: lot.product.name,
    amount: lot.quantity.amount,
    unit: lot.quantity.unit,
    producer: lot.producer,
    custodian: lot.custodian,
    status: lot.status,
    category: categorize(lot),
    depth,
  };
}

/** What the table shows: `undefined` means "any". */
export interface TraceFilter {
  category?: Category | undefined;
  custodian?: string | undefined;
  /** Searched case-insensitively in the id, product code and name, producer and custodian. */
  search?: string | undefined;
  /** Only the lots at this signed depth (a collapsed depth group). */
  depth?: number | undefined;
}

/** Whether a row contains the search text (NFKC-normalised, so full-width and half-width forms match). */
export function matchesSearch(row: TraceRow, search: string | undefined): boolean {
  const needle = (search ?? '').normalize('NFKC').trim().toLowerCase();
  if (needle === '') return true;
  return [row.id, row.productCode, row.productName, row.producer, row.custodian].some((field) =>
    field.normalize('NFKC').toLowerCase().includes(needle),
  );
}

/** The rows that pass every part of the filter. */
export function filterRows(rows: readonly TraceRow[], filter: TraceFilter): TraceRow[] {
  return rows.filter(
    (r) =>
      (filter.category === undefined || r.category === filter.category) &&
      (filter.custodian === undefined || r.custodian === filter.custodian) &&
      (filter.depth === undefined || r.depth === filter.depth) &&
      matchesSearch(r, filter.search),
  );
}

function compareBy(column: TraceColumn): (a: TraceRow, b: TraceRow) => number {
  if (column === 'amount' || column === 'depth') return (a, b) => a[column] - b[column];
  if (column === 'category') return (a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category);
  return (a, b) => a[column].localeCompare(b[column]);
}

/** A sorted copy: by one column, ascending or descending, ties broken by lot id. */
export function sortRows(rows: readonly TraceRow[], column: TraceColumn, descending = false): TraceRow[] {
  const compare = compareBy(column);
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => sign * compare(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The headline figures of a trace. `recalled` counts lots recalled or affected by a recall (what must come back). */
export interface TraceSummary {
  lots: number;
  holders: number;
  onHold: number;
  recalled: number;
}

export function summarize(rows: readonly TraceRow[]): TraceSummary {
  return {
    lots: rows.length,
    holders: new Set(rows.map((r) => r.custodian)).size,
    onHold: rows.filter((r) => r.category === 'on_hold').length,
    recalled: rows.filter((r) => r.category === 'recalled' || r.category === 'affected').length,
  };
}

/** How the graph collapses a big trace: one node per depth, or per holding organisation. */
export type Collapse = 'none' | 'depth' | 'org';

/** The key of a row's group under a collapse mode. */
export function groupKey(row: Pick<TraceRow, 'depth' | 'custodian'>, collapse: Exclude<Collapse, 'none'>): string {
  return collapse === 'depth' ? `depth:${row.depth}` : `org:${row.custodian}`;
}

/** One group of a collapsed trace, with its most urgent category. */
export interface TraceGroup {
  key: string;
  depth?: number;
  custodian?: string;
  lots: number;
  category: Category;
  counts: Partial<Record<Category, number>>;
}

/** Groups in depth order (upstream first) or by organisation name. */
export function groupRows(rows: readonly TraceRow[], collapse: Exclude<Collapse, 'none'>): TraceGroup[] {
  const groups = new Map<string, TraceGroup>();
  for (const row of rows) {
    const key = groupKey(row, collapse);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        key,
        ...(collapse === 'depth' ? { depth: row.depth } : { custodian: row.custodian }),
        lots: 0,
        category: 'none',
        counts: {},
      };
      groups.set(key, group);
    }
    group.lots += 1;
    group.counts[row.category] = (group.counts[row.category] ?? 0) + 1;
    if (CATEGORIES.indexOf(row.category) < CATEGORIES.indexOf(group.category)) group.category = row.category;
  }
  return [...groups.values()].sort((a, b) =>
    collapse === 'depth' ? (a.depth ?? 0) - (b.depth ?? 0) : (a.custodian ?? '').localeCompare(b.custodian ?? ''),
  );
}

/** The CSV columns of an export, in order (headers are given by the caller, in the user's language). */
export const CSV_COLUMNS = [
  'id',
  'productCode',
  'productName',
  'amount',
  'unit',
  'producer',
  'custodian',
  'status',
  'category',
  'depth',
] as const;

/** Header row plus one row per lot: raw values, so that a spreadsheet can filter them. */
export function csvRows(rows: readonly TraceRow[], headers: Readonly<Record<(typeof CSV_COLUMNS)[number], string>>): string[][] {
  return [CSV_COLUMNS.map((c) => headers[c]), ...rows.map((r) => CSV_COLUMNS.map((c) => String(r[c])))];
}

/** The byte order mark that makes Excel read a CSV file as UTF-8 (Japanese text included). */
export const UTF8_BOM = '\uFEFF';
