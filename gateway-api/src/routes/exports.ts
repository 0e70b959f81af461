/**
 * Exports as .xlsx or CSV (UTF-8 with BOM): a trace, a recall report, a lot
 * list and a lot's quality events. One module, one rule: `GET /exports/...`
 * mirrors the route it exports (same parameters), the format is `?format=`
 * or else `Accept` (`.xlsx` by default), and column headers are in the
 * caller's language (`?lang=` or `Accept-Language`). Values are as on the
 * ledger: ids, codes and statuses unchanged, names and reasons exactly as
 * entered, times in ISO 8601 (UTC).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { schemas, type Lot, type QualityEvent } from '@lotline/domain';
import { translator, type Language } from '@lotline/i18n';
import { ApiError } from '../errors';
import type { ApiRouter } from '../http/route';
import { requestLanguage } from '../imports/language';
import { params, queries } from '../schemas';
import {
  CSV_MEDIA_TYPE,
  MEDIA_TYPES,
  SPREADSHEET_FORMATS,
  writeTables,
  XLSX_MEDIA_TYPE,
  type SpreadsheetFormat,
  type Table,
} from '../spreadsheets/sheets';
import type { ReadModelService } from '../read-model';
import { wholeRecallReport } from './recalls';

const common = {
  format: z.enum(SPREADSHEET_FORMATS).optional().describe('`xlsx` or `csv`; overrides `Accept` (default: xlsx)'),
  lang: z.enum(['en', 'ja']).optional().describe('language of the column headers; overrides `Accept-Language`'),
};

/** Lots of a lot list, at most this many per export. */
export const LOT_LIST_MAX = 500;

const lotListQuery = z.strictObject({
  ...common,
  id: z
    .union([schemas.lotId, z.array(schemas.lotId).min(1).max(LOT_LIST_MAX)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .describe(`the lots of the list: \`?id=<lot>&id=<lot>...\` (1..${LOT_LIST_MAX}), each read now`),
});

function negotiate(req: Request, format: SpreadsheetFormat | undefined): SpreadsheetFormat {
  if (format !== undefined) return format;
  const accepted = req.accepts([XLSX_MEDIA_TYPE, CSV_MEDIA_TYPE]);
  if (accepted === XLSX_MEDIA_TYPE) return 'xlsx';
  if (accepted === CSV_MEDIA_TYPE) return 'csv';
  throw new ApiError({
    status: 406,
    code: 'NOT_ACCEPTABLE',
    title: 'Not acceptable',
    detail: `an export is ${XLSX_MEDIA_TYPE} or ${CSV_MEDIA_TYPE}: accept one of them, or pass ?format=xlsx|csv`,
  });
}

function fileName(base: string): string {
  return base.replace(/[^A-Za-z0-9._-]+/g, '_');
}

async function send(res: Response, tables: readonly Table[], format: SpreadsheetFormat, base: string, language: Language): Promise<void> {
  res
    .status(200)
    .type(MEDIA_TYPES[format])
    .set('Content-Disposition', `attachment; filename="${fileName(base)}.${format}"`)
    .set('Content-Language', language)
    .set('Vary', 'Accept, Accept-Language')
    .send(await writeTables(tables, format));
}

/** The column list of a table, headed in a language. */
function columns(language: Language, keys: readonly string[]): Table['columns'] {
  const t = translator(language, 'import');
  return keys.map((key) => ({ key, header: t(`export.columns.${key}`), width: key === 'productName' || key === 'reason' ? 32 : 18 }));
}

function sheet(language: Language, name: string): string {
  return translator(language, 'import')(`export.sheets.${name}`);
}

function lotRow(lot: Lot): Record<string, string | number | boolean> {
  return {
    lotId: lot.id,
    productCode: lot.product.code,
    productName: lot.product.name,
    amount: lot.quantity.amount,
    unit: lot.quantity.unit,
    remaining: (lot.remaining ?? lot.quantity).amount,
    producer: lot.producer,
    custodian: lot.custodian,
    status: lot.status,
    affected: lot.affected === true,
    latestVerdict: lot.latestInspection?.verdict ?? '',
    createdAt: lot.createdAt,
  };
}

function eventRow(event: QualityEvent): Record<string, string> {
  return {
    eventId: event.eventId,
    type: event.type,
    recordedAt: event.recordedAt,
    recordedBy: event.recordedBy.msp,
    role: event.recordedBy.role ?? '',
    verdict: event.verdict ?? '',
    certificateSha256: event.certificate?.sha256 ?? '',
    certificateUri: event.certificate?.uri ?? '',
    notes: event.notes ?? event.description ?? '',
    reason: event.reason ?? '',
    holdId: event.holdId ?? '',
    recallId: event.recallId ?? '',
    measurements: (event.measurements ?? []).map((m) => `${m.characteristic}=${m.value} ${m.unit} [${m.lower}..${m.upper}]`).join('; '),
  };
}

/** Register the export routes. */
export function exportRoutes(api: ApiRouter, reads?: ReadModelService): void {
  const described = (what: string): string =>
    `${what} as .xlsx (\`?format=xlsx\` or \`Accept: ${XLSX_MEDIA_TYPE}\`, the default) or CSV (\`?format=csv\` or \`Accept: text/csv\`; UTF-8 with BOM, the first sheet only). Column headers in \`?lang=\` / \`Accept-Language\` (ja, en).`;

  api.route(
    {
      method: 'get',
      path: '/exports/lots/:id/trace',
      operationId: 'exportTrace',
      tag: 'exports',
      summary: 'Export a trace',
      description: described('The trace of `GET /lots/:id/trace` (same parameters): a sheet of lots and, in .xlsx, a sheet of edges,'),
      params: params.lot,
      query: queries.trace.extend(common),
      success: { status: 200, description: 'the trace as a spreadsheet', contentType: XLSX_MEDIA_TYPE },
      errors: [400, 404, 406, 409],
    },
    async ({ req, res, params: p, query, caller }) => {
      const format = negotiate(req, query.format);
      const language = requestLanguage(req, query.lang);
      const trace = await caller.ledger.traceLot(p.id, query.direction, query.depth, query.maxNodes);
      const lots: Table = {
        name: sheet(language, 'trace'),
        columns: columns(language, [
          'lotId',
          'productCode',
          'productName',
          'amount',
          'unit',
          'producer',
          'custodian',
          'status',
          'latestVerdict',
          'affected',
          'depth',
        ]),
        rows: trace.nodes.map((n) => ({
          lotId: n.id,
          productCode: n.product.code,
          productName: n.product.name,
          amount: n.quantity.amount,
          unit: n.quantity.unit,
          producer: n.producer,
          custodian: n.custodian,
          status: n.status,
          latestVerdict: n.latestVerdict ?? '',
          affected: n.affected,
          depth: n.depth,
        })),
      };
      const edges: Table = {
        name: sheet(language, 'edges'),
        columns: columns(language, ['from', 'to', 'amount', 'unit']),
        rows: trace.edges.map((e) => ({ from: e.from, to: e.to, amount: e.quantity.amount, unit: e.quantity.unit })),
      };
      await send(res, [lots, edges], format, `trace-${query.direction}-${p.id}`, language);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/exports/recalls/:id',
      operationId: 'exportRecall',
      tag: 'exports',
      summary: 'Export a recall report',
      description: described(
        "The complete report of the recall from the read model (every affected lot at any depth; `?source=ledger`: the chaincode's, within `maxDepth`/`maxNodes`), one row per affected lot with the recall on every row,",
      ),
      params: params.recall,
      query: queries.recall.extend(common),
      success: { status: 200, description: 'the recall report as a spreadsheet', contentType: XLSX_MEDIA_TYPE },
      errors: [400, 404, 406],
    },
    async ({ req, res, params: p, query, caller }) => {
      const format = negotiate(req, query.format);
      const language = requestLanguage(req, query.lang);
      const report = await wholeRecallReport(caller, p.id, reads, query);
      const table: Table = {
        name: sheet(language, 'recall'),
        columns: columns(language, ['recallId', 'sourceLotId', 'reason', 'lotId', 'custodian', 'producer', 'status', 'depth']),
        rows: report.affected.map((a) => ({
          recallId: report.recallId,
          sourceLotId: report.sourceLotId,
          reason: report.reason,
          lotId: a.lotId,
          custodian: a.custodian,
          producer: a.producer,
          status: a.status,
          depth: a.depth,
        })),
      };
      await send(res, [table], format, `recall-${report.recallId}`, language);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/exports/lots',
      operationId: 'exportLots',
      tag: 'exports',
      summary: 'Export a lot list',
      description: described(
        'The lots named by `?id=` (the ledger keeps no list of all lots: a list is the lots you name, e.g. an import or a trace), each read now with its remaining quantity, custodian and status,',
      ),
      query: lotListQuery,
      success: { status: 200, description: 'the lots as a spreadsheet', contentType: XLSX_MEDIA_TYPE },
      errors: [400, 404, 406],
    },
    async ({ req, res, query, caller }) => {
      const format = negotiate(req, query.format);
      const language = requestLanguage(req, query.lang);
      const ids = [...new Set(query.id)];
      const lots: Lot[] = [];
      for (let i = 0; i < ids.length; i += 16)
        lots.push(...(await Promise.all(ids.slice(i, i + 16).map((id) => caller.ledger.readLot(id)))));
      const table: Table = {
        name: sheet(language, 'lots'),
        columns: columns(language, [
          'lotId',
          'productCode',
          'productName',
          'amount',
          'unit',
          'remaining',
          'producer',
          'custodian',
          'status',
          'affected',
          'latestVerdict',
          'createdAt',
        ]),
        rows: lots.map(lotRow),
      };
      await send(res, [table], format, 'lots', language);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/exports/lots/:id/quality-events',
      operationId: 'exportQualityEvents',
      tag: 'exports',
      summary: "Export a lot's quality events",
      description: described('Every quality event of the lot (all pages of `GET /lots/:id/quality-events`), oldest first,'),
      params: params.lot,
      query: z.strictObject(common),
      success: { status: 200, description: 'the quality events as a spreadsheet', contentType: XLSX_MEDIA_TYPE },
      errors: [400, 404, 406],
    },
    async ({ req, res, params: p, query, caller }) => {
      const format = negotiate(req, query.format);
      const language = requestLanguage(req, query.lang);
      const events: QualityEvent[] = [];
      let bookmark = '';
      do {
        const page = await caller.ledger.listQualityEvents(p.id, { limit: 1000, bookmark });
        events.push(...page.events);
        bookmark = page.bookmark;
      } while (bookmark !== '');
      const table: Table = {
        name: sheet(language, 'qualityEvents'),
        columns: columns(language, [
          'eventId',
          'type',
          'recordedAt',
          'recordedBy',
          'role',
          'verdict',
          'certificateSha256',
          'certificateUri',
          'notes',
          'reason',
          'holdId',
          'recallId',
          'measurements',
        ]),
        rows: events.map(eventRow),
      };
      await send(res, [table], format, `quality-events-${p.id}`, language);
    },
  );
}
