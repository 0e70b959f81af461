/**
 * The table view beside the graph: every lot of the trace, sortable by any
 * column, filtered by status and custodian (and by the search within the
 * trace, or a collapsed group clicked in the graph), exported as CSV (UTF-8
 * with a byte order mark, so that Excel reads Japanese text).
 */
import { stringify } from 'csv-stringify/browser/esm/sync';
import { CATEGORIES, type Category } from '../../src/status';
import {
  CSV_COLUMNS,
  csvRows,
  filterRows,
  sortRows,
  TRACE_COLUMNS,
  type TraceColumn,
  type TraceFilter,
  type TraceRow,
  UTF8_BOM,
} from '../../src/trace-view';
import { byId, download, h } from './dom';
import { categoryLabel, t } from './language';

export class TraceTable {
  private rows: TraceRow[] = [];
  private shown: TraceRow[] = [];
  private sort: { column: TraceColumn; descending: boolean } = { column: 'depth', descending: false };
  private filter: TraceFilter = {};
  private readonly table = byId<HTMLTableElement>('trace-table');
  private readonly category = byId<HTMLSelectElement>('filter-category');
  private readonly custodian = byId<HTMLSelectElement>('filter-custodian');
  private readonly count = byId('table-count');
  private readonly onSelect: (id: string) => void;
  private colors: Readonly<Record<Category, string>>;

  constructor(onSelect: (id: string) => void, colors: Readonly<Record<Category, string>>) {
    this.onSelect = onSelect;
    this.colors = colors;
    this.category.addEventListener('change', () => this.update({ category: (this.category.value || undefined) as Category | undefined }));
    this.custodian.addEventListener('change', () => this.update({ custodian: this.custodian.value || undefined }));
    byId('export-trace').addEventListener('click', () => this.exportCsv());
  }

  /** Shows a new trace's rows (filters on status and custodian are kept when they still apply). */
  show(rows: TraceRow[], root: string): void {
    this.rows = rows;
    this.root = root;
    const custodians = [...new Set(rows.map((r) => r.custodian))].sort();
    if (this.filter.custodian !== undefined && !custodians.includes(this.filter.custodian))
      this.filter = { ...this.filter, custodian: undefined };
    this.filter = { ...this.filter, depth: undefined };
    this.options(custodians);
    this.render();
  }

  private root = '';

  /** Changes part of the filter and redraws. */
  update(change: Partial<TraceFilter>): void {
    this.filter = { ...this.filter, ...change };
    if ('category' in change) this.category.value = change.category ?? '';
    if ('custodian' in change) this.custodian.value = change.custodian ?? '';
    this.render();
  }

  /** The rows shown now (filtered and sorted). */
  visible(): readonly TraceRow[] {
    return this.shown;
  }

  /** Re-labels everything after a language switch. */
  relabel(): void {
    this.options([...new Set(this.rows.map((r) => r.custodian))].sort());
    this.render();
  }

  private options(custodians: string[]): void {
    this.category.replaceChildren(
      h('option', { value: '' }, t('table.any')),
      ...CATEGORIES.map((c) => h('option', { value: c }, categoryLabel(c))),
    );
    this.category.value = this.filter.category ?? '';
    this.custodian.replaceChildren(h('option', { value: '' }, t('table.any')), ...custodians.map((c) => h('option', { value: c }, c)));
    this.custodian.value = this.filter.custodian ?? '';
  }

  private header(column: TraceColumn): HTMLElement {
    const active = this.sort.column === column;
    return h(
      'th',
      {
        'data-column': column,
        'aria-sort': active ? (this.sort.descending ? 'descending' : 'ascending') : 'none',
        onclick: () => {
          this.sort = { column, descending: active ? !this.sort.descending : false };
          this.render();
        },
      },
      t(`table.column.${column}`),
      active ? (this.sort.descending ? ' ▼' : ' ▲') : '',
    );
  }

  private render(): void {
    this.shown = sortRows(filterRows(this.rows, this.filter), this.sort.column, this.sort.descending);
    const body = document.createElement('tbody');
    const fragment = document.createDocumentFragment();
    for (const r of this.shown) {
      const tr = h(
        'tr',
        { 'data-lot': r.id, 'data-category': r.category, class: r.id === this.root ? 'root' : undefined },
        h('td', {}, h('a', { href: '#', onclick: (e: Event) => (e.preventDefault(), this.onSelect(r.id)) }, r.id)),
        h('td', { class: 'product' }, r.productName),
        h('td', { class: 'num' }, `${r.amount} ${r.unit}`),
        h('td', {}, r.producer),
        h('td', {}, r.custodian),
        h('td', {}, h('span', { class: 'pill', style: `background:${this.colors[r.category]}` }, categoryLabel(r.category))),
        h('td', { class: 'num' }, String(r.depth)),
      );
      fragment.append(tr);
    }
    body.append(fragment);
    this.table.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          TRACE_COLUMNS.map((c) => this.header(c)),
        ),
      ),
      body,
    );
    this.count.textContent = t('table.count', { shown: this.shown.length, total: this.rows.length });
    this.count.dataset.shown = String(this.shown.length);
  }

  private exportCsv(): void {
    const headers = Object.fromEntries(CSV_COLUMNS.map((c) => [c, t(`table.csv.${c}`)])) as Record<(typeof CSV_COLUMNS)[number], string>;
    const name = `${this.root.replace(/[^A-Za-z0-9._-]+/g, '_')}-trace.csv`;
    download(name, UTF8_BOM + stringify(csvRows(this.shown, headers)), 'text/csv;charset=utf-8');
  }
}
