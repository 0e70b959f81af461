/**
 * Importing inspection results from a sheet: one inspection per row (lot,
 * verdict, certificate SHA-256 and URI, notes, numbered measurements). Every
 * row is checked first (the domain's inspection schema; the lot exists and is
 * in the caller's custody, or the caller is the City's testing institute, as
 * the chaincode requires), then each valid row is recorded with the
 * chaincode's `RecordInspection`, one transaction per row, in file order.
 *
 * A lot's inspection is identified by its certificate: a row whose lot already
 * has an inspection with the same certificate SHA-256 and the same content is
 * reported as present and not recorded again (importing the same file twice
 * records nothing the second time); the same certificate with other content is
 * a problem of that row.
 */
import { canonicalJson, schemas, type InspectionInput, type MeasurementInput, type QualityEvent } from '@lotline/domain';
import type { LotLedger } from '@lotline/ledger-client';
import type { Caller } from '../http/route';
import type { Sheet, SheetRow } from '../spreadsheets/sheets';
import { ImportWriteError, LotCache, qualifyLotId, type ImportResult, type RowOutcome } from './lots';
import { RowCells, type Columns, type ImportError } from './rows';

/** The City's MSP: its inspectors (the public testing institute) may inspect any lot (chaincode/src/access.ts). */
const CITY_MSP = 'CityMSP';

/** Verdicts as typed, in either language, to the ledger's verdict. */
const VERDICTS: Record<string, InspectionInput['verdict']> = {
  pass: 'pass',
  fail: 'fail',
  conditional: 'conditional',
  合格: 'pass',
  不合格: 'fail',
  条件付合格: 'conditional',
  条件付き合格: 'conditional',
  条件付: 'conditional',
  条件付き: 'conditional',
};

interface CheckedInspection {
  readonly row: number;
  readonly id?: string;
  readonly lotId?: string;
  readonly inspection?: InspectionInput;
  readonly present: boolean;
  readonly errors: ImportError[];
}

/** The part of an inspection a row determines, to compare with one on the ledger. */
function essence(i: Pick<InspectionInput, 'verdict' | 'certificate' | 'notes' | 'measurements'>): string {
  return canonicalJson({ verdict: i.verdict, certificate: i.certificate, notes: i.notes ?? null, measurements: i.measurements ?? [] });
}

/** Every inspection of a lot, keyed by certificate SHA-256 (the lot's quality events, page by page). */
async function inspectionsOf(ledger: LotLedger, lotId: string): Promise<Map<string, QualityEvent>> {
  const byCertificate = new Map<string, QualityEvent>();
  let bookmark = '';
  do {
    const page = await ledger.listQualityEvents(lotId, { limit: 1000, bookmark });
    for (const event of page.events)
      if (event.type === 'inspection' && event.certificate !== undefined) byCertificate.set(event.certificate.sha256, event);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return byCertificate;
}

function measurementsOf(cells: RowCells, groups: readonly number[]): MeasurementInput[] {
  const measurements: MeasurementInput[] = [];
  for (const n of groups) {
    const ref = (field: string): { field: string; group: number } => ({ field: `measurement${field}`, group: n });
    const fields = ['Characteristic', 'Value', 'Unit', 'Lower', 'Upper'];
    if (fields.every((f) => cells.text(ref(f)) === '')) continue;
    const characteristic = cells.required(ref('Characteristic'), 100);
    const value = cells.number(ref('Value'));
    const unit = cells.code(ref('Unit'));
    if (unit === '') cells.fail(ref('Unit'), 'REQUIRED');
    else if (!/^[A-Za-z0-9%°/._-]{1,16}$/.test(unit)) cells.fail(ref('Unit'), 'MEASUREMENT_UNIT_INVALID', { value: unit });
    const lower = cells.number(ref('Lower'));
    const upper = cells.number(ref('Upper'));
    if (lower !== undefined && upper !== undefined && lower > upper) cells.fail(ref('Lower'), 'LOWER_ABOVE_UPPER', { lower, upper });
    if (characteristic !== undefined && value !== undefined && lower !== undefined && upper !== undefined && lower <= upper && unit !== '')
      measurements.push({ characteristic, value, unit, lower, upper });
  }
  return measurements;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The checks of one inspections sheet, row by row. */
class InspectionsCheck {
  readonly #cache: LotCache;
  /** Each lot's recorded inspections by certificate, read once. */
  readonly #recorded = new Map<string, Promise<Map<string, QualityEvent>>>();
  readonly #firstRowOf = new Map<string, number>();

  constructor(
    readonly columns: Columns,
    readonly caller: Caller,
  ) {
    this.#cache = new LotCache(caller.ledger);
  }

  async prefetch(sheet: Sheet): Promise<void> {
    const ids = sheet.rows.map((r) => qualifyLotId(new RowCells(this.columns, r).text({ field: 'lotId' }), this.caller.mspId));
    await this.#cache.prefetch(ids.filter((id) => schemas.lotId.safeParse(id).success));
  }

  /** The inspected lot: it exists and the caller may inspect it (its custodian, or the City's institute). */
  async #lot(cells: RowCells): Promise<{ lotId: string; known: boolean }> {
    const text = cells.text({ field: 'lotId' });
    const lotId = qualifyLotId(text, this.caller.mspId);
    if (text === '') return { lotId, known: cells.fail({ field: 'lotId' }, 'REQUIRED') ?? false };
    if (!schemas.lotId.safeParse(lotId).success)
      return { lotId, known: cells.fail({ field: 'lotId' }, 'LOT_ID_INVALID', { value: text }) ?? false };
    const lot = await this.#cache.get(lotId);
    if (lot === undefined) cells.fail({ field: 'lotId' }, 'LOT_NOT_FOUND', { id: lotId });
    else if (lot.custodian !== this.caller.mspId && this.caller.mspId !== CITY_MSP)
      cells.fail({ field: 'lotId' }, 'LOT_NOT_IN_CUSTODY', { id: lotId, custodian: lot.custodian, msp: this.caller.mspId });
    return { lotId, known: lot !== undefined && cells.errors.length === 0 };
  }

  /** The inspection the row describes, or undefined when a required part is missing. */
  #inspection(cells: RowCells): InspectionInput | undefined {
    const verdictText = cells.text({ field: 'verdict' }).normalize('NFKC');
    const verdict = VERDICTS[verdictText.toLowerCase()];
    if (verdictText === '') cells.fail({ field: 'verdict' }, 'REQUIRED');
    else if (verdict === undefined) cells.fail({ field: 'verdict' }, 'VERDICT_INVALID', { value: verdictText });
    const sha256 = cells.code({ field: 'certificateSha256' }).toLowerCase();
    if (sha256 === '') cells.fail({ field: 'certificateSha256' }, 'REQUIRED');
    else if (!SHA256.test(sha256)) cells.fail({ field: 'certificateSha256' }, 'SHA256_INVALID', { value: sha256 });
    const uri = cells.required({ field: 'certificateUri' }, 2048);
    if (uri !== undefined && !URL.canParse(uri)) cells.fail({ field: 'certificateUri' }, 'URI_INVALID', { value: uri });
    const notes = cells.optional({ field: 'notes' }, 2000);
    const measurements = measurementsOf(cells, this.columns.groups);
    if (verdict === undefined || uri === undefined) return undefined;
    return {
      verdict,
      certificate: { sha256, uri },
      ...(measurements.length > 0 ? { measurements } : {}),
      ...(notes !== undefined ? { notes } : {}),
    };
  }

  /** Whether the lot has this inspection already, identically; the same certificate with other content is a problem. */
  async #present(cells: RowCells, lotId: string, inspection: InspectionInput): Promise<boolean> {
    let events = this.#recorded.get(lotId);
    if (events === undefined) {
      events = inspectionsOf(this.caller.ledger, lotId);
      this.#recorded.set(lotId, events);
    }
    const existing = (await events).get(inspection.certificate.sha256);
    if (existing === undefined) return false;
    const recorded = {
      verdict: existing.verdict ?? 'pass',
      certificate: existing.certificate ?? inspection.certificate,
      notes: existing.notes,
      measurements: existing.measurements,
    };
    if (cells.errors.length === 0 && essence(recorded) === essence(inspection)) return true;
    cells.fail({ field: 'certificateSha256' }, 'INSPECTION_EXISTS', { id: lotId, eventId: existing.eventId });
    return false;
  }

  async row(sheetRow: SheetRow): Promise<CheckedInspection> {
    const cells = new RowCells(this.columns, sheetRow);
    const { lotId, known } = await this.#lot(cells);
    const inspection = this.#inspection(cells);
    const sha256 = inspection?.certificate.sha256 ?? cells.code({ field: 'certificateSha256' }).toLowerCase();
    const id = `${lotId} ${sha256}`;
    const first = sha256 === '' ? undefined : this.#firstRowOf.get(id);
    if (first !== undefined) cells.fail({ field: 'certificateSha256' }, 'DUPLICATE_INSPECTION', { first });
    else this.#firstRowOf.set(id, cells.row);
    const parsed = cells.errors.length === 0 && inspection !== undefined ? schemas.inspection.safeParse(inspection) : undefined;
    if (parsed !== undefined && !parsed.success)
      for (const issue of parsed.error.issues) cells.fail(undefined, 'SCHEMA', { path: issue.path.join('.'), detail: issue.message });
    if (known && inspection !== undefined && SHA256.test(sha256) && (await this.#present(cells, lotId, inspection)))
      return { row: cells.row, id, lotId, present: true, errors: [] };
    const valid = cells.errors.length === 0 && inspection !== undefined;
    return { row: cells.row, id, lotId, ...(valid ? { inspection } : {}), present: false, errors: cells.errors };
  }
}

async function checkInspections(columns: Columns, sheet: Sheet, caller: Caller): Promise<CheckedInspection[]> {
  const check = new InspectionsCheck(columns, caller);
  await check.prefetch(sheet);
  const checked: CheckedInspection[] = [];
  for (const row of sheet.rows) checked.push(await check.row(row));
  return checked;
}

/** Check an inspections sheet; with `write`, record its valid rows, one transaction each, in file order. */
export async function importInspections(
  columns: Columns,
  sheet: Sheet,
  caller: Caller,
  options: { readonly write: (valid: number, invalid: number) => boolean },
): Promise<ImportResult> {
  const checked = await checkInspections(columns, sheet, caller);
  const errors = checked.flatMap((c) => c.errors);
  const invalid = checked.filter((c) => c.errors.length > 0).length;
  const toWrite = checked.filter((c) => c.inspection !== undefined);
  const rows = new Map<number, RowOutcome>();
  for (const c of checked)
    rows.set(c.row, {
      row: c.row,
      ...(c.id !== undefined ? { id: c.id } : {}),
      status: c.present ? 'present' : c.errors.length > 0 ? 'invalid' : 'valid',
      ...(c.errors.length > 0 ? { errors: c.errors } : {}),
    });
  if (options.write(toWrite.length, invalid)) {
    for (const c of toWrite) {
      const committed = await caller.ledger.recordInspection(c.lotId as string, c.inspection).catch((error: unknown) => {
        throw new ImportWriteError([...rows.values()], error);
      });
      rows.set(c.row, { row: c.row, id: c.id as string, status: 'written', txId: committed.txId, blockNumber: committed.blockNumber });
    }
  }
  return { rows: [...rows.values()], errors };
}
