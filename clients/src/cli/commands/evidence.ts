/**
 * `lotline evidence export <lotId> -o <file>` downloads a lot's evidence
 * bundle from the API; `lotline evidence verify <file>` checks it offline
 * with @lotline/evidence (no API, no peer): exit 0 when every check passes,
 * 2 on any failure. `--compare-peer <org>` (online, optional) also compares
 * each transaction's unsigned validity flag with a second organisation's peer.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatReport, readBundle, renderHtmlReport, verifyBundleFile } from '@lotline/evidence';
import path from 'node:path';
import { compareFlags, type FlagComparison } from '../../verify/own-peer';
import { CliContext, localConfig } from '../context';
import { EXIT, UsageError } from '../exit-codes';

interface VerifyOptions {
  comparePeer?: string;
  genesisHash?: string;
  peerUser: string;
}

interface ExportOptions {
  output: string;
  depth: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Registers `evidence export`, `evidence verify` and `evidence report`. */
export function registerEvidence(program: Command): void {
  const evidence = program.command('evidence').description('evidence bundles: export a lot with its blocks, verify it offline');
  evidence
    .command('export <lotId>')
    .description("download the lot's evidence bundle (its history, the raw blocks, the channel configuration) from the API")
    .requiredOption('-o, --output <file>', 'where to write the zip')
    .option('--depth <n>', "also the histories of the lots in the lot's backward trace, to this depth", '0')
    .action(async (lotId: string, o: ExportOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const depth = Number(o.depth);
      if (!Number.isInteger(depth) || depth < 0) throw new UsageError(`--depth ${o.depth}: give a whole number, 0 or more`);
      const { zip, sha256: stated } = await ctx.api().evidence(lotId, { depth });
      const digest = sha256(zip);
      if (stated !== null && stated !== digest) {
        throw new UsageError(`the download is damaged: the API states SHA-256 ${stated}, the file has ${digest}; export it again`);
      }
      writeFileSync(o.output, zip);
      ctx.print({ lotId, file: o.output, bytes: zip.length, sha256: digest }, () => [
        `wrote ${o.output}: ${zip.length} bytes, SHA-256 ${digest}`,
        `verify it offline: lotline evidence verify ${o.output}`,
      ]);
    });
  evidence
    .command('verify <file>')
    .description('verify an evidence bundle offline: exit 0 when every check passes, 2 on any failure')
    .option(
      '--compare-peer <org>',
      "online, optional: compare each transaction's (unsigned) validity flag and block with this organisation's peer",
    )
    .option('--peer-user <user>', 'your enrolled user in that organisation (with --compare-peer)', 'auditor1')
    .action(async (file: string, o: VerifyOptions, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const bytes = readFile(file);
      if (o.genesisHash !== undefined && !/^[0-9a-fA-F]{64}$/.test(o.genesisHash)) {
        throw new UsageError(`--genesis-hash ${o.genesisHash}: give the 64 hex digits of the genesis block's header hash`);
      }
      const report = verifyBundleFile(bytes, o.genesisHash !== undefined ? { genesisHeaderHash: o.genesisHash } : {});
      const compared: FlagComparison[] =
        o.comparePeer !== undefined ? await compareFlags(localConfig(), { org: o.comparePeer, user: o.peerUser }, report.transactions) : [];
      ctx.print(
        { file, sha256: sha256(bytes), ...report, ...(o.comparePeer !== undefined ? { comparedWith: o.comparePeer, compared } : {}) },
        () => [
          `file ${file}, SHA-256 ${sha256(bytes)}`,
          formatReport(report),
          ...(o.comparePeer !== undefined
            ? [
                `validity flags compared with ${o.comparePeer}'s peer (online):`,
                ...compared.map((c) => `  ${c.ok ? 'ok  ' : 'DIFFERS'} ${c.txId}: bundle ${c.bundle}, ${o.comparePeer} peer ${c.peer}`),
              ]
            : []),
        ],
      );
      if (!report.ok || compared.some((c) => !c.ok)) process.exitCode = EXIT.mismatch;
    });
  evidence
    .command('report <file>')
    .description("verify a bundle offline and write a printable HTML report for the auditor's file (print it, or save it as PDF)")
    .requiredOption('-o, --output <file>', 'where to write the HTML')
    .action((file: string, o: { output: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const bytes = readFile(file);
      const report = verifyBundleFile(bytes);
      const records = report.manifest !== null ? readBundle(bytes).manifest.records : [];
      writeFileSync(o.output, renderHtmlReport(report, records, { name: path.basename(file), sha256: sha256(bytes) }));
      ctx.print({ file, report: o.output, ok: report.ok, failures: report.failures }, () => [
        `wrote ${o.output} (${report.ok ? 'VERIFIED' : `NOT VERIFIED: ${report.failures.length} failed check(s)`})`,
      ]);
      if (!report.ok) process.exitCode = EXIT.mismatch;
    });
}
