/**
 * Spreadsheets and printed notices from the CLI, through the same API
 * endpoints as the explorer:
 *   lotline import <file> [--kind lots|inspections] [--partial]
 *   lotline template <lots|inspections> -o <file.xlsx>
 *   lotline export <trace|recall|lots|quality-events> <id...> [--format xlsx|csv] -o <file>
 *   lotline recall notices <recallId> [--holder <MSP>] -o <file>
 * Messages follow LANG (or LOTLINE_LANG): the API writes the import report
 * in that language (Accept-Language).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { languageFromEnvironment, translator } from '@lotline/i18n';
import { ApiError, type ImportKind, type ImportProblem, type ImportReport } from '../../api-client';
import { CliContext } from '../context';
import { UsageError } from '../exit-codes';

function readUpload(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** .xlsx by its zip signature or name, else CSV. */
function formatOf(file: string, bytes: Buffer): 'xlsx' | 'csv' {
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return 'xlsx';
  return path.extname(file).toLowerCase() === '.xlsx' ? 'xlsx' : 'csv';
}

function problemLines(problems: readonly ImportProblem[]): string[] {
  const t = translator(languageFromEnvironment(), 'import');
  return [
    t('cli.problems', { count: problems.length }),
    ...problems.map((p) => t('cli.problem', { row: p.row, column: p.column !== undefined ? ` ${p.column}` : '', message: p.message })),
  ];
}

function reportLines(report: ImportReport): string[] {
  const t = translator(languageFromEnvironment(), 'import');
  return [
    report.message,
    ...report.rows.map((r) =>
      t('cli.row', { row: r.row, status: r.status, id: r.id ?? '', tx: r.txId !== undefined ? ` (tx ${r.txId})` : '' }),
    ),
    ...(report.errors.length > 0 ? problemLines(report.errors) : []),
  ];
}

function save(ctx: CliContext, output: string, blob: Blob, bytes: Uint8Array): void {
  writeFileSync(output, bytes);
  ctx.print({ file: output, bytes: bytes.length, type: blob.type }, () => `wrote ${output} (${bytes.length} bytes)`);
}

/** Registers `import`, `template`, `export` and `recall notices` (the last under the existing `recalls` group when there is one). */
export function registerSpreadsheets(program: Command): void {
  program
    .command('import <file>')
    .description('import lots (with their inputs) or inspection results from a filled template (.xlsx or CSV); every row is checked first')
    .addOption(new Option('--kind <kind>', 'what the file holds').choices(['lots', 'inspections']).default('lots'))
    .option('--partial', 'write the valid rows even when others have problems')
    .action(async (file: string, o: { kind: ImportKind; partial?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const bytes = readUpload(file);
      const language = languageFromEnvironment();
      if (!ctx.json)
        process.stderr.write(`${translator(language, 'import')('cli.reading', { file, bytes: bytes.length, kind: o.kind })}\n`);
      try {
        const report = await ctx.api().importSpreadsheet(o.kind, new Uint8Array(bytes), {
          format: formatOf(file, bytes),
          partial: o.partial === true,
          language,
        });
        ctx.print(report, () => reportLines(report));
      } catch (error) {
        const problems = error instanceof ApiError ? (error.problem?.errors as ImportProblem[] | undefined) : undefined;
        if (!ctx.json && error instanceof ApiError && error.code === 'IMPORT_INVALID' && Array.isArray(problems))
          process.stderr.write(`${problemLines(problems).join('\n')}\n`);
        throw error;
      }
    });

  program
    .command('template <kind>')
    .description('download the import template (.xlsx) for lots or inspections, headers in your language (LANG)')
    .requiredOption('-o, --output <file>', 'where to write the .xlsx')
    .action(async (kind: string, o: { output: string }, cmd: Command) => {
      if (kind !== 'lots' && kind !== 'inspections') throw new UsageError(`template ${kind}: choose lots or inspections`);
      const ctx = new CliContext(cmd);
      const { blob } = await ctx.api().download(`templates/${kind}.xlsx`, {}, languageFromEnvironment());
      save(ctx, o.output, blob, new Uint8Array(await blob.arrayBuffer()));
    });

  program
    .command('export <what> <id...>')
    .description("export a trace, a recall report, a lot list or a lot's quality events as .xlsx or CSV (UTF-8 with BOM)")
    .addOption(new Option('--format <format>', 'file format').choices(['xlsx', 'csv']).default('xlsx'))
    .addOption(new Option('--direction <direction>', 'trace direction').choices(['backward', 'forward']).default('backward'))
    .requiredOption('-o, --output <file>', 'where to write the file')
    .addHelpText('after', '\n<what>: trace <lotId> | recall <recallId> | lots <lotId...> | quality-events <lotId>')
    .action(async (what: string, ids: string[], o: { format: 'xlsx' | 'csv'; direction: string; output: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const first = ids[0] ?? '';
      const enc = encodeURIComponent;
      const query: Record<string, string> = { format: o.format };
      let target: string;
      if (what === 'trace') {
        target = `exports/lots/${enc(first)}/trace`;
        query.direction = o.direction;
      } else if (what === 'recall') target = `exports/recalls/${enc(first)}`;
      else if (what === 'quality-events') target = `exports/lots/${enc(first)}/quality-events`;
      else if (what === 'lots') target = `exports/lots?${ids.map((id) => `id=${enc(id)}`).join('&')}`;
      else throw new UsageError(`export ${what}: choose trace, recall, lots or quality-events`);
      const { blob } = await ctx.api().download(target, query, languageFromEnvironment());
      save(ctx, o.output, blob, new Uint8Array(await blob.arrayBuffer()));
    });

  program
    .command('notices <recallId>')
    .description("printable recall notices: a zip with one PDF per holder organisation (in its language), or one holder's PDF")
    .option('--holder <msp>', "only this holder's notice (a PDF)")
    .requiredOption('-o, --output <file>', 'where to write the zip or PDF')
    .action(async (recallId: string, o: { holder?: string; output: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { blob } = await ctx.api().download(`recalls/${encodeURIComponent(recallId)}/notices`, { holder: o.holder });
      save(ctx, o.output, blob, new Uint8Array(await blob.arrayBuffer()));
    });
}
