/**
 * Reading the cells of an uploaded sheet for an import: the header row mapped
 * to the template's columns, typed cell values (text, exact amounts, units,
 * numbers) and every problem collected by row and column, in the caller's
 * language (the `import` catalogue). Nothing here touches the ledger.
 */
import { amountProblem, AMOUNT_DECIMALS, decimalsOf, MAX_AMOUNT } from '@lotline/domain';
import { translator, type Language } from '@lotline/i18n';
import type { TFunction } from 'i18next';
import type { Sheet, SheetRow } from '../spreadsheets/sheets';
import { columnLetter, columnOfHeader, headerOf, isOptional, plainFields, type ColumnRef, type ImportKind } from './columns';

/** One problem of an import, where it is: row number and column letter as the spreadsheet shows them. */
export interface ImportError {
  readonly row: number;
  /** Column letter (absent when the problem is the row as a whole). */
  readonly column?: string;
  /** The column's header as uploaded. */
  readonly header?: string;
  /** The template field (`amount`, `inputLot` ...), with `group` for numbered columns. */
  readonly field?: string;
  readonly group?: number;
  /** Stable code of the problem (`REQUIRED`, `UNIT_INVALID`, `INPUT_NOT_IN_CUSTODY` ...). */
  readonly code: string;
  /** What is wrong and what to do, in the caller's language. */
  readonly message: string;
}

/** A column found in the header row. */
interface Located {
  readonly index: number;
  readonly header: string;
}

const key = (field: string, group?: number): string => (group === undefined ? field : `${field}#${group}`);

/** The header row of a sheet mapped to its columns, with the problems of the header itself. */
export class Columns {
  readonly #located = new Map<string, Located>();
  readonly groups: number[];
  readonly errors: ImportError[] = [];

  constructor(
    readonly kind: ImportKind,
    sheet: Sheet,
    readonly language: Language,
  ) {
    const t = translator(language, 'import');
    const groups = new Set<number>();
    sheet.header.forEach((text, index) => {
      if (text === '') return;
      const column = columnLetter(index);
      const ref = columnOfHeader(kind, text);
      if (ref === undefined) {
        this.errors.push({ row: 1, column, header: text, code: 'UNKNOWN_COLUMN', message: t('errors.UNKNOWN_COLUMN', { header: text }) });
        return;
      }
      const k = key(ref.field, ref.group);
      const first = this.#located.get(k);
      if (first !== undefined) {
        this.errors.push({
          row: 1,
          column,
          header: text,
          code: 'DUPLICATE_COLUMN',
          message: t('errors.DUPLICATE_COLUMN', { header: text, first: columnLetter(first.index) }),
        });
        return;
      }
      if (ref.group !== undefined) groups.add(ref.group);
      this.#located.set(k, { index, header: text });
    });
    for (const field of plainFields(kind)) {
      if (!isOptional(kind, field) && !this.#located.has(field)) {
        const header = headerOf(kind, { field }, language);
        this.errors.push({ row: 1, field, code: 'MISSING_COLUMN', message: t('errors.MISSING_COLUMN', { header }) });
      }
    }
    this.groups = [...groups].sort((a, b) => a - b);
  }

  locate(ref: ColumnRef): Located | undefined {
    return this.#located.get(key(ref.field, ref.group));
  }
}

/** The cells of one data row, read through the header, with its problems. */
export class RowCells {
  readonly errors: ImportError[] = [];
  readonly t: TFunction;

  constructor(
    readonly columns: Columns,
    readonly sheetRow: SheetRow,
  ) {
    this.t = translator(columns.language, 'import');
  }

  get row(): number {
    return this.sheetRow.row;
  }

  /** The header of a column as uploaded, or as the template names it when absent. */
  header(ref: ColumnRef): string {
    return this.columns.locate(ref)?.header ?? headerOf(this.columns.kind, ref, this.columns.language);
  }

  /** The trimmed text of a cell ('' when empty or when the column is absent). */
  text(ref: ColumnRef): string {
    const located = this.columns.locate(ref);
    return located === undefined ? '' : (this.sheetRow.cells[located.index] ?? '').trim();
  }

  /** Record a problem of a cell (or of the row, without `ref`). */
  fail(ref: ColumnRef | undefined, code: string, params: Record<string, unknown> = {}): undefined {
    const located = ref === undefined ? undefined : this.columns.locate(ref);
    const header = ref === undefined ? undefined : this.header(ref);
    this.errors.push({
      row: this.row,
      ...(located !== undefined ? { column: columnLetter(located.index) } : {}),
      ...(header !== undefined ? { header } : {}),
      ...(ref !== undefined ? { field: ref.field } : {}),
      ...(ref?.group !== undefined ? { group: ref.group } : {}),
      code,
      message: this.t(`errors.${code}`, { header, row: this.row, ...params }),
    });
    return undefined;
  }

  /** A required text cell, at most `max` characters. */
  required(ref: ColumnRef, max: number): string | undefined {
    const value = this.text(ref);
    if (value === '') return this.fail(ref, 'REQUIRED');
    if ([...value].length > max) return this.fail(ref, 'TOO_LONG', { max });
    return value;
  }

  /** An optional text cell, at most `max` characters. */
  optional(ref: ColumnRef, max: number): string | undefined {
    const value = this.text(ref);
    if (value === '') return undefined;
    if ([...value].length > max) return this.fail(ref, 'TOO_LONG', { max });
    return value;
  }

  /** A code-like cell (ids, units, product codes): NFKC-normalised, so full-width letters and digits are accepted. */
  code(ref: ColumnRef): string {
    return this.text(ref).normalize('NFKC');
  }

  /** A decimal number cell: digits with an optional decimal point, thousands separators allowed, full-width digits accepted. */
  number(ref: ColumnRef): number | undefined {
    const raw = this.code(ref).replace(/[\s]/g, '');
    if (raw === '') return this.fail(ref, 'REQUIRED');
    const plain = /^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw) ? raw.replace(/,/g, '') : raw;
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(plain)) return this.fail(ref, 'NOT_A_NUMBER', { value: raw });
    return Number(plain);
  }

  /** A quantity amount: more than 0, at most the domain's maximum, at most 6 decimals (domain `amountProblem`). */
  amount(ref: ColumnRef): number | undefined {
    const value = this.number(ref);
    if (value === undefined) return undefined;
    if (amountProblem(value) === undefined) return value;
    if (value <= 0) return this.fail(ref, 'AMOUNT_NOT_POSITIVE', { value });
    if (value > MAX_AMOUNT) return this.fail(ref, 'AMOUNT_TOO_LARGE', { value, max: MAX_AMOUNT });
    if (decimalsOf(value) > AMOUNT_DECIMALS) return this.fail(ref, 'AMOUNT_DECIMALS', { value, decimals: AMOUNT_DECIMALS });
    return this.fail(ref, 'NOT_A_NUMBER', { value });
  }

  /** A UN/CEFACT Recommendation 20 unit code, as the domain's quantity schema wants it (KGM, EA, TNE ...). */
  unit(ref: ColumnRef): string | undefined {
    const value = this.code(ref);
    if (value === '') return this.fail(ref, 'REQUIRED');
    if (!/^[A-Z0-9]{2,3}$/.test(value)) {
      const suggestion = COMMON_UNITS[value.toLowerCase()];
      return this.fail(ref, suggestion === undefined ? 'UNIT_INVALID' : 'UNIT_INVALID_SUGGEST', { value, suggestion });
    }
    return value;
  }
}

/** Units people type, to the UN/CEFACT code the ledger uses. */
const COMMON_UNITS: Record<string, string> = {
  kg: 'KGM',
  t: 'TNE',
  ton: 'TNE',
  g: 'GRM',
  m: 'MTR',
  mm: 'MMT',
  l: 'LTR',
  pcs: 'EA',
  pc: 'EA',
  個: 'EA',
  本: 'EA',
  枚: 'EA',
  キロ: 'KGM',
  トン: 'TNE',
};
