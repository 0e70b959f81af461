/**
 * `npm run test:faults`: brings up a fresh network in a temporary folder (ports
 * shifted by LOTLINE_PORT_OFFSET, 9000 by default) with one API per
 * organisation, runs the load test, then every fault spec (fast and full, the
 * whole-network restart last), and tears everything down.
 * With LOTLINE_DATA_DIR set, that network is reused and left running.
 * FAULTS_SKIP_LOAD=1 skips the load test; extra arguments go to mocha.
 */
import { reuseNetwork as reuse } from './env';
import './env-faults';
import path from 'node:path';
import { loadConfig } from '../../network/src/config';
import { startApis, startNetwork } from '../../network/src/network';
import { step } from '../../network/src/progress';
import { runMocha, tearDownNetwork } from '../src/runner';
import { runLoad } from './load';

async function main(): Promise<number> {
  const config = loadConfig();
  step(`fault tests: network in ${config.dataDir}, ports offset by ${process.env.LOTLINE_PORT_OFFSET}`);
  let code = 1;
  try {
    await startNetwork(config);
    await startApis(config);
    let loadOk = true;
    if (process.env.FAULTS_SKIP_LOAD !== '1') {
      loadOk = (await runLoad()).missing === 0;
    }
    const specs = ['raft-leader.fast', 'chaincode-kill.fast', 'peer-restart', 'network-restart'].map((f) =>
      path.join('test', 'src', 'faults', `${f}.spec.ts`),
    );
    const mochaCode = await runMocha(config, [
      '--require',
      'tsx/cjs',
      '--timeout',
      '300000',
      '--slow',
      '10000',
      '--exit',
      ...specs,
      ...process.argv.slice(2),
    ]);
    code = loadOk && mochaCode === 0 ? 0 : 1;
  } finally {
    if (reuse) step('network left running (LOTLINE_DATA_DIR was given)');
    else {
      await tearDownNetwork(config, 'fault-test');
    }
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nfault tests failed before the specs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
