/**
 * `npm run demo:admit`: admits GalvaTech Surface to the running local network
 * with the same commands a firm and the members would run on their own hosts
 * (lotline member request, propose, three signatures, submit, join), then
 * tells the seed's business-continuity story: PartsCo re-sources the plating
 * of a stamped lot to GalvaTech, and GalvaTech's inspector records an
 * inspection on it. Run `npm start` first; the default start does not admit
 * anyone.
 */
import { loadConfig, findOrg } from '../../../network/src/config';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NetworkConfig } from '../../../network/src/config';
import { candidateOrg, fetchConfig, proposalsDir, requestFile } from '../../../network/src/membership';
import { connectOrg, ledgerOf } from '../../../network/src/peer-access';
import { step } from '../../../network/src/progress';
import { runCli } from '../cli/main';

const GALVA = 'GalvaTechMSP';
const PARTS = 'PartsCoMSP';

async function lotline(...args: string[]): Promise<void> {
  process.stdout.write(`\n$ lotline ${args.join(' ')}\n`);
  const code = await runCli(['node', 'lotline', ...args]);
  if (code !== 0) throw new Error(`lotline ${args.join(' ')} exited ${code}`);
}

/** The folder of the newest proposal whose id starts with `prefix` (the one `member propose` just wrote). */
function newestProposal(config: NetworkConfig, prefix: string): string {
  const root = proposalsDir(config);
  const dirs = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(prefix)) : [];
  const newest = dirs.map((d) => path.join(root, d)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no proposal ${prefix}* in ${root}`);
  return newest;
}

async function admit(): Promise<void> {
  const config = loadConfig();
  const members = Object.keys((await fetchConfig(config, findOrg(config, 'City'))).config.channel_group.groups.Application?.groups ?? {});
  if (members.includes(GALVA)) {
    step('GalvaTech is already a member of the channel: skipping to its join and the re-sourcing');
  } else {
    await lotline('member', 'request', '--firm', 'GalvaTech');
    const { org } = candidateOrg(config, 'GalvaTech');
    await lotline('member', 'propose', requestFile(org), '--as', 'City');
    const dir = newestProposal(config, `admit-${GALVA}-`);
    await lotline('member', 'status', dir);
    for (const signer of ['City', 'PartsCo', 'AssemblyCo']) await lotline('member', 'sign', dir, '--as', signer);
    await lotline('member', 'submit', dir, '--as', 'City');
  }
  await lotline('member', 'join', '--firm', 'GalvaTech');
}

async function resource(): Promise<void> {
  const config = loadConfig();
  const as = (ref: string, user: string) => connectOrg(findOrg(config, ref), user);
  const lotId = `${PARTS}:STAMP-2026-0003-R`;
  step(`PartsCo re-sources the plating of ${lotId} to GalvaTech`);
  const parts = as('PartsCo', 'qm1');
  const galvaQm = as('GalvaTech', 'qm1');
  const galvaInspector = as('GalvaTech', 'inspector1');
  try {
    const partsLedger = ledgerOf(config, parts);
    const existing = await partsLedger.readLot(lotId).catch(() => undefined);
    if (!existing) {
      await partsLedger.createLot({
        id: lotId,
        product: { code: 'BRKT-ST-01', name: 'Stamped bracket, unplated' },
        quantity: { amount: 2000, unit: 'EA' },
        inputs: [],
        process: { site: 'PartsCo Eastfield', line: 'Press 2' },
        attributes: { note: 're-sourced for zinc plating after the PLATE-2026-0001 nonconformance' },
      });
    }
    const lot = await partsLedger.readLot(lotId);
    if (lot.custodian === PARTS) {
      if (!lot.pendingTransfer) await partsLedger.proposeTransfer(lotId, GALVA);
      await ledgerOf(config, galvaQm).acceptTransfer(lotId);
      step(`GalvaTech accepted custody of ${lotId}`);
    }
    const inspected = await ledgerOf(config, galvaInspector).recordInspection(lotId, {
      verdict: 'pass',
      measurements: [{ characteristic: 'zinc coating thickness', value: 9.8, unit: 'um', lower: 8, upper: 12 }],
      certificate: { sha256: 'c'.repeat(64), uri: 'https://galvatech.example/certs/GT-2026-0001' },
      notes: 'Incoming inspection before plating (ISO 2081 Fe/Zn8)',
    });
    step(
      `GalvaTech's inspector1 recorded inspection ${inspected.result.eventId} on ${lotId} (tx ${inspected.txId}, block ${inspected.blockNumber})`,
    );
    step(`trace it: lotline trace ${lotId} --org GalvaTech`);
  } finally {
    for (const c of [parts, galvaQm, galvaInspector]) c.close();
  }
}

admit()
  .then(resource)
  .catch((err: unknown) => {
    process.stderr.write(`\nlotline demo:admit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
