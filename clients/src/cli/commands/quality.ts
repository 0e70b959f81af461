/** `lotline inspections …`, `lotline holds …` and `lotline recalls …`. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { Measurement, Verdict } from '../../api-types';
import { tr } from '../../render/language';
import { committedLine, recallCsv, recallText } from '../../render/text';
import { CliContext } from '../context';
import { UsageError } from '../exit-codes';
import { collect, parseNumber } from '../util';

const MEASURE = /^(.+?)=\s*(-?[0-9.]+)\s*([^[\s]+)\s*\[\s*(-?[0-9.]+)\s*[,;]\s*(-?[0-9.]+)\s*\]$/;

/** Parses `characteristic=value unit[lower,upper]`, e.g. `zinc coating thickness=6.1um[8,12]`. */
export function parseMeasurement(spec: string): Measurement {
  const m = MEASURE.exec(spec.trim());
  if (!m)
    throw new UsageError(`--measure ${spec}: write characteristic=value unit[lower,upper], e.g. "zinc coating thickness=9.4um[8,12]"`);
  const [, characteristic = '', value = '', unit = '', lower = '', upper = ''] = m;
  return {
    characteristic: characteristic.trim(),
    value: parseNumber(value, 'value'),
    unit,
    lower: parseNumber(lower, 'lower'),
    upper: parseNumber(upper, 'upper'),
  };
}

interface InspectionOptions {
  verdict: Verdict;
  measure: string[];
  certificate?: string;
  certificateSha256?: string;
  certificateUri: string;
  notes?: string;
}

function certificateHash(o: InspectionOptions): string {
  if (o.certificate) {
    try {
      return createHash('sha256').update(readFileSync(o.certificate)).digest('hex');
    } catch {
      throw new UsageError(`cannot read the certificate document ${o.certificate}`);
    }
  }
  if (o.certificateSha256 && /^[0-9a-f]{64}$/.test(o.certificateSha256)) return o.certificateSha256;
  throw new UsageError(
    'give the certificate document with --certificate <file> (its sha256 is recorded), or --certificate-sha256 <64 hex digits>',
  );
}

/** Registers `inspections record`. */
export function registerInspections(program: Command): void {
  const inspections = program.command('inspections').description('record inspection results (inspectors)');
  inspections
    .command('record <lotId>')
    .description("record an inspection of a lot: your organisation's inspector for lots you hold, City's inspector for any lot")
    .addOption(new Option('--verdict <verdict>', 'the result').choices(['pass', 'fail', 'conditional']).makeOptionMandatory())
    .option('--measure <spec>', 'a measurement "characteristic=value unit[lower,upper]" (repeatable)', collect, [])
    .option('--certificate <file>', 'the certificate document; its sha256 goes on the ledger')
    .option('--certificate-sha256 <hex>', 'the sha256 of the certificate, if you do not have the file here')
    .requiredOption('--certificate-uri <uri>', 'where the certificate document is kept')
    .option('--notes <text>', 'notes')
    .action(async (lotId: string, o: InspectionOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const measurements = o.measure.map(parseMeasurement);
      const r = await ctx.api().recordInspection(lotId, {
        verdict: o.verdict,
        measurements,
        certificate: { sha256: certificateHash(o), uri: o.certificateUri },
        ...(o.notes ? { notes: o.notes } : {}),
      });
      ctx.print(r, () => committedLine(tr('done.inspection', { verdict: tr(`verdict.${o.verdict}`), lotId, eventId: r.value.eventId }), r));
    });
}

/** Registers `holds place|release`. */
export function registerHolds(program: Command): void {
  const holds = program.command('holds').description("place and release holds (quality managers of the lot's producer or custodian)");
  holds
    .command('place <lotId>')
    .description('put a lot on hold: it cannot be shipped or consumed until released')
    .requiredOption('--reason <text>', 'why')
    .option('--include-descendants', 'also hold every lot made from it')
    .action(async (lotId: string, o: { reason: string; includeDescendants?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().placeHold(lotId, { reason: o.reason, includeDescendants: o.includeDescendants === true });
      ctx.print(r, () =>
        committedLine(
          tr(o.includeDescendants ? 'done.holdWithDescendants' : 'done.hold', { holdId: r.value.holdId ?? r.value.eventId, lotId }),
          r,
        ),
      );
    });
  holds
    .command('release <lotId> <holdId>')
    .description('release a hold (the hold id is shown by `lotline lots events <lotId>`)')
    .requiredOption('--reason <text>', 'why it may be released')
    .action(async (lotId: string, holdId: string, o: { reason: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const r = await ctx.api().releaseHold(lotId, holdId, o.reason);
      ctx.print(r, () => committedLine(tr('done.release', { holdId, lotId }), r));
    });
}

/** Registers `recalls start|show`. */
export function registerRecalls(program: Command): void {
  const recalls = program.command('recalls').description("start recalls (the producer's quality manager) and report their reach");
  recalls
    .command('start <lotId>')
    .description('recall a lot your organisation produced: it and every lot made from it become affected')
    .requiredOption('--reason <text>', 'why')
    .option('--id <recallId>', 'your recall id, e.g. RCL-2026-0002 (default: the transaction id)')
    .option('--csv', 'print the affected-lots report as CSV')
    .action(async (lotId: string, o: { reason: string; id?: string; csv?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const started = await ctx.api().startRecall({ lotId, reason: o.reason, ...(o.id ? { recallId: o.id } : {}) });
      const report = await ctx.api().getRecall(started.value.recallId, started.blockNumber);
      if (o.csv) {
        process.stdout.write(recallCsv(report));
        return;
      }
      ctx.print({ ...started, value: report }, () => [
        committedLine(tr('done.recall', { recallId: report.recallId }), started),
        ...recallText(report),
      ]);
    });
  recalls
    .command('show <recallId>')
    .description('the recall report: every affected lot and the organisation that holds it now (table, --csv or --json)')
    .option('--csv', 'print CSV (one row per affected lot)')
    .action(async (recallId: string, o: { csv?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const report = await ctx.api().getRecall(recallId);
      if (o.csv) {
        process.stdout.write(recallCsv(report));
        return;
      }
      ctx.print(report, () => recallText(report));
    });
}
