/**
 * The columns of the import templates (`GET /templates/lots.xlsx`,
 * `GET /templates/inspections.xlsx`) and how an uploaded header row maps to
 * them. Headers come from the `import` catalogue of @lotline/i18n in each
 * language; an uploaded file may use the Japanese or the English headers (or
 * the column keys), in any order. Repeated groups (a lot's inputs, an
 * inspection's measurements) are numbered: the template has three of each, a
 * user may add more columns with the next numbers.
 */
import { LANGUAGES, translator, type Language } from '@lotline/i18n';
import type { TableColumn } from '../spreadsheets/sheets';

export const IMPORT_KINDS = ['lots', 'inspections'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The plain columns of each kind, in template order (`?` marks optional ones). */
const PLAIN: Record<ImportKind, readonly string[]> = {
  lots: ['id', 'productCode', 'productName', 'amount', 'unit', 'site', 'line', 'changePoint?'],
  inspections: ['lotId', 'verdict', 'certificateSha256', 'certificateUri', 'notes?'],
};

/** The repeated group of each kind, its fields, and how many the template shows. */
const GROUPS: Record<ImportKind, { readonly name: string; readonly fields: readonly string[] }> = {
  lots: { name: 'input', fields: ['Lot', 'Amount', 'Unit'] },
  inspections: { name: 'measurement', fields: ['Characteristic', 'Value', 'Unit', 'Lower', 'Upper'] },
};

export const TEMPLATE_GROUPS = 3;
/** Largest group number an upload may use (the domain's limits: 100 inputs, 200 measurements). */
const MAX_GROUPS: Record<ImportKind, number> = { lots: 100, inspections: 200 };

/** A column an upload can have: a plain field, or field `field` of group number `n`. */
export interface ColumnRef {
  readonly field: string;
  readonly group?: number;
}

export function isOptional(kind: ImportKind, field: string): boolean {
  return PLAIN[kind].includes(`${field}?`);
}

export function plainFields(kind: ImportKind): string[] {
  return PLAIN[kind].map((f) => f.replace(/\?$/, ''));
}

export function groupFields(kind: ImportKind): readonly string[] {
  return GROUPS[kind].fields.map((f) => `${GROUPS[kind].name}${f}`);
}

/** The header text of a column in a language. */
export function headerOf(kind: ImportKind, ref: ColumnRef, language: Language): string {
  const t = translator(language, 'import');
  return ref.group === undefined ? t(`columns.${kind}.${ref.field}`) : t(`columns.${kind}.${ref.field}`, { n: ref.group });
}

/** Header texts are compared after Unicode NFKC (full-width letters and digits), without case and spacing. */
export function normaliseHeader(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_()（）]/g, '');
}

/** Every header text (both languages, and the keys) an upload may use, to its column. */
function headerIndex(kind: ImportKind): Map<string, ColumnRef> {
  const index = new Map<string, ColumnRef>();
  const add = (text: string, ref: ColumnRef): void => {
    index.set(normaliseHeader(text), ref);
  };
  for (const field of plainFields(kind)) {
    add(field, { field });
    for (const language of LANGUAGES) add(headerOf(kind, { field }, language), { field });
  }
  for (const field of groupFields(kind)) {
    for (let n = 1; n <= MAX_GROUPS[kind]; n++) {
      add(`${field}${n}`, { field, group: n });
      for (const language of LANGUAGES) add(headerOf(kind, { field, group: n }, language), { field, group: n });
    }
  }
  return index;
}

const INDEXES = new Map<ImportKind, Map<string, ColumnRef>>();

/** The column a header text names, or undefined. */
export function columnOfHeader(kind: ImportKind, text: string): ColumnRef | undefined {
  let index = INDEXES.get(kind);
  if (index === undefined) {
    index = headerIndex(kind);
    INDEXES.set(kind, index);
  }
  return index.get(normaliseHeader(text));
}

/** The template's columns in a language: the plain ones, then three of each group, each with a note saying what to enter. */
export function templateColumns(kind: ImportKind, language: Language): TableColumn[] {
  const t = translator(language, 'import');
  const columns: TableColumn[] = plainFields(kind).map((field) => ({
    key: field,
    header: headerOf(kind, { field }, language),
    note: t(`notes.${kind}.${field}`),
    width: field === 'productName' || field === 'certificateUri' || field === 'certificateSha256' ? 36 : 18,
  }));
  for (let n = 1; n <= TEMPLATE_GROUPS; n++)
    for (const field of groupFields(kind))
      columns.push({
        key: `${field}${n}`,
        header: headerOf(kind, { field, group: n }, language),
        note: t(`notes.${kind}.${field}`),
        width: 18,
      });
  return columns;
}

/** The spreadsheet column letters of a 0-based column index (0 → A, 26 → AA). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    letters = String.fromCharCode(65 + r) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}
