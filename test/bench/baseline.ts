/**
 * The benchmark's own baseline chaincode (test/bench/baseline-chaincode/):
 * built with tsc and deployed as chaincode `baseline` on the channel, with one
 * chaincode server shared by every peer (a benchmark-only process, beside the
 * per-organisation `lotline` servers). `npm start` never deploys it.
 */
import path from 'node:path';
import { deployChaincode, waitUntilChaincodeEndorsable, type ChaincodeSpec } from '../../network/src/chaincode';
import { findOrg, port, type NetworkConfig } from '../../network/src/config';
import { run, stopProcess } from '../../network/src/processes';
import { progress } from './log';

/** The baseline chaincode's name on the channel. */
export const BASELINE_CHAINCODE = 'baseline';
const DIR = path.join(__dirname, 'baseline-chaincode');
const PROCESS = 'chaincode-bench-baseline';

/**
 * The spec of the baseline chaincode: its server listens on the host of the
 * benchmark's writer organisation (PartsCo), on `BENCH_BASELINE_CC_PORT`, by
 * default one above that organisation's chaincode port (a port that the
 * topology leaves free). Like the `lotline` servers it speaks TLS with
 * PartsCo's chaincode certificate and requires each peer's chaincode client
 * certificate, so the benchmark compares like with like.
 */
export function baselineSpec(config: NetworkConfig): ChaincodeSpec {
  const org = findOrg(config, 'PartsCo');
  const ccPort = Number(process.env.BENCH_BASELINE_CC_PORT ?? port(org, 'chaincode') + 1);
  return {
    name: BASELINE_CHAINCODE,
    moduleDir: DIR,
    versionDirs: [DIR],
    buildHint: `run 'npx tsc -p ${path.relative(config.repoRoot, DIR)}'`,
    servers: { kind: 'shared', processName: PROCESS, org, port: ccPort },
  };
}

/** Builds and deploys the baseline chaincode, then waits until every organisation can endorse it. */
export async function deployBaseline(config: NetworkConfig): Promise<void> {
  await run(process.execPath, [path.join(config.repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', DIR], {
    cwd: config.repoRoot,
    what: 'building the baseline chaincode (tsc)',
  });
  const { version, sequence } = await deployChaincode(config, baselineSpec(config));
  await waitUntilChaincodeEndorsable(config, 120_000, BASELINE_CHAINCODE);
  progress(`baseline chaincode ${BASELINE_CHAINCODE} ${version} (sequence ${sequence}) deployed, one shared chaincode server`);
}

/** Stops the baseline chaincode's shared server. */
export async function stopBaseline(config: NetworkConfig): Promise<void> {
  await stopProcess(config, PROCESS);
}
