/**
 * Export and verification times, and bundle size per record, for lots with
 * 10, 100 (and, with BENCH_EVIDENCE_SIZES, more) records, on a running network:
 *
 *   LOTLINE_DATA_DIR=<network data> LOTLINE_PORT_OFFSET=<offset> npx tsx evidence/scripts/bench.ts [sizes...]
 *
 * Each lot gets its records from PartsCo's qm1 placing and releasing holds
 * (one record each); the bundle is exported from the Bank's peer.
 */
import { performance } from 'node:perf_hooks';
import { findOrg, loadConfig } from '../../network/src/config';
import { connectOrg, ledgerOf } from '../../network/src/peer-access';
import { exportEvidence, ledgerSource, readBundle, verifyEvidence, writeBundle } from '../src';

async function main(sizes: number[]): Promise<void> {
  const config = loadConfig();
  const parts = connectOrg(findOrg(config, 'PartsCo'), 'qm1');
  const bank = connectOrg(findOrg(config, 'Bank'), 'auditor1');
  const bankOrg = findOrg(config, 'Bank');
  // Each write waits for its block on every organisation's peer: the next one is endorsed by all of them.
  const watchers = config.orgs.map((org) => connectOrg(org, 'auditor1'));
  const everywhere = (block: number) => Promise.all(watchers.map((c) => ledgerOf(config, c).waitForBlock(block)));
  const rows: string[] = [
    '| records | blocks | export (ms) | verify (ms) | bundle (bytes) | bytes per record |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  try {
    const writer = ledgerOf(config, parts);
    const source = ledgerSource(ledgerOf(config, bank), config.channel, { peer: `${bankOrg.name} peer`, mspId: bankOrg.mspId });
    for (const size of sizes) {
      const id = `PartsCoMSP:evidence-bench-${size}-${Date.now().toString(36)}`;
      const created = await writer.createLot({
        id,
        product: { code: 'BENCH', name: 'bench lot' },
        quantity: { amount: 1, unit: 'EA' },
        process: { site: 'P', line: 'L' },
      });
      await everywhere(created.blockNumber);
      let hold: string | undefined;
      for (let records = 1; records < size; records++) {
        if (hold === undefined) {
          const placed = await writer.placeHold(id, { reason: 'bench', includeDescendants: false });
          hold = (placed.result as { holdId?: string; eventId: string }).holdId ?? placed.result.eventId;
          await everywhere(placed.blockNumber);
        } else {
          await everywhere((await writer.releaseHold(id, hold, 'bench')).blockNumber);
          hold = undefined;
        }
      }
      const started = performance.now();
      const zip = writeBundle(await exportEvidence(source, id));
      const exported = performance.now() - started;
      const bundle = readBundle(zip);
      const verifyStart = performance.now();
      const report = verifyEvidence(bundle);
      const verified = performance.now() - verifyStart;
      if (!report.ok)
        throw new Error(`the bench bundle of ${size} records does not verify: ${JSON.stringify(report.failures.slice(0, 3))}`);
      const n = bundle.manifest.records.length;
      rows.push(
        `| ${n} | ${bundle.manifest.blocks.length} | ${exported.toFixed(0)} | ${verified.toFixed(0)} | ${zip.length} | ${(zip.length / n).toFixed(0)} |`,
      );
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    parts.close();
    bank.close();
    for (const c of watchers) c.close();
  }
}

const sizes = process.argv.slice(2).map(Number);
main(sizes.length > 0 ? sizes : [10, 100]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
