/**
 * `lotline-network`: the commands behind `npm start`, `npm stop`,
 * `npm run reset`, `npm run status` and `npm run deploy`.
 */
import { Command } from 'commander';
import { ensureBinaries } from './binaries';
import { deployChaincode, waitUntilChaincodeEndorsable } from './chaincode';
import { loadConfig } from './config';
import { buildChaincode, networkStatus, resetNetwork, startApis, startNetwork, stopNetwork } from './network';
import { STOP_GRACE_MS } from './processes';
import { ActionableError, detail, step } from './progress';

const program = new Command('lotline-network').description('Run the Lotline Fabric network as native processes');

program
  .command('build')
  .description('build the Fabric and Fabric CA binaries into the cache (skipped when cached)')
  .action(async () => {
    await ensureBinaries(loadConfig());
  });

program
  .command('start')
  .description('bring up CAs, orderers, peers and chaincode (idempotent)')
  .action(async () => {
    const config = loadConfig();
    step(`data folder: ${config.dataDir}`);
    let started = await startNetwork(config);
    step('starting one API per organisation');
    started += await startApis(config);
    step(started === 0 ? 'everything was already up: nothing to do' : `network and APIs up (${started} processes started)`);
  });

program
  .command('stop')
  .description('stop the processes that Lotline started (by pid file); data is kept')
  .action(async () => {
    const started = Date.now();
    const report = await stopNetwork(loadConfig());
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    step(report.stopped.length === 0 ? 'nothing was running' : `stopped ${report.stopped.length} processes in ${seconds} s`);
    if (report.killed.length > 0)
      detail(`did not exit on SIGTERM within ${STOP_GRACE_MS / 1000} s, so were killed: ${report.killed.join(', ')}`);
    if (report.notExited.length > 0) {
      throw new ActionableError(
        `still running after SIGKILL: ${report.notExited.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}.\n` +
          '  Their pid files are kept: see `npm run status`, and the state of each with `ps -o pid,stat,cmd -p <pid>`.',
      );
    }
  });

program
  .command('reset')
  .description('stop everything and delete the data folder')
  .action(async () => {
    const config = loadConfig();
    await resetNetwork(config);
    step(`deleted ${config.dataDir}`);
  });

program
  .command('deploy')
  .description('build the chaincode and deploy it, upgrading to the next sequence when it changed')
  .action(async () => {
    const config = loadConfig();
    await buildChaincode(config);
    const result = await deployChaincode(config);
    await waitUntilChaincodeEndorsable(config);
    step(`chaincode version ${result.version}, sequence ${result.sequence}, package ${result.packageId}`);
  });

program
  .command('status')
  .description('show every managed process and its health')
  .action(async () => {
    const rows = await networkStatus(loadConfig());
    for (const r of rows) {
      const state = r.pid === undefined ? 'stopped' : r.healthy ? 'healthy' : 'UNHEALTHY';
      const extra = r.detail !== undefined ? `  ${r.detail}` : '';
      process.stdout.write(`${r.name.padEnd(22)} ${state.padEnd(10)} ${String(r.pid ?? '-').padEnd(8)} ${r.endpoint}${extra}\n`);
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ActionableError) {
    process.stderr.write(`\nlotline: ${err.message}\n`);
  } else {
    process.stderr.write(
      `\nlotline: unexpected error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exitCode = 1;
});
