/**
 * Records the tamper tests' fixture from a real network: a lot made by
 * PartsCo with a few versions (create, a split's parent update, a transfer
 * proposal and acceptance by AssemblyCo), exported from the Bank's peer.
 *
 *   LOTLINE_DATA_DIR=<network data> LOTLINE_PORT_OFFSET=<offset> npx tsx evidence/scripts/record-fixture.ts
 *
 * writes evidence/test/fixtures/lot.evidence.zip. The network must be running (`npm start`, or the
 * integration runner with LOTLINE_KEEP_NETWORK=1).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findOrg, loadConfig } from '../../network/src/config';
import { connectOrg, ledgerOf } from '../../network/src/peer-access';
import { exportEvidence, ledgerSource, verifyEvidence, writeBundle } from '../src';

async function main(): Promise<void> {
  const config = loadConfig();
  const parts = connectOrg(findOrg(config, 'PartsCo'), 'qm1');
  const assembly = connectOrg(findOrg(config, 'AssemblyCo'), 'qm1');
  const bank = connectOrg(findOrg(config, 'Bank'), 'auditor1');
  try {
    const ledger = (c: typeof parts) => ledgerOf(config, c);
    const id = `PartsCoMSP:evidence-fixture-${Date.now().toString(36)}`;
    const product = { code: 'BRK-100', name: 'brake caliper' };
    const site = { site: 'Plant 1', line: 'L1' };
    const lot = { id, product, quantity: { amount: 100, unit: 'EA' }, process: site };
    await ledger(parts).createLot(lot);
    await ledger(parts).splitLot(id, { id: `${id}-a`, product, quantity: { amount: 10, unit: 'EA' }, process: site });
    await ledger(parts).proposeTransfer(id, 'AssemblyCoMSP');
    await ledger(assembly).acceptTransfer(id);
    const bankOrg = findOrg(config, 'Bank');
    const bundle = await exportEvidence(
      ledgerSource(ledger(bank), config.channel, { peer: `${bankOrg.name} peer`, mspId: bankOrg.mspId }),
      `${id}-a`,
      { depth: 1 },
    );
    const report = verifyEvidence(bundle);
    if (!report.ok) throw new Error(`the fresh bundle does not verify: ${JSON.stringify(report.failures, null, 2)}`);
    const file = path.join(__dirname, '..', 'test', 'fixtures', 'lot.evidence.zip');
    const zip = writeBundle(bundle);
    writeFileSync(file, zip);
    process.stdout.write(
      `wrote ${file}: ${zip.length} bytes, ${bundle.manifest.records.length} records, blocks ${bundle.manifest.blocks.join(', ')}\n`,
    );
  } finally {
    parts.close();
    assembly.close();
    bank.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
