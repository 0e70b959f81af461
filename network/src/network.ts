/**
 * Bring-up and tear-down of the whole local network, in dependency order:
 * binaries → CAs and identities → channel block → orderers → peers →
 * chaincode. Every step is idempotent, so a second `start` finds what runs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiProcessEnvironment, prepareApi } from './api';
import { idpProcessName, issuerUrl, startIdps } from './idp/local';
import { ensureBinaries } from './binaries';
import { chaincodeProcessName, deployChaincode, waitUntilChaincodeEndorsable } from './chaincode';
import { port, type NetworkConfig, type Org } from './config';
import { issueIdentities, startCa } from './identities';
import {
  createChannelBlock,
  joinOrderer,
  joinPeer,
  ordererOrgs,
  ordererProcessName,
  peerProcessName,
  startOrderer,
  startPeer,
  waitForRaftLeader,
} from './nodes';
import {
  httpOk,
  isListening,
  managedProcesses,
  run,
  runningPid,
  startProcess,
  stopTiers,
  type StopReport,
  type StopTimings,
} from './processes';
import { ActionableError, step } from './progress';
import { orgFetch } from './tls';

const DATA_MARKER = '.lotline-data';

/**
 * The layout of what a data folder holds, recorded in its marker. Bump it when
 * a folder made by an older Lotline cannot simply be started again:
 * 1. the first release;
 * 2. chaincode world-state keys under one prefix per lot with lazy balance
 *    shards (old lots would show wrong remaining quantities), and the channel's
 *    Raft snapshot interval below PreferredMaxBytes (see checkOrdererTuning);
 * 3. quality events keyed by time (`qe [lotId, recordedAt, eventId]` with a
 *    `qe~id` pointer), recalls without a stored scope, EPCIS container owners
 *    and participants' GS1 company prefixes (old events would not be listed).
 */
export const DATA_FORMAT = 3;

function local(config: NetworkConfig): Org[] {
  return config.orgs.filter((o) => config.localOrgs.has(o.key));
}

/** The data format a marker records (a marker without one is format 1). */
export function dataFormatOf(marker: string): number {
  const match = /^format: (\d+)$/m.exec(marker);
  return match?.[1] !== undefined ? Number(match[1]) : 1;
}

/**
 * Claims the data folder for Lotline, or refuses it: a non-empty folder that
 * is not Lotline's, or one that an older Lotline made (its ledger cannot be
 * upgraded in place, and starting it would show wrong data).
 */
export function markDataDir(dataDir: string): void {
  const marker = path.join(dataDir, DATA_MARKER);
  const used = existsSync(dataDir) && readdirSync(dataDir).length > 0;
  if (used && !existsSync(marker)) {
    throw new ActionableError(`${dataDir} exists and is not a Lotline data folder: point LOTLINE_DATA_DIR at an empty or Lotline folder`);
  }
  if (used) {
    const format = dataFormatOf(readFileSync(marker, 'utf8'));
    if (format > DATA_FORMAT) {
      throw new ActionableError(
        `${dataDir} was made by a newer Lotline (data format ${format}, this one reads ${DATA_FORMAT}): update this checkout`,
      );
    }
    if (format < DATA_FORMAT) {
      throw new ActionableError(
        `${dataDir} was made by an older Lotline (data format ${format}; this version needs ${DATA_FORMAT}, see DATA_FORMAT in network/src/network.ts). ` +
          'Its ledger cannot be upgraded in place: `npm run reset` deletes it (every lot and event in it), then `npm start` makes a new one',
      );
    }
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(marker, `Lotline network data. \`npm run reset\` deletes this folder.\nformat: ${DATA_FORMAT}\n`);
}

/** Counts how many of the steps started something, to tell "started" from "already up". */
class StartTally {
  started = 0;
  add(results: boolean[]): void {
    this.started += results.filter(Boolean).length;
  }
}

/** Builds the chaincode with tsc through its workspace script. */
export async function buildChaincode(config: NetworkConfig): Promise<void> {
  if (process.env.LOTLINE_CHAINCODE_DIR) return;
  await run('npm', ['run', 'build', '--silent', '-w', '@lotline/chaincode'], {
    cwd: config.repoRoot,
    what: 'building the chaincode (tsc)',
    hint: "Fix the compile errors shown above, then run 'npm start' again.",
  });
}

/**
 * Brings the network up. Returns the number of processes it started
 * (0 when everything was already running).
 */
export async function startNetwork(config: NetworkConfig): Promise<number> {
  markDataDir(config.dataDir);
  const tally = new StartTally();
  step('checking the Fabric binaries');
  await ensureBinaries(config);

  const orgs = local(config);
  step(`starting the Fabric CAs of ${orgs.map((o) => o.name).join(', ')}`);
  tally.add(await Promise.all(orgs.map((o) => startCa(config, o))));
  step('issuing node, admin and user identities from the CAs');
  await Promise.all(orgs.map((o) => issueIdentities(config, o)));

  await createChannelBlock(config);
  const orderers = ordererOrgs(config).filter((o) => config.localOrgs.has(o.key));
  step(`starting ${orderers.length} Raft orderers`);
  tally.add(await Promise.all(orderers.map((o) => startOrderer(config, o))));
  for (const o of orderers) await joinOrderer(config, o);

  step(`starting ${orgs.length} peers`);
  tally.add(await Promise.all(orgs.map((o) => startPeer(config, o))));
  for (const o of orgs) await joinPeer(config, o);

  step('waiting for a Raft leader');
  await waitForRaftLeader(config);

  step('building and deploying the chaincode');
  const before = orgs.filter((o) => runningPid(config, chaincodeProcessName(o)) !== undefined).length;
  await buildChaincode(config);
  await deployChaincode(config);
  await waitUntilChaincodeEndorsable(config);
  const after = orgs.filter((o) => runningPid(config, chaincodeProcessName(o)) !== undefined).length;
  tally.started += Math.max(0, after - before);
  return tally.started;
}

export function apiProcessName(org: Org): string {
  return `api-${org.key}`;
}

/** The URL of an organisation's API as seen from this host: https with the network's `apiTls` (verify it with `orgFetch`). */
export function apiUrl(org: Org): string {
  return `${org.apiTls ? 'https' : 'http'}://${org.host}:${port(org, 'api')}`;
}

/**
 * Starts one API instance per local organisation (`gateway-api/src/main.ts`
 * under Node with tsx), each talking to its own organisation's peer, with the
 * environment that {@link prepareApi} builds (also in `<dataDir>/orgs/<org>/api.env`).
 */
export async function startApis(config: NetworkConfig): Promise<number> {
  const main = path.join(config.repoRoot, 'gateway-api', 'src', 'main.ts');
  const tsx = path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
  const orgs = local(config);
  // Each API trusts only its own organisation's OpenID provider, which runs beside it.
  const providers = await startIdps(config);
  // The API reads only its own environment (gateway-api/src/config.ts): every value comes from here.
  const environments = await Promise.all(orgs.map((org) => prepareApi(config, org)));
  const results = await Promise.all(
    orgs.map((org, index) =>
      startProcess(config, {
        name: apiProcessName(org),
        command: process.execPath,
        match: `LOTLINE_API=${org.key}`,
        args: ['--require', tsx, main, `LOTLINE_API=${org.key}`],
        env: { PATH: process.env.PATH, NODE_ENV: 'production', ...environments[index], ...apiProcessEnvironment(org) },
        ports: [{ host: config.listenHost, port: port(org, 'api'), what: `${org.name} API` }],
        ready: () => httpOk(`${apiUrl(org)}/readyz`, 2000, orgFetch(org)),
        readyTimeoutSec: 60,
      }),
    ),
  );
  return providers + results.filter(Boolean).length;
}

/**
 * The managed processes in stop order: each tier only after the one before it
 * has exited (APIs, chaincode servers, peers, orderers, CAs: a process is
 * stopped before what it depends on), the processes of one tier in parallel.
 */
export function stopTierNames(config: NetworkConfig): string[][] {
  const orgs = local(config);
  // Also any other process started in this data folder: the benchmark's shared baseline chaincode server, and the
  // nodes of a firm that prepared a membership request here but is not (or no longer) a member.
  const managed = managedProcesses(config);
  const tier = (names: string[], prefix: string) => [...new Set([...names, ...managed.filter((n) => n.startsWith(prefix))])];
  return [
    [...tier(orgs.map(apiProcessName), 'api-'), ...tier(orgs.map(idpProcessName), 'idp-')],
    tier(orgs.map(chaincodeProcessName), 'chaincode-'),
    tier(orgs.map(peerProcessName), 'peer-'),
    tier(
      ordererOrgs(config)
        .filter((o) => config.localOrgs.has(o.key))
        .map(ordererProcessName),
      'orderer-',
    ),
    tier(
      orgs.map((o) => `ca-${o.key}`),
      'ca-',
    ),
  ];
}

/** Stops the processes that Lotline started (by pid file), tier by tier in dependency order, each tier in parallel. */
export function stopNetwork(config: NetworkConfig, timings?: StopTimings): Promise<StopReport> {
  return stopTiers(config, stopTierNames(config), timings);
}

/** Stops everything and deletes the data folder. */
export async function resetNetwork(config: NetworkConfig): Promise<void> {
  const { notExited } = await stopNetwork(config);
  if (notExited.length > 0) {
    throw new ActionableError(
      `${config.dataDir} was not deleted: ${notExited.map((p) => `${p.name} (pid ${p.pid})`).join(', ')} still running after SIGKILL. ` +
        'Check them with `npm run status` and run the reset again once they have exited.',
    );
  }
  if (!existsSync(config.dataDir)) return;
  if (!existsSync(path.join(config.dataDir, DATA_MARKER))) {
    throw new ActionableError(`${config.dataDir} has no ${DATA_MARKER} marker, so it was not deleted: remove it yourself if it is safe`);
  }
  rmSync(config.dataDir, { recursive: true, force: true });
}

export interface ProcessStatus {
  name: string;
  pid?: number;
  healthy: boolean;
  endpoint: string;
  /** More about its state (the read model's indexer: its lag in blocks). */
  detail?: string;
}

/** The read model's indexer inside an API, as its `/readyz` reports it. */
async function indexerStatus(org: Org): Promise<{ healthy: boolean; detail: string } | undefined> {
  try {
    const res = await orgFetch(org)(`${apiUrl(org)}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { readModel?: { state: string; indexedBlock?: number; lagBlocks?: number; lastError?: string } };
    const rm = body.readModel;
    if (rm === undefined) return undefined;
    const lag = rm.lagBlocks === undefined ? 'lag unknown' : `lag ${rm.lagBlocks} blocks`;
    const at = rm.indexedBlock === undefined ? '' : `, at block ${rm.indexedBlock}`;
    return {
      healthy: rm.state === 'following',
      detail: `${rm.state}${at}, ${lag}${rm.lastError !== undefined ? ` (${rm.lastError})` : ''}`,
    };
  } catch {
    return undefined;
  }
}

/** The state of every managed process, with its health. */
export async function networkStatus(config: NetworkConfig): Promise<ProcessStatus[]> {
  const out: ProcessStatus[] = [];
  for (const org of local(config)) {
    const checks: [string, string, () => Promise<boolean>][] = [
      [`ca-${org.key}`, `${org.host}:${port(org, 'ca')}`, () => httpOk(`http://${org.host}:${port(org, 'caOps')}/healthz`)],
      ...(org.runsOrderer
        ? [
            [
              ordererProcessName(org),
              `${org.host}:${port(org, 'orderer')}`,
              () => httpOk(`http://${org.host}:${port(org, 'ordererOps')}/healthz`),
            ] as [string, string, () => Promise<boolean>],
          ]
        : []),
      [peerProcessName(org), `${org.host}:${port(org, 'peer')}`, () => httpOk(`http://${org.host}:${port(org, 'peerOps')}/healthz`)],
      [chaincodeProcessName(org), `${org.host}:${port(org, 'chaincode')}`, () => isListening(org.host, port(org, 'chaincode'))],
      [idpProcessName(org), issuerUrl(org), () => httpOk(`${issuerUrl(org)}/.well-known/openid-configuration`, 2000, orgFetch(org))],
      [apiProcessName(org), apiUrl(org), () => httpOk(`${apiUrl(org)}/readyz`, 2000, orgFetch(org))],
    ];
    for (const [name, ep, probe] of checks) {
      const pid = runningPid(config, name);
      out.push({ name, pid, endpoint: ep, healthy: pid !== undefined && (await probe()) });
    }
    const apiPid = runningPid(config, apiProcessName(org));
    const indexer = apiPid === undefined ? undefined : await indexerStatus(org);
    if (indexer !== undefined) out.push({ name: `indexer-${org.key}`, pid: apiPid, endpoint: 'in the API process', ...indexer });
  }
  return out;
}
