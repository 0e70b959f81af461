/**
 * Bring-up and tear-down of what this host runs, in dependency order:
 * binaries → CAs and identities → channel block → orderers → peers →
 * chaincode → OpenID providers and APIs (the steps of ./hosts.ts). Every step
 * is idempotent, so a second `start` finds what runs.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { apiProcessEnvironment, prepareApi } from './api';
import { idpProcessName, issuerUrl, startIdps } from './idp/local';
import { chaincodeProcessName, deployChaincode, waitUntilChaincodeEndorsable } from './chaincode';
import { opsUrl, port, type NetworkConfig, type Org } from './config';
import { DATA_MARKER } from './data-dir';
import { initHost, joinChannel, localOrgs, runsWholeNetwork } from './hosts';
import { createChannelBlock, ordererOrgs, ordererProcessName, peerProcessName, waitForRaftLeader } from './nodes';
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

export { DATA_FORMAT, dataFormatOf, markDataDir } from './data-dir';

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
 * Brings up what this host runs, by the steps of ./hosts.ts: CAs and
 * identities, the channel (created here only when this host runs every
 * organisation; otherwise its block comes from the host that created it),
 * orderers and peers joined, and the chaincode installed and approved, and
 * committed when this host runs every organisation. Returns the number of
 * processes it started (0 when everything was already running).
 */
export async function startNetwork(config: NetworkConfig): Promise<number> {
  let { started } = await initHost(config);
  const whole = runsWholeNetwork(config);
  if (whole) await createChannelBlock(config);
  started += await joinChannel(config);

  if (ordererOrgs(config).every((o) => config.localOrgs.has(o.key))) {
    step('waiting for a Raft leader');
    await waitForRaftLeader(config);
  }

  step(whole ? 'building and deploying the chaincode' : 'building, installing and approving the chaincode');
  const orgs = localOrgs(config);
  const before = orgs.filter((o) => runningPid(config, chaincodeProcessName(o)) !== undefined).length;
  await buildChaincode(config);
  const deployed = await deployChaincode(config, undefined, { commit: whole });
  if (deployed.committed) await waitUntilChaincodeEndorsable(config);
  else step(`approved ${deployed.version} at sequence ${deployed.sequence}: once a majority has approved, one host runs \`commit\``);
  const after = orgs.filter((o) => runningPid(config, chaincodeProcessName(o)) !== undefined).length;
  return started + Math.max(0, after - before);
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
  const orgs = localOrgs(config);
  // Each API trusts only its own organisation's OpenID provider, which runs beside it.
  const providers = await startIdps(config);
  // The API reads only its own environment (gateway-api/src/config.ts): every value comes from here.
  const environments = await Promise.all(orgs.map((org) => prepareApi(config, org)));
  const results = await Promise.all(
    orgs.map((org, index) =>
      startApiProcess(config, org, environments[index] ?? {}, {
        name: apiProcessName(org),
        marker: `LOTLINE_API=${org.key}`,
        url: apiUrl(org),
        what: `${org.name} API`,
      }),
    ),
  );
  return providers + results.filter(Boolean).length;
}

/** One API process: its managed name, the command-line marker it is found by, where it answers. */
export interface ApiProcess {
  readonly name: string;
  readonly marker: string;
  /** Its base URL; the port it listens on is this URL's. */
  readonly url: string;
  readonly what: string;
  readonly readyTimeoutSec?: number;
}

/**
 * Starts `gateway-api/src/main.ts` under Node with tsx for `org`, with `env` (gateway-api's variables), and waits for
 * its `/readyz`. Returns false when it was already running.
 */
export async function startApiProcess(config: NetworkConfig, org: Org, env: Record<string, string>, api: ApiProcess): Promise<boolean> {
  const main = path.join(config.repoRoot, 'gateway-api', 'src', 'main.ts');
  const tsx = path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
  return startProcess(config, {
    name: api.name,
    command: process.execPath,
    match: api.marker,
    args: ['--require', tsx, main, api.marker],
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env, ...apiProcessEnvironment(org) },
    ports: [{ host: config.listenHost, port: Number(new URL(api.url).port), what: api.what }],
    ready: () => httpOk(`${api.url}/readyz`, 2000, orgFetch(org)),
    readyTimeoutSec: api.readyTimeoutSec ?? 60,
  });
}

/**
 * The managed processes in stop order: each tier only after the one before it
 * has exited (APIs, chaincode servers, peers, orderers, CAs: a process is
 * stopped before what it depends on), the processes of one tier in parallel.
 */
export function stopTierNames(config: NetworkConfig): string[][] {
  const orgs = localOrgs(config);
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
  for (const org of localOrgs(config)) {
    const checks: [string, string, () => Promise<boolean>][] = [
      [`ca-${org.key}`, `${org.host}:${port(org, 'ca')}`, () => httpOk(opsUrl(org, 'caOps', '/healthz'))],
      ...(org.runsOrderer
        ? [
            [ordererProcessName(org), `${org.host}:${port(org, 'orderer')}`, () => httpOk(opsUrl(org, 'ordererOps', '/healthz'))] as [
              string,
              string,
              () => Promise<boolean>,
            ],
          ]
        : []),
      [peerProcessName(org), `${org.host}:${port(org, 'peer')}`, () => httpOk(opsUrl(org, 'peerOps', '/healthz'))],
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
