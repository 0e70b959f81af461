/**
 * Evidence bundles (issue 16): the time to export and to verify the bundle of
 * a lot with 10, 100 and 1,000 records, and the bundle's size per record.
 * Each lot gets its records from PartsCo's qm1 placing and releasing holds
 * (one record each, each waited for on every peer); the bundle is exported
 * from the Bank's peer, as an auditor would, and verified offline.
 */
import { performance } from 'node:perf_hooks';
import { exportEvidence, ledgerSource, readBundle, verifyEvidence, writeBundle } from '@lotline/evidence';
import { findOrg, type NetworkConfig } from '../../network/src/config';
import { connectOrg, ledgerOf } from '../../network/src/peer-access';

/** One bundle's figures. */
export interface EvidenceTiming {
  readonly records: number;
  readonly blocks: number;
  /** Reading the history and every block from the Bank's peer, and zipping them. */
  readonly exportMs: number;
  /** Every check of the offline verifier. */
  readonly verifyMs: number;
  readonly bytes: number;
}

/** Makes a lot with `size` records per size, exports its bundle and verifies it. */
export async function benchEvidence(
  config: NetworkConfig,
  runId: string,
  sizes: readonly number[],
  progress: (m: string) => void,
): Promise<EvidenceTiming[]> {
  const parts = connectOrg(findOrg(config, 'PartsCo'), 'qm1');
  const bankOrg = findOrg(config, 'Bank');
  const bank = connectOrg(bankOrg, 'auditor1');
  const watchers = config.orgs.map((org) => connectOrg(org, 'auditor1'));
  const everywhere = (block: number) => Promise.all(watchers.map((c) => ledgerOf(config, c).waitForBlock(block)));
  const timings: EvidenceTiming[] = [];
  try {
    const writer = ledgerOf(config, parts);
    const source = ledgerSource(ledgerOf(config, bank), config.channel, { peer: `${bankOrg.name} peer`, mspId: bankOrg.mspId });
    for (const size of sizes) {
      const id = `PartsCoMSP:evidence-${runId}-${size}`;
      progress(`evidence: writing a lot with ${size} records`);
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
      const exportMs = performance.now() - started;
      const bundle = readBundle(zip);
      const verifyStart = performance.now();
      const report = verifyEvidence(bundle);
      const verifyMs = performance.now() - verifyStart;
      if (!report.ok) throw new Error(`the bundle of ${size} records does not verify: ${JSON.stringify(report.failures.slice(0, 3))}`);
      const timing = {
        records: bundle.manifest.records.length,
        blocks: bundle.manifest.blocks.length,
        exportMs,
        verifyMs,
        bytes: zip.length,
      };
      progress(
        `evidence: ${timing.records} records, export ${exportMs.toFixed(0)} ms, verify ${verifyMs.toFixed(0)} ms, ${zip.length} bytes`,
      );
      timings.push(timing);
    }
  } finally {
    parts.close();
    bank.close();
    for (const c of watchers) c.close();
  }
  return timings;
}
