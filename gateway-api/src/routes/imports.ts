/**
 * Spreadsheet imports: the templates (`GET /templates/lots.xlsx`,
 * `GET /templates/inspections.xlsx`) and one endpoint per kind
 * (`POST /imports/lots`, `POST /imports/inspections`) that takes the filled
 * template as the raw request body (.xlsx or CSV), checks every row, and
 * writes through the ledger client (the chaincode decides again). Any invalid
 * row: 422 problem+json listing every problem by row and column, in the
 * caller's language, and nothing written — unless `?partial=true`, which
 * writes the valid rows and reports which, with their transaction ids.
 */
import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { translator, type Language } from '@lotline/i18n';
import { ApiError } from '../errors';
import type { ApiRouter, Caller } from '../http/route';
import { asApiError } from '../http/problems';
import { IMPORT_KINDS, templateColumns, type ImportKind } from '../imports/columns';
import { importInspections } from '../imports/inspections';
import { requestLanguage } from '../imports/language';
import { importLots, ImportWriteError, type ImportResult } from '../imports/lots';
import { Columns } from '../imports/rows';
import {
  CSV_MEDIA_TYPE,
  readSheet,
  UnreadableSheetError,
  writeTables,
  XLSX_MEDIA_TYPE,
  type SpreadsheetFormat,
} from '../spreadsheets/sheets';

/** Largest uploaded file. */
export const IMPORT_BODY_LIMIT = '8mb';

const UPLOAD_TYPES = [XLSX_MEDIA_TYPE, CSV_MEDIA_TYPE, 'application/csv', 'application/octet-stream'];

/** The raw body parser of the import routes (mounted before the JSON parser). */
export function importBody(): RequestHandler {
  return express.raw({ type: UPLOAD_TYPES, limit: IMPORT_BODY_LIMIT });
}

const languageQuery = z.enum(['en', 'ja']).optional().describe('`ja` or `en`; overrides `Accept-Language`');

const templateQuery = z.strictObject({ lang: languageQuery });
const importQuery = z.strictObject({
  partial: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('`true`: write the valid rows even when others are invalid (the report says which rows were written)'),
  lang: languageQuery,
});

/** The format of an upload, from its media type (or its first bytes for application/octet-stream). */
function formatOf(req: Request, t: ReturnType<typeof translator>): { format: SpreadsheetFormat; bytes: Buffer } {
  const bytes = req.body as unknown;
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
    throw new ApiError({
      status: req.get('content-type') === undefined || req.is(UPLOAD_TYPES) ? 400 : 415,
      code: req.get('content-type') === undefined || req.is(UPLOAD_TYPES) ? 'INVALID_BODY' : 'UNSUPPORTED_MEDIA_TYPE',
      title: t('report.uploadTitle'),
      detail: t('report.uploadDetail', { xlsx: XLSX_MEDIA_TYPE, csv: CSV_MEDIA_TYPE }),
    });
  }
  if (req.is(XLSX_MEDIA_TYPE)) return { format: 'xlsx', bytes };
  if (req.is([CSV_MEDIA_TYPE, 'application/csv'])) return { format: 'csv', bytes };
  return { format: bytes.readUInt32LE(0) === 0x04034b50 ? 'xlsx' : 'csv', bytes };
}

/** A failure while writing (the ledger refused a row after the checks): its problem, with the rows written before it. */
function writeFailure(error: unknown, result: Partial<ImportResult>, t: ReturnType<typeof translator>): ApiError {
  const cause = asApiError(error);
  return new ApiError({
    status: cause.status,
    code: cause.code,
    title: cause.title,
    detail: t('report.writeFailed', { detail: cause.message }),
    extensions: { ...cause.extensions, rows: result.rows ?? [] },
    ...(cause.retryAfterSeconds !== undefined ? { retryAfterSeconds: cause.retryAfterSeconds } : {}),
    cause: error,
  });
}

async function runImport(
  kind: ImportKind,
  req: Request,
  caller: Caller,
  partial: boolean,
  language: Language,
): Promise<Record<string, unknown>> {
  const t = translator(language, 'import');
  const { format, bytes } = formatOf(req, t);
  let sheet;
  try {
    sheet = await readSheet(bytes, format);
  } catch (error) {
    if (!(error instanceof UnreadableSheetError)) throw error;
    throw new ApiError({
      status: 400,
      code: 'INVALID_BODY',
      title: t('report.unreadableTitle'),
      detail: t(format === 'xlsx' ? 'report.unreadableXlsx' : 'report.unreadableCsv'),
      cause: error,
    });
  }
  const columns = new Columns(kind, sheet, language);
  const invalidFile = (errors: readonly object[]): ApiError =>
    new ApiError({
      status: 422,
      code: 'IMPORT_INVALID',
      title: t('report.invalidTitle'),
      detail: t('report.invalidFile'),
      extensions: { errors, rows: [] },
    });
  if (columns.errors.length > 0) throw invalidFile([...columns.errors]);
  if (sheet.rows.length === 0) throw invalidFile([{ row: 2, code: 'NO_ROWS', message: t('errors.NO_ROWS') }]);

  const write = (valid: number, invalid: number): boolean => valid > 0 && (invalid === 0 || partial);
  let result: ImportResult;
  try {
    result = await (kind === 'lots' ? importLots : importInspections)(columns, sheet, caller, { write });
  } catch (error) {
    if (error instanceof ImportWriteError) throw writeFailure(error.cause, { rows: error.rows }, t);
    throw error;
  }
  const count = (status: string): number => result.rows.filter((r) => r.status === status).length;
  const summary = { total: result.rows.length, written: count('written'), present: count('present'), invalid: count('invalid') };
  // Invalid rows refuse the import, unless partial=true wrote (or found) the others.
  if (summary.invalid > 0 && (!partial || summary.written + summary.present === 0))
    throw new ApiError({
      status: 422,
      code: 'IMPORT_INVALID',
      title: t('report.invalidTitle'),
      detail: t(partial ? 'report.invalidPartialNothing' : 'report.invalidDetail', { invalid: summary.invalid, total: summary.total }),
      extensions: { errors: result.errors, rows: result.rows },
    });
  return {
    kind,
    ...summary,
    message: t('report.done', summary),
    txIds: [...new Set(result.rows.flatMap((r) => (r.txId !== undefined ? [r.txId] : [])))],
    rows: result.rows,
    errors: result.errors,
  };
}

const ROLES: Record<ImportKind, readonly ('admin' | 'quality_manager' | 'inspector')[]> = {
  lots: ['admin', 'quality_manager', 'inspector'],
  inspections: ['inspector'],
};

/** Register the template and import routes. */
export function importRoutes(api: ApiRouter): void {
  for (const kind of IMPORT_KINDS) {
    api.route(
      {
        method: 'get',
        path: `/templates/${kind}.xlsx`,
        operationId: kind === 'lots' ? 'lotsTemplate' : 'inspectionsTemplate',
        tag: 'imports',
        summary: `Download the ${kind} import template`,
        description:
          `The .xlsx template of \`POST /imports/${kind}\`: a header row in Japanese or English (\`?lang=\`, else \`Accept-Language\`; ` +
          'either language is accepted on import), a note on each header saying what to enter, three numbered ' +
          (kind === 'lots' ? 'input' : 'measurement') +
          ' column groups (add more with the next numbers), and an instructions sheet.',
        query: templateQuery,
        success: { status: 200, description: 'the template', contentType: XLSX_MEDIA_TYPE },
        errors: [400],
      },
      async ({ req, res, query }) => {
        const language = requestLanguage(req, query.lang);
        const t = translator(language, 'import');
        const columns = templateColumns(kind, language);
        const body = await writeTables(
          [
            { name: t(`template.${kind}Sheet`), columns, rows: [] },
            {
              name: t('template.instructionsSheet'),
              columns: [
                { key: 'column', header: t('template.column'), width: 28 },
                { key: 'what', header: t('template.what'), width: 90 },
              ],
              rows: [{ column: '', what: t(`template.${kind}Intro`) }, ...columns.map((c) => ({ column: c.header, what: c.note ?? '' }))],
            },
          ],
          'xlsx',
        );
        res
          .status(200)
          .type(XLSX_MEDIA_TYPE)
          .set('Content-Disposition', `attachment; filename="lotline-${kind}-template-${language}.xlsx"`)
          .set('Content-Language', language)
          .send(body);
      },
    );

    api.route(
      {
        method: 'post',
        path: `/imports/${kind}`,
        operationId: kind === 'lots' ? 'importLots' : 'importInspections',
        tag: 'imports',
        summary: `Import ${kind} from a spreadsheet`,
        description:
          `The filled template of \`GET /templates/${kind}.xlsx\` (or the same columns as CSV, UTF-8) as the raw body ` +
          `(\`Content-Type: ${XLSX_MEDIA_TYPE}\` or \`text/csv\`; \`application/octet-stream\` is sniffed), at most ${IMPORT_BODY_LIMIT}. ` +
          'Every row is checked first; any problem answers 422 `IMPORT_INVALID` with `errors: [{row, column, header, field, code, message}]` ' +
          '(messages in the `Accept-Language` language) and `rows`, and nothing is written, unless `?partial=true`. ' +
          (kind === 'lots'
            ? 'Valid lots are written with ImportLots (one transaction per 500 lots, in file order: a row may consume a lot of a row above). '
            : 'Each valid inspection is one RecordInspection transaction, in file order. ') +
          'Rows already on the ledger identically are reported `present` and not written again. 200: `{kind, total, written, present, invalid, txIds, rows: [{row, id, status, txId?, blockNumber?, errors?}], errors}`.',
        query: importQuery,
        rawBody: {
          contentTypes: [XLSX_MEDIA_TYPE, CSV_MEDIA_TYPE],
          schema: { type: 'string', format: 'binary' },
        },
        roles: ROLES[kind],
        success: { status: 200, description: 'the import report' },
        errors: [400, 403, 409, 413, 415, 422],
      },
      async ({ req, res, query, caller }) => {
        const language = requestLanguage(req, query.lang);
        const report = await runImport(kind, req, caller, query.partial, language);
        res.status(200).set('Content-Language', language).json(report);
      },
    );
  }
}
