/**
 * The standalone verifier: `npx tsx evidence/src/cli.ts <bundle.zip> [--json] [--genesis-hash <hex>]`
 * (or `evidence/bin/lotline-verify-evidence.cjs`). No network, nothing from a
 * running Lotline. Exits 0 when every check passes, 2 on any failure, 1 on
 * a usage error.
 */
import { readFileSync } from 'node:fs';
import { formatReport } from './format';
import { verifyBundleFile } from './verify';

function main(argv: string[]): number {
  const json = argv.includes('--json');
  const pin = argv.indexOf('--genesis-hash');
  const genesisHeaderHash = pin >= 0 ? argv[pin + 1] : undefined;
  const files = argv.filter((a, i) => !a.startsWith('--') && (pin < 0 || i !== pin + 1));
  if (files.length !== 1 || argv.includes('--help') || (pin >= 0 && !/^[0-9a-fA-F]{64}$/.test(genesisHeaderHash ?? ''))) {
    process.stderr.write(
      'usage: lotline-verify-evidence <bundle.zip> [--json] [--genesis-hash <64 hex digits>]\n' +
        "  --genesis-hash: the header hash of the channel's genesis block as you hold it\n" +
        '  exits 0 when every check passes, 2 on any failure\n',
    );
    return 1;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(files[0] as string);
  } catch (error) {
    process.stderr.write(`cannot read ${files[0]}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const report = verifyBundleFile(bytes, genesisHeaderHash !== undefined ? { genesisHeaderHash } : {});
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 2;
}

process.exitCode = main(process.argv.slice(2));
