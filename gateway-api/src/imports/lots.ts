/**
 * Importing lots, with their inputs, from a sheet: every row is checked first
 * (the domain's lot schema and quantity rules, and what the chaincode will
 * require of the inputs: they exist, are in the caller's custody, are not on
 * hold or recalled, use the same unit, and have enough left for every row of
 * the file that draws on them), then the valid rows are written with the
 * chaincode's `ImportLots` (up to 500 lots per transaction, in file order, so
 * a row may consume a lot created by a row above it). A row whose lot is on
 * the ledger already, identically, is reported as present and not written
 * again: importing the same file twice creates nothing the second time.
 */
import { canonicalJson, fromMicro, LIMITS, ORG_LOT_ID, schemas, toMicro, type Lot, type LotInput } from '@lotline/domain';
import { LedgerError, type LotLedger } from '@lotline/ledger-client';
import type { Caller } from '../http/route';
import type { Sheet, SheetRow } from '../spreadsheets/sheets';
import type { Columns, ImportError } from './rows';
import { RowCells } from './rows';

/** What became of one row. */
export interface RowOutcome {
  readonly row: number;
  /** The lot id (lots) or `<lot id> <certificate SHA-256>` (inspections) the row is about, when readable. */
  readonly id?: string;
  readonly status: 'valid' | 'present' | 'invalid' | 'written';
  readonly txId?: string;
  readonly blockNumber?: number;
  readonly errors?: readonly ImportError[];
}

/** A checked row: what it would write, or its problems. */
interface CheckedLot {
  readonly row: number;
  readonly id?: string;
  readonly lot?: LotInput;
  readonly present: boolean;
  readonly errors: ImportError[];
}

function isNotFound(error: unknown): boolean {
  return error instanceof LedgerError && error.chaincodeCode === 'LOT_NOT_FOUND';
}

/** Reads lots once per import (a lot may be named by many rows). */
export class LotCache {
  readonly #lots = new Map<string, Promise<Lot | undefined>>();
  constructor(readonly ledger: LotLedger) {}

  get(id: string): Promise<Lot | undefined> {
    let lot = this.#lots.get(id);
    if (lot === undefined) {
      lot = this.ledger.readLot(id).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      this.#lots.set(id, lot);
    }
    return lot;
  }

  /** Read many lots, a few at a time. */
  async prefetch(ids: Iterable<string>): Promise<void> {
    const all = [...new Set(ids)];
    for (let i = 0; i < all.length; i += 16) await Promise.all(all.slice(i, i + 16).map((id) => this.get(id)));
  }
}

/** A lot id as typed: a local id is qualified with the caller's MSP ID (`LOT-1` → `PartsCoMSP:LOT-1`). */
export function qualifyLotId(text: string, mspId: string): string {
  const id = text.normalize('NFKC').trim();
  if (id === '' || id.startsWith('urn:') || id.includes(':')) return id;
  return `${mspId}:${id}`;
}

function isLotId(id: string): boolean {
  return schemas.lotId.safeParse(id).success;
}

/** The part of a lot that a row determines, to compare a row with the lot on the ledger. */
function essence(lot: LotInput | Lot): string {
  return canonicalJson({
    product: lot.product,
    quantity: lot.quantity,
    inputs: lot.inputs.map((i) => ({ lotId: i.lotId, quantity: i.quantity })),
    process: lot.process,
    attributes: lot.attributes ?? {},
  });
}

/** A lot created by a row above, as an input of later rows. */
interface FileLot {
  readonly row: number;
  readonly unit: string;
  readonly valid: boolean;
  readonly amount: number;
}

/** Exact micro-units, as the chaincode counts them (domain `toMicro`); amounts here are already checked. */
const micro = (amount: number): bigint => toMicro(amount);

/** One input of a row: what it draws, and its group's columns. */
interface Draw {
  readonly id: string;
  readonly micro: bigint;
  readonly unit: string;
  readonly group: number;
}

const PRODUCT_CODE = /^[A-Za-z0-9._:/-]{1,64}$/;

/** The checks of one lots sheet, row by row, remembering what the rows above create and draw. */
class LotsCheck {
  /** Every id of the file (to tell "created below" from "not found"). */
  readonly #fileIds = new Set<string>();
  readonly #firstRowOf = new Map<string, number>();
  readonly #inFile = new Map<string, FileLot>();
  /** Micro-units drawn from each input by the valid rows so far. */
  readonly #drawn = new Map<string, bigint>();

  constructor(
    readonly columns: Columns,
    readonly caller: Caller,
    readonly cache: LotCache,
  ) {}

  /** Read every lot the file names (its own ids and its inputs) up front, a few at a time. */
  async prefetch(sheet: Sheet): Promise<void> {
    const named: string[] = [];
    for (const row of sheet.rows) {
      const cells = new RowCells(this.columns, row);
      const id = qualifyLotId(cells.text({ field: 'id' }), this.caller.mspId);
      named.push(id);
      this.#fileIds.add(id);
      for (const n of this.columns.groups) named.push(qualifyLotId(cells.text({ field: 'inputLot', group: n }), this.caller.mspId));
    }
    await this.cache.prefetch(named.filter(isLotId));
  }

  /** The row's lot id: well-formed, the caller's own, once per file. */
  #id(cells: RowCells): { id: string; text: string; first: number | undefined } {
    const text = cells.text({ field: 'id' });
    const id = qualifyLotId(text, this.caller.mspId);
    const qualifier = ORG_LOT_ID.exec(id)?.[1];
    if (text === '') cells.fail({ field: 'id' }, 'REQUIRED');
    else if (!isLotId(id)) cells.fail({ field: 'id' }, 'LOT_ID_INVALID', { value: text });
    else if (!id.startsWith('urn:') && qualifier !== this.caller.mspId)
      cells.fail({ field: 'id' }, 'LOT_ID_FOREIGN', { id, qualifier, msp: this.caller.mspId });
    const first = text === '' ? undefined : this.#firstRowOf.get(id);
    if (first !== undefined) cells.fail({ field: 'id' }, 'DUPLICATE_ID', { id, first });
    else if (text !== '') this.#firstRowOf.set(id, cells.row);
    return { id, text, first };
  }

  /** The row's own fields, as the domain's lot (without inputs), or undefined when one is missing. */
  #fields(cells: RowCells, id: string): Omit<LotInput, 'inputs'> | undefined {
    const code = cells.code({ field: 'productCode' });
    if (code === '') cells.fail({ field: 'productCode' }, 'REQUIRED');
    else if (!PRODUCT_CODE.test(code)) cells.fail({ field: 'productCode' }, 'PRODUCT_CODE_INVALID', { value: code });
    const name = cells.required({ field: 'productName' }, 200);
    const amount = cells.amount({ field: 'amount' });
    const unit = cells.unit({ field: 'unit' });
    const site = cells.required({ field: 'site' }, 100);
    const line = cells.required({ field: 'line' }, 100);
    const changePoint = cells.optional({ field: 'changePoint' }, 100);
    if (name === undefined || amount === undefined || unit === undefined || site === undefined || line === undefined) return undefined;
    return {
      id,
      product: { code, name },
      quantity: { amount, unit },
      process: { site, line, ...(changePoint !== undefined ? { changePoint } : {}) },
    };
  }

  /** One input group of the row, or undefined when it is empty or has a problem. */
  #input(cells: RowCells, id: string, n: number, seen: Set<string>): Draw | undefined {
    const refs = {
      lot: { field: 'inputLot', group: n },
      amount: { field: 'inputAmount', group: n },
      unit: { field: 'inputUnit', group: n },
    };
    const text = cells.text(refs.lot);
    if (text === '' && cells.text(refs.amount) === '' && cells.text(refs.unit) === '') return undefined;
    if (text === '') return cells.fail(refs.lot, 'REQUIRED');
    const inputId = qualifyLotId(text, this.caller.mspId);
    const amount = cells.amount(refs.amount);
    const unit = cells.unit(refs.unit);
    if (!isLotId(inputId)) return cells.fail(refs.lot, 'LOT_ID_INVALID', { value: text });
    if (inputId === id) return cells.fail(refs.lot, 'INPUT_SELF', { id });
    if (seen.has(inputId)) return cells.fail(refs.lot, 'INPUT_REPEATED', { id: inputId });
    seen.add(inputId);
    if (amount === undefined || unit === undefined) return undefined;
    return { id: inputId, micro: micro(amount), unit, group: n };
  }

  /** An input as the chaincode will judge it: a lot of a row above, or on the ledger in the caller's custody, usable, same unit, enough left. */
  async #judge(cells: RowCells, draw: Draw): Promise<void> {
    const ref = { field: 'inputLot', group: draw.group };
    const unitRef = { field: 'inputUnit', group: draw.group };
    const above = this.#inFile.get(draw.id);
    if (above !== undefined) {
      if (!above.valid) cells.fail(ref, 'INPUT_ROW_INVALID', { id: draw.id, inputRow: above.row });
      else if (draw.unit !== above.unit) cells.fail(unitRef, 'UNIT_MISMATCH', { id: draw.id, unit: draw.unit, expected: above.unit });
      else this.#remaining(cells, ref, draw, micro(above.amount), above.unit);
      return;
    }
    if (this.#fileIds.has(draw.id)) {
      cells.fail(ref, 'INPUT_BELOW', { id: draw.id });
      return;
    }
    const parent = await this.cache.get(draw.id);
    if (parent === undefined) cells.fail(ref, 'INPUT_NOT_FOUND', { id: draw.id });
    else if (parent.custodian !== this.caller.mspId)
      cells.fail(ref, 'INPUT_NOT_IN_CUSTODY', { id: draw.id, custodian: parent.custodian, msp: this.caller.mspId });
    else if (parent.affected === true || parent.status === 'on_hold' || parent.status === 'recalled')
      cells.fail(ref, 'INPUT_UNUSABLE', { id: draw.id, status: parent.status });
    else if (draw.unit !== parent.quantity.unit)
      cells.fail(unitRef, 'UNIT_MISMATCH', { id: draw.id, unit: draw.unit, expected: parent.quantity.unit });
    else this.#remaining(cells, ref, draw, micro((parent.remaining ?? parent.quantity).amount), parent.quantity.unit);
  }

  #remaining(cells: RowCells, ref: { field: string; group: number }, draw: Draw, available: bigint, unit: string): void {
    const total = (this.#drawn.get(draw.id) ?? 0n) + draw.micro;
    if (total > available)
      cells.fail(ref, 'INSUFFICIENT_QUANTITY', { id: draw.id, total: fromMicro(total), remaining: fromMicro(available), unit });
  }

  /** Whether the row's lot is on the ledger already, identically (present); a different lot under its id is a problem. */
  async #present(cells: RowCells, id: string, first: number | undefined, candidate: LotInput | undefined): Promise<boolean> {
    const existing = first === undefined && isLotId(id) ? await this.cache.get(id) : undefined;
    if (existing === undefined) return false;
    const identical =
      cells.errors.length === 0 &&
      candidate !== undefined &&
      existing.producer === this.caller.mspId &&
      essence(existing) === essence(candidate);
    if (identical) {
      this.#inFile.set(id, { row: cells.row, unit: candidate.quantity.unit, valid: true, amount: candidate.quantity.amount });
      return true;
    }
    cells.fail({ field: 'id' }, 'LOT_EXISTS', { id });
    return false;
  }

  /** The domain's own schema, last: whatever it still refuses is reported as it says. */
  #schema(cells: RowCells, candidate: LotInput | undefined): boolean {
    if (cells.errors.length > 0 || candidate === undefined) return false;
    const parsed = schemas.lot.safeParse(candidate);
    if (!parsed.success)
      for (const issue of parsed.error.issues) cells.fail(undefined, 'SCHEMA', { path: issue.path.join('.'), detail: issue.message });
    return parsed.success;
  }

  /** Check one row. */
  async row(sheetRow: SheetRow): Promise<CheckedLot> {
    const cells = new RowCells(this.columns, sheetRow);
    const { id, text, first } = this.#id(cells);
    const fields = this.#fields(cells, id);
    const seen = new Set<string>();
    const draws = this.columns.groups.flatMap((n) => this.#input(cells, id, n, seen) ?? []);
    const inputs = draws.map((d) => ({ lotId: d.id, quantity: { amount: fromMicro(d.micro), unit: d.unit } }));
    const candidate: LotInput | undefined = fields === undefined ? undefined : { ...fields, inputs };
    if (await this.#present(cells, id, first, candidate)) return { row: cells.row, id, present: true, errors: [] };
    for (const draw of draws) await this.#judge(cells, draw);
    const valid = this.#schema(cells, candidate);
    if (valid) for (const draw of draws) this.#drawn.set(draw.id, (this.#drawn.get(draw.id) ?? 0n) + draw.micro);
    if (text !== '' && first === undefined && !this.#inFile.has(id))
      this.#inFile.set(id, { row: cells.row, unit: fields?.quantity.unit ?? '', valid, amount: fields?.quantity.amount ?? 0 });
    return { row: cells.row, ...(text !== '' ? { id } : {}), ...(valid ? { lot: candidate } : {}), present: false, errors: cells.errors };
  }
}

/** Check every row of a lots sheet, in order. */
async function checkLots(columns: Columns, sheet: Sheet, caller: Caller, cache: LotCache): Promise<CheckedLot[]> {
  const check = new LotsCheck(columns, caller, cache);
  await check.prefetch(sheet);
  const checked: CheckedLot[] = [];
  for (const row of sheet.rows) checked.push(await check.row(row));
  return checked;
}

/** The ledger refused a write after the checks passed (its state changed meanwhile): the rows as they stand, and why. */
export class ImportWriteError extends Error {
  constructor(
    readonly rows: RowOutcome[],
    cause: unknown,
  ) {
    super('an import write failed', { cause });
    this.name = 'ImportWriteError';
  }
}

/** The outcome of an import: every row, and the errors of the invalid ones. */
export interface ImportResult {
  readonly rows: RowOutcome[];
  readonly errors: ImportError[];
}

/** Check a lots sheet; with `write`, write its valid rows (all of them, or none when any is invalid and not `partial`). */
export async function importLots(
  columns: Columns,
  sheet: Sheet,
  caller: Caller,
  options: { readonly write: (valid: number, invalid: number) => boolean },
): Promise<ImportResult> {
  const checked = await checkLots(columns, sheet, caller, new LotCache(caller.ledger));
  const errors = checked.flatMap((c) => c.errors);
  const invalid = checked.filter((c) => c.errors.length > 0).length;
  const toWrite = checked.filter((c) => c.lot !== undefined);
  const rows = new Map<number, RowOutcome>();
  for (const c of checked)
    rows.set(c.row, {
      row: c.row,
      ...(c.id !== undefined ? { id: c.id } : {}),
      status: c.present ? 'present' : c.errors.length > 0 ? 'invalid' : 'valid',
      ...(c.errors.length > 0 ? { errors: c.errors } : {}),
    });
  if (options.write(toWrite.length, invalid)) {
    for (let i = 0; i < toWrite.length; i += LIMITS.batchLots) {
      const batch = toWrite.slice(i, i + LIMITS.batchLots);
      const committed = await caller.ledger.importLots(batch.map((c) => c.lot as LotInput)).catch((error: unknown) => {
        throw new ImportWriteError([...rows.values()], error);
      });
      for (const c of batch)
        rows.set(c.row, { row: c.row, id: c.id as string, status: 'written', txId: committed.txId, blockNumber: committed.blockNumber });
    }
  }
  return { rows: [...rows.values()], errors };
}
