/**
 * Spreadsheets in and out, with exceljs: reading the rows of an uploaded
 * `.xlsx` or CSV file as text, and writing one table as `.xlsx` or as CSV
 * (UTF-8 with a byte order mark, so that Excel opens Japanese text correctly).
 * The one place that knows file formats; imports and exports build on it.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';

/** The media types of the two formats. */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_MEDIA_TYPE = 'text/csv';

export const SPREADSHEET_FORMATS = ['xlsx', 'csv'] as const;
export type SpreadsheetFormat = (typeof SPREADSHEET_FORMATS)[number];

export const MEDIA_TYPES: Record<SpreadsheetFormat, string> = { xlsx: XLSX_MEDIA_TYPE, csv: `${CSV_MEDIA_TYPE}; charset=utf-8` };

/** One data row of an uploaded sheet: its row number as the spreadsheet shows it (the header is row 1) and its cells as text. */
export interface SheetRow {
  readonly row: number;
  readonly cells: readonly string[];
}

/** An uploaded sheet: the header row's texts and the non-empty rows below it. */
export interface Sheet {
  readonly header: readonly string[];
  readonly rows: readonly SheetRow[];
}

/** Why a file could not be read as a spreadsheet (not a zip/xlsx, not UTF-8 text). */
export class UnreadableSheetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreadableSheetError';
  }
}

/** The text of a cell value as Excel shows it: numbers in their shortest exact form, rich text joined, formulas by their result. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('hyperlink' in value) return cellText((value as { text?: ExcelJS.CellValue }).text ?? value.hyperlink);
  if ('error' in value) return String(value.error);
  return '';
}

function sheetOf(worksheet: ExcelJS.Worksheet | undefined): Sheet {
  if (worksheet === undefined) return { header: [], rows: [] };
  const width = worksheet.columnCount;
  const textsOf = (row: ExcelJS.Row): string[] => {
    const texts: string[] = [];
    for (let c = 1; c <= width; c++) texts.push(cellText(row.getCell(c).value).trim());
    return texts;
  };
  const header = textsOf(worksheet.getRow(1));
  const rows: SheetRow[] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const cells = textsOf(row);
    if (cells.some((c) => c !== '')) rows.push({ row: number, cells });
  });
  return { header, rows };
}

/** Whether the bytes are a zip archive (an .xlsx file is one). */
function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50;
}

/**
 * Read the first worksheet of an .xlsx file, or a CSV file (UTF-8, with or
 * without a byte order mark; every value kept as text).
 * @throws UnreadableSheetError
 */
export async function readSheet(bytes: Buffer, format: SpreadsheetFormat): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  if (format === 'xlsx') {
    if (!isZip(bytes)) throw new UnreadableSheetError('the file is not an .xlsx workbook (not a zip archive)');
    try {
      await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    } catch (error) {
      throw new UnreadableSheetError('the .xlsx workbook could not be read', { cause: error });
    }
    return sheetOf(workbook.worksheets[0]);
  }
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  if (text.includes('\uFFFD'))
    throw new UnreadableSheetError('the CSV file is not UTF-8 text: save it as "CSV UTF-8 (comma delimited)" in Excel');
  try {
    const worksheet = await workbook.csv.read(Readable.from([text]), { map: (value: unknown) => value });
    return sheetOf(worksheet);
  } catch (error) {
    throw new UnreadableSheetError('the CSV file could not be parsed', { cause: error });
  }
}

/** A column of a table: its key in each row object and its header. */
export interface TableColumn {
  readonly key: string;
  readonly header: string;
  readonly width?: number;
  /** A note on the header cell (xlsx only), e.g. what to enter. */
  readonly note?: string;
}

/** One table: a sheet name, columns and rows. */
export interface Table {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  readonly rows: readonly Readonly<Record<string, string | number | boolean | undefined>>[];
}

/** Excel limits sheet names to 31 characters without []:*?/\ . */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'Sheet1';
}

function addTable(workbook: ExcelJS.Workbook, table: Table): void {
  const worksheet = workbook.addWorksheet(sheetName(table.name), { views: [{ state: 'frozen', ySplit: 1 }] });
  worksheet.columns = table.columns.map((c) => ({ key: c.key, header: c.header, width: c.width ?? Math.max(12, c.header.length * 2) }));
  const header = worksheet.getRow(1);
  header.font = { bold: true };
  table.columns.forEach((column, index) => {
    if (column.note !== undefined) header.getCell(index + 1).note = column.note;
  });
  for (const row of table.rows) worksheet.addRow(row);
}

/** The byte order mark that tells Excel a CSV file is UTF-8. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Write tables as one .xlsx workbook (one sheet each), or the first table as CSV (UTF-8 with BOM). */
export async function writeTables(tables: readonly Table[], format: SpreadsheetFormat): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Lotline';
  const selected = format === 'csv' ? tables.slice(0, 1) : tables;
  for (const table of selected) addTable(workbook, table);
  if (format === 'xlsx') return Buffer.from(await workbook.xlsx.writeBuffer());
  const csv = Buffer.from(await workbook.csv.writeBuffer({ map: (value: unknown) => value ?? '' }));
  return Buffer.concat([BOM, csv]);
}
