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
import type { Sheet } from '../spreadsheets/sheets';
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

/** Check every row of a lots sheet. */
async function checkLots(columns: Columns, sheet: Sheet, caller: Caller, cache: LotCache): Promise<CheckedLot[]> {
  // Read every lot the file names (its own ids and its inputs) up front, a few at a time.
  const named: string[] = [];
  const fileIds = new Set<string>();
  for (const row of sheet.rows) {
    const cells = new RowCells(columns, row);
    const id = qualifyLotId(cells.text({ field: 'id' }), caller.mspId);
    named.push(id);
    fileIds.add(id);
    for (const n of columns.groups) named.push(qualifyLotId(cells.text({ field: 'inputLot', group: n }), caller.mspId));
  }
  await cache.prefetch(named.filter(isLotId));

  const firstRowOf = new Map<string, number>();
  const inFile = new Map<string, FileLot>();
  /** Micro-units drawn from each input by the valid rows so far. */
  const drawn = new Map<string, bigint>();
  const checked: CheckedLot[] = [];

  for (const sheetRow of sheet.rows) {
    const cells = new RowCells(columns, sheetRow);
    const idText = cells.text({ field: 'id' });
    const id = qualifyLotId(idText, caller.mspId);
    if (idText === '') cells.fail({ field: 'id' }, 'REQUIRED');
    else if (!isLotId(id)) cells.fail({ field: 'id' }, 'LOT_ID_INVALID', { value: idText });
    else if (!id.startsWith('urn:') && ORG_LOT_ID.exec(id)?.[1] !== caller.mspId)
      cells.fail({ field: 'id' }, 'LOT_ID_FOREIGN', { id, qualifier: ORG_LOT_ID.exec(id)?.[1], msp: caller.mspId });
    const first = firstRowOf.get(id);
    if (idText !== '' && first !== undefined) cells.fail({ field: 'id' }, 'DUPLICATE_ID', { id, first });
    else if (idText !== '') firstRowOf.set(id, cells.row);

    const productCode = cells.code({ field: 'productCode' });
    if (productCode === '') cells.fail({ field: 'productCode' }, 'REQUIRED');
    else if (!/^[A-Za-z0-9._:/-]{1,64}$/.test(productCode)) cells.fail({ field: 'productCode' }, 'PRODUCT_CODE_INVALID', { value: productCode });
    const productName = cells.required({ field: 'productName' }, 200);
    const amount = cells.amount({ field: 'amount' });
    const unit = cells.unit({ field: 'unit' });
    const site = cells.required({ field: 'site' }, 100);
    const line = cells.required({ field: 'line' }, 100);
    const changePoint = cells.optional({ field: 'changePoint' }, 100);

    const inputs: LotInput['inputs'] = [];
    const draws: { id: string; micro: bigint; group: number }[] = [];
    const seenInputs = new Set<string>();
    for (const n of columns.groups) {
      const refs = { lot: { field: 'inputLot', group: n }, amount: { field: 'inputAmount', group: n }, unit: { field: 'inputUnit', group: n } };
      const lotText = cells.text(refs.lot);
      if (lotText === '' && cells.text(refs.amount) === '' && cells.text(refs.unit) === '') continue;
      if (lotText === '') {
        cells.fail(refs.lot, 'REQUIRED');
        continue;
      }
      const inputId = qualifyLotId(lotText, caller.mspId);
      const inputAmount = cells.amount(refs.amount);
      const inputUnit = cells.unit(refs.unit);
      if (!isLotId(inputId)) {
        cells.fail(refs.lot, 'LOT_ID_INVALID', { value: lotText });
        continue;
      }
      if (inputId === id) {
        cells.fail(refs.lot, 'INPUT_SELF', { id });
        continue;
      }
      if (seenInputs.has(inputId)) {
        cells.fail(refs.lot, 'INPUT_REPEATED', { id: inputId });
        continue;
      }
      seenInputs.add(inputId);
      if (inputAmount === undefined || inputUnit === undefined) continue;
      inputs.push({ lotId: inputId, quantity: { amount: inputAmount, unit: inputUnit } });
      draws.push({ id: inputId, micro: micro(inputAmount), group: n });
    }

    // Already on the ledger: identical → present (nothing to write), different → a problem.
    const existing = isLotId(id) ? await cache.get(id) : undefined;
    const candidate: LotInput | undefined =
      productName !== undefined && amount !== undefined && unit !== undefined && site !== undefined && line !== undefined
        ? {
            id,
            product: { code: productCode, name: productName },
            quantity: { amount, unit },
            inputs,
            process: { site, line, ...(changePoint !== undefined ? { changePoint } : {}) },
          }
        : undefined;
    if (existing !== undefined && first === undefined) {
      const identical =
        cells.errors.length === 0 && candidate !== undefined && existing.producer === caller.mspId && essence(existing) === essence(candidate);
      if (identical) {
        inFile.set(id, { row: cells.row, unit: candidate.quantity.unit, valid: true, amount: candidate.quantity.amount });
        checked.push({ row: cells.row, id, present: true, errors: [] });
        continue;
      }
      cells.fail({ field: 'id' }, 'LOT_EXISTS', { id });
    }

    // The inputs, as the chaincode will judge them, counting what the rows above draw too.
    for (const draw of draws) {
      const ref = { field: 'inputLot', group: draw.group };
      const unitRef = { field: 'inputUnit', group: draw.group };
      const input = inputs.find((i) => i.lotId === draw.id);
      const above = inFile.get(draw.id);
      if (above !== undefined) {
        if (!above.valid) cells.fail(ref, 'INPUT_ROW_INVALID', { id: draw.id, inputRow: above.row });
        else if (input !== undefined && input.quantity.unit !== above.unit)
          cells.fail(unitRef, 'UNIT_MISMATCH', { id: draw.id, unit: input.quantity.unit, expected: above.unit });
        else checkRemaining(cells, ref, draw, micro(above.amount), above.unit, drawn);
        continue;
      }
      if (fileIds.has(draw.id)) {
        cells.fail(ref, 'INPUT_BELOW', { id: draw.id });
        continue;
      }
      const parent = await cache.get(draw.id);
      if (parent === undefined) {
        cells.fail(ref, 'INPUT_NOT_FOUND', { id: draw.id });
        continue;
      }
      if (parent.custodian !== caller.mspId) {
        cells.fail(ref, 'INPUT_NOT_IN_CUSTODY', { id: draw.id, custodian: parent.custodian, msp: caller.mspId });
        continue;
      }
      if (parent.affected === true || parent.status === 'on_hold' || parent.status === 'recalled') {
        cells.fail(ref, 'INPUT_UNUSABLE', { id: draw.id, status: parent.status });
        continue;
      }
      if (input !== undefined && input.quantity.unit !== parent.quantity.unit) {
        cells.fail(unitRef, 'UNIT_MISMATCH', { id: draw.id, unit: input.quantity.unit, expected: parent.quantity.unit });
        continue;
      }
      checkRemaining(cells, ref, draw, micro((parent.remaining ?? parent.quantity).amount), parent.quantity.unit, drawn);
    }

    // Last, the domain's own schema: whatever it still refuses is reported as it says.
    if (cells.errors.length === 0 && candidate !== undefined) {
      const parsed = schemas.lot.safeParse(candidate);
      if (!parsed.success) for (const issue of parsed.error.issues) cells.fail(undefined, 'SCHEMA', { path: issue.path.join('.'), detail: issue.message });
    }
    const valid = cells.errors.length === 0 && candidate !== undefined;
    if (valid) for (const draw of draws) drawn.set(draw.id, (drawn.get(draw.id) ?? 0n) + draw.micro);
    if (idText !== '' && !inFile.has(id) && first === undefined)
      inFile.set(id, { row: cells.row, unit: unit ?? '', valid, amount: amount ?? 0 });
    checked.push({
      row: cells.row,
      ...(idText !== '' ? { id } : {}),
      ...(valid ? { lot: candidate } : {}),
      present: false,
      errors: cells.errors,
    });
  }
  return checked;
}

function checkRemaining(
  cells: RowCells,
  ref: { field: string; group: number },
  draw: { id: string; micro: bigint },
  available: bigint,
  unit: string,
  drawn: Map<string, bigint>,
): void {
  const total = (drawn.get(draw.id) ?? 0n) + draw.micro;
  if (total > available)
    cells.fail(ref, 'INSUFFICIENT_QUANTITY', { id: draw.id, total: fromMicro(total), remaining: fromMicro(available), unit });
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
