/**
 * `npm run test:integration`: brings up a fresh network in a temporary data
 * folder (on ports shifted by LOTLINE_PORT_OFFSET, 1000 by default, so that a
 * running `npm start` network is left alone), runs the mocha suites against
 * it (with one API process per organisation, for the fault and bad-input
 * specs), and tears down what it started.
 *
 * With LOTLINE_DATA_DIR set, that network is started if needed and left
 * running afterwards (a developer's own network). LOTLINE_KEEP_NETWORK=1
 * also leaves a fresh one running for debugging.
 * Extra arguments are passed to mocha (for example a single spec file).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../network/src/config';
import { startApis, startNetwork } from '../../network/src/network';
import { step } from '../../network/src/progress';
import { runMocha, tearDownNetwork } from './runner';

/**
 * The whole suite from the mocha config, or only the spec files given on the
 * command line (mocha would otherwise add them to the config's list).
 */
function mochaArgs(files: string[]): string[] {
  if (files.length === 0) return ['--config', 'test/.mocharc.json'];
  return ['--no-config', '--require', 'tsx/cjs', '--timeout', '300000', '--slow', '5000', '--exit', ...files];
}

async function main(): Promise<number> {
  const reuse = process.env.LOTLINE_DATA_DIR !== undefined;
  process.env.LOTLINE_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'lotline-test-'));
  process.env.LOTLINE_PORT_OFFSET ??= '1000';
  const config = loadConfig();
  step(`integration tests: network in ${config.dataDir}, ports offset by ${process.env.LOTLINE_PORT_OFFSET}`);
  let code = 1;
  try {
    await startNetwork(config);
    // The fault and bad-input specs talk to the organisations' APIs as separate processes, as in production.
    await startApis(config);
    code = await runMocha(config, mochaArgs(process.argv.slice(2)));
  } finally {
    if (reuse || process.env.LOTLINE_KEEP_NETWORK === '1') {
      step(
        `network left running (LOTLINE_KEEP_NETWORK=1); stop it with LOTLINE_DATA_DIR=${config.dataDir} LOTLINE_PORT_OFFSET=${process.env.LOTLINE_PORT_OFFSET} npm stop`,
      );
    } else {
      await tearDownNetwork(config, 'test');
    }
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nlotline: integration run failed before the tests: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
