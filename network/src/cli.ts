/**
 * `lotline-network`: the commands behind `npm start`, `npm stop`,
 * `npm run reset`, `npm run status` and `npm run deploy`, and the steps that
 * each organisation runs on a host of its own (`npm run network -- <step>`,
 * see ./hosts.ts and the README's "More than one machine").
 */
import { Command } from 'commander';
import { ensureBinaries } from './binaries';
import { commitChaincode, deployChaincode, waitUntilChaincodeEndorsable } from './chaincode';
import { loadConfig } from './config';
import { createChannel, importPublicOrg, initHost, joinChannel, localOrgs } from './hosts';
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
  .command('init')
  .description("step 1 on each host: start this host's CAs, issue its identities, write its public files")
  .action(async () => {
    const config = loadConfig();
    step(
      `data folder: ${config.dataDir}; organisations: ${localOrgs(config)
        .map((o) => o.name)
        .join(', ')}`,
    );
    const { files } = await initHost(config);
    step('send these public files (certificates only) to the other organisations:');
    for (const file of files) detail(file);
  });

program
  .command('import-org')
  .description("step 2 on each host: store other organisations' public files")
  .argument('<files...>', 'public files written by their `init`')
  .action((files: string[]) => {
    const config = loadConfig();
    for (const file of files) importPublicOrg(config, file);
    step(`imported ${files.length} public file${files.length === 1 ? '' : 's'}`);
  });

program
  .command('create-channel')
  .description("step 3 on one host (City): the channel's genesis block from every organisation's public material")
  .action(async () => {
    const block = await createChannel(loadConfig());
    step(`channel block written: send ${block} to every other host`);
  });

program
  .command('join')
  .description("step 4 on each host: start this host's orderer and peer and join them to the channel")
  .option('--block <file>', 'the channel block from the host that created the channel')
  .action(async (options: { block?: string }) => {
    const started = await joinChannel(loadConfig(), options.block);
    step(`joined the channel (${started} processes started)`);
  });

program
  .command('approve')
  .description("step 5 on each host: install the chaincode on this host's peer, run its chaincode server, approve it")
  .action(async () => {
    const config = loadConfig();
    await buildChaincode(config);
    const result = await deployChaincode(config, undefined, { commit: false });
    step(
      result.committed
        ? `chaincode ${result.version} is committed at sequence ${result.sequence}`
        : `approved ${result.version} at sequence ${result.sequence}; one host runs \`commit\` once a majority has approved`,
    );
  });

program
  .command('commit')
  .description('step 6 on one host: commit the chaincode definition that a majority approved')
  .action(async () => {
    const config = loadConfig();
    await buildChaincode(config);
    const result = await commitChaincode(config);
    await waitUntilChaincodeEndorsable(config);
    step(`chaincode ${result.version} committed at sequence ${result.sequence}`);
  });

program
  .command('serve')
  .description("step 7 on each host: wait until every organisation can endorse, then start this host's OpenID providers and APIs")
  .action(async () => {
    const config = loadConfig();
    await waitUntilChaincodeEndorsable(config);
    const started = await startApis(config);
    step(`APIs up (${started} processes started)`);
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
