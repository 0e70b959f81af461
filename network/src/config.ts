/**
 * Network configuration: the topology file (`network/topology.json`) merged
 * with environment overrides, and the on-disk layout of the data folder.
 *
 * Every host name and port comes from here, so that each organisation can run
 * its nodes on a host of its own by overriding `LOTLINE_<ORG>_HOST`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Role } from '@lotline/domain';
import { isLoopbackHost } from '@lotline/gateway-api/loopback';

export const PORT_NAMES = [
  'orderer',
  'ordererAdmin',
  'ordererOps',
  'peer',
  'peerChaincode',
  'peerOps',
  'ca',
  'caOps',
  'chaincode',
  'api',
  'idp',
] as const;
export type PortName = (typeof PORT_NAMES)[number];

/** One member organisation, with its resolved host, ports and folders. */
export interface Org {
  key: string;
  name: string;
  mspId: string;
  host: string;
  runsOrderer: boolean;
  ports: Partial<Record<PortName, number>>;
  paths: OrgPaths;
  /** Its API and OpenID provider serve HTTPS (the network's {@link NetworkConfig.apiTls}). */
  apiTls: boolean;
}

export interface OrgPaths {
  caHome: string;
  caClientHome: string;
  msp: string;
  peerMsp: string;
  peerTls: string;
  ordererMsp: string;
  ordererTls: string;
  adminMsp: string;
  adminTls: string;
  /**
   * The chaincode server's TLS material: `server.crt`/`server.key` from the
   * organisation's CA (tls profile) and `client-ca.crt`, the one CA whose
   * certificates it accepts from a client (the organisation's chaincode-client CA).
   */
  chaincodeTls: string;
  /** The peer's TLS client certificate for dialling its chaincode server (`server.crt`, `server.key`, issuer `ca.crt`). */
  peerChaincodeClientTls: string;
  /** The home of the chaincode-client CA, a second CA inside the organisation's Fabric CA server. */
  chaincodeCaHome: string;
  users: string;
  peerData: string;
  ordererData: string;
  peerConfig: string;
  /**
   * The HTTPS certificate of the organisation's API and OpenID provider
   * (`server.crt`, `server.key`, and the organisation's TLS CA as `ca.crt`),
   * issued by its own CA with the `tls` profile when {@link NetworkConfig.apiTls}.
   */
  apiTls: string;
}

export interface DemoUser {
  name: string;
  role: Role;
}

export interface OrdererTuning {
  batchTimeout: string;
  maxMessageCount: number;
  preferredMaxBytes: string;
  absoluteMaxBytes: string;
  tickInterval: string;
  electionTick: number;
  heartbeatTick: number;
  /**
   * Raft `SnapshotIntervalSize`. Must stay below `preferredMaxBytes`: see
   * {@link checkOrdererTuning} for the Fabric 2.5.0 restart deadlock this avoids.
   */
  snapshotIntervalSize: string;
}

export interface NetworkConfig {
  repoRoot: string;
  dataDir: string;
  channel: string;
  chaincode: string;
  fabricVersion: string;
  fabricCaVersion: string;
  listenHost: string;
  /**
   * The APIs and OpenID providers serve HTTPS with certificates from each
   * organisation's own CA: `LOTLINE_API_TLS=1`, and always when
   * `LOTLINE_LISTEN_HOST` is not a loopback address.
   */
  apiTls: boolean;
  orgs: Org[];
  users: DemoUser[];
  orderer: OrdererTuning;
  bin: { fabric: string; fabricCa: string; sampleConfig: string; cacheRoot: string };
  logsDir: string;
  runDir: string;
  /** Organisation keys whose processes this host runs (all by default). */
  localOrgs: Set<string>;
}

/** An organisation as the topology file (or a membership request) writes it: ports before the offset. */
export interface TopologyOrg {
  key: string;
  name: string;
  mspId: string;
  host: string;
  runsOrderer: boolean;
  ports: Partial<Record<PortName, number>>;
}

interface TopologyFile {
  channel: string;
  chaincode: string;
  fabricVersion: string;
  fabricCaVersion: string;
  orderer: OrdererTuning;
  orgs: TopologyOrg[];
  users: DemoUser[];
}

/**
 * The organisations admitted to the channel after it was created
 * (`lotline member join` writes them, a removal deletes them): the
 * topology's own organisations come first, these after.
 */
export function joinedOrgsFile(dataDir: string): string {
  return path.join(dataDir, 'membership', 'joined.json');
}

function joinedOrgs(dataDir: string): TopologyOrg[] {
  const file = joinedOrgsFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TopologyOrg[]) : [];
}

/** An organisation's entry with its ports offset (or overridden) and its folders in the data folder. */
export function resolveOrg(env: NodeJS.ProcessEnv, dataDir: string, org: TopologyOrg): Org {
  const offset = intFromEnv(env, 'LOTLINE_PORT_OFFSET') ?? 0;
  const ports: Partial<Record<PortName, number>> = {};
  for (const name of PORT_NAMES) {
    const base = org.ports[name];
    if (base === undefined) continue;
    ports[name] = intFromEnv(env, envName(org.key, portEnvSuffix(name))) ?? base + offset;
  }
  return {
    key: org.key,
    name: org.name,
    mspId: org.mspId,
    host: env[envName(org.key, 'HOST')] ?? org.host,
    runsOrderer: org.runsOrderer,
    ports,
    paths: orgPaths(dataDir, org.key),
    apiTls: apiTlsFromEnv(env, listenHostOf(env)),
  };
}

/** The repository root, found from this file's location. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

function envName(orgKey: string, suffix: string): string {
  return `LOTLINE_${orgKey.toUpperCase()}_${suffix}`;
}

function portEnvSuffix(name: PortName): string {
  return `${name.replace(/([A-Z])/g, '_$1').toUpperCase()}_PORT`;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name}=${raw} is not a port number: set it to an integer between 1 and 65535, or unset it`);
  }
  return value;
}

function orgPaths(dataDir: string, key: string): OrgPaths {
  const org = path.join(dataDir, 'orgs', key);
  return {
    caHome: path.join(org, 'ca-server'),
    caClientHome: path.join(org, 'ca-registrar'),
    msp: path.join(org, 'msp'),
    peerMsp: path.join(org, 'peer', 'msp'),
    peerTls: path.join(org, 'peer', 'tls'),
    ordererMsp: path.join(org, 'orderer', 'msp'),
    ordererTls: path.join(org, 'orderer', 'tls'),
    adminMsp: path.join(org, 'admin', 'msp'),
    adminTls: path.join(org, 'admin', 'tls'),
    chaincodeTls: path.join(org, 'chaincode', 'tls'),
    peerChaincodeClientTls: path.join(org, 'peer', 'chaincode-client-tls'),
    chaincodeCaHome: path.join(org, 'ca-server', 'chaincode-clients'),
    users: path.join(org, 'users'),
    peerData: path.join(org, 'peer', 'ledger'),
    ordererData: path.join(org, 'orderer', 'ledger'),
    peerConfig: path.join(org, 'peer', 'config'),
    apiTls: path.join(org, 'api', 'tls'),
  };
}

/** The address every process binds: `LOTLINE_LISTEN_HOST`, loopback by default. */
function listenHostOf(env: NodeJS.ProcessEnv): string {
  return env.LOTLINE_LISTEN_HOST ?? '127.0.0.1';
}

/**
 * Whether the APIs and OpenID providers serve HTTPS: `LOTLINE_API_TLS=1`, and
 * always when the processes listen where other hosts can reach them
 * (`LOTLINE_LISTEN_HOST` not loopback), whatever `LOTLINE_API_TLS` says.
 */
export function apiTlsFromEnv(env: NodeJS.ProcessEnv, listenHost: string): boolean {
  const raw = env.LOTLINE_API_TLS;
  if (raw !== undefined && !['', '0', '1'].includes(raw))
    throw new Error(`LOTLINE_API_TLS=${raw} must be 1 (HTTPS APIs and OpenID providers) or 0 (plain HTTP on loopback), or unset`);
  return raw === '1' || !isLoopbackHost(listenHost);
}

/**
 * Reads the topology file and applies environment overrides:
 * `LOTLINE_DATA_DIR`, `LOTLINE_BIN_CACHE`, `LOTLINE_PORT_OFFSET`, `LOTLINE_LISTEN_HOST`, `LOTLINE_API_TLS`,
 * `LOTLINE_TOPOLOGY`, `LOTLINE_LOCAL_ORGS`, `LOTLINE_<ORG>_HOST` and `LOTLINE_<ORG>_<PORT>_PORT`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NetworkConfig {
  const topologyPath = env.LOTLINE_TOPOLOGY ?? path.join(REPO_ROOT, 'network', 'topology.json');
  const topology = JSON.parse(readFileSync(topologyPath, 'utf8')) as TopologyFile;
  checkOrdererTuning(topology.orderer);
  const dataDir = path.resolve(env.LOTLINE_DATA_DIR ?? path.join(REPO_ROOT, '.lotline'));
  const cacheRoot = path.resolve(env.LOTLINE_BIN_CACHE ?? path.join(homedir(), '.cache', 'lotline'));

  const orgs: Org[] = [...topology.orgs, ...joinedOrgs(dataDir)].map((org) => resolveOrg(env, dataDir, org));

  const localKeys = (env.LOTLINE_LOCAL_ORGS ?? '')
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);

  const listenHost = listenHostOf(env);
  return {
    repoRoot: REPO_ROOT,
    dataDir,
    channel: topology.channel,
    chaincode: topology.chaincode,
    fabricVersion: topology.fabricVersion,
    fabricCaVersion: topology.fabricCaVersion,
    listenHost,
    apiTls: apiTlsFromEnv(env, listenHost),
    orgs,
    users: topology.users,
    orderer: topology.orderer,
    bin: {
      cacheRoot,
      fabric: path.join(cacheRoot, `fabric-${topology.fabricVersion}`, 'bin'),
      fabricCa: path.join(cacheRoot, `fabric-ca-${topology.fabricCaVersion}`, 'bin'),
      sampleConfig: path.join(cacheRoot, `fabric-${topology.fabricVersion}`, 'config'),
    },
    logsDir: path.join(dataDir, 'logs'),
    runDir: path.join(dataDir, 'run'),
    localOrgs: new Set(localKeys.length > 0 ? localKeys : orgs.map((o) => o.key)),
  };
}

/** A Fabric byte size (`16 MB`, `512 KB`, `1048576`; units of 1024, as Fabric reads them) in bytes. */
export function byteSize(value: string): number {
  const match = /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(value);
  if (!match?.[1]) throw new Error(`"${value}" is not a byte size: write it like "512 KB" or "2 MB"`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Number(match[1]) * unit;
}

/**
 * Rejects orderer settings that can leave Raft without a leader after a restart.
 *
 * Fabric 2.5.0 (hyperledger/fabric#4199, fixed in 2.5.1, which cannot be built
 * here) can deadlock while an orderer replays its Raft log at start-up: applying
 * a membership entry waits for a WAL sync from the Raft loop while that loop waits
 * to hand over the next batch of replayed entries. The replay is split into
 * batches of `preferredMaxBytes` (Fabric's Raft MaxSizePerMsg), and it starts at
 * the last Raft snapshot, or at the three entries that created the cluster when
 * there is none. A snapshot interval below `preferredMaxBytes` makes the first
 * snapshot, which covers those entries, come before the log outgrows one batch.
 */
export function checkOrdererTuning(tuning: Pick<OrdererTuning, 'preferredMaxBytes'> & { snapshotIntervalSize?: string }): void {
  if (tuning.snapshotIntervalSize === undefined) {
    throw new Error('the topology\'s orderer section has no snapshotIntervalSize: set it below preferredMaxBytes, e.g. "1 MB"');
  }
  if (byteSize(tuning.snapshotIntervalSize) >= byteSize(tuning.preferredMaxBytes)) {
    throw new Error(
      `orderer.snapshotIntervalSize (${tuning.snapshotIntervalSize}) must be below orderer.preferredMaxBytes (${tuning.preferredMaxBytes}): ` +
        'otherwise a Fabric 2.5.0 orderer can deadlock replaying its Raft log after a restart (hyperledger/fabric#4199)',
    );
  }
}

/** Looks an organisation up by key, name or MSP ID (case-insensitive). */
export function findOrg(config: NetworkConfig, ref: string): Org {
  const wanted = ref.toLowerCase();
  const org = config.orgs.find((o) => o.key === wanted || o.name.toLowerCase() === wanted || o.mspId.toLowerCase() === wanted);
  if (!org) {
    throw new Error(`unknown organisation "${ref}": use one of ${config.orgs.map((o) => o.name).join(', ')}`);
  }
  return org;
}

/** Returns a port that the topology defines, or throws naming the missing one. */
export function port(org: Org, name: PortName): number {
  const value = org.ports[name];
  if (value === undefined) throw new Error(`${org.name} has no ${name} port in the topology`);
  return value;
}

/**
 * The operations endpoints (`/healthz`, `/metrics`, `/logspec`) of CAs,
 * orderers and peers listen on loopback only, whatever `LOTLINE_LISTEN_HOST`
 * says: Fabric serves them over plain HTTP here, and an unauthenticated
 * `PUT /logspec` must not be reachable from another host. Only the host's own
 * tooling (readiness, `npm run status`, the benchmarks' metrics) reads them.
 * A Prometheus server on another host would scrape them through TLS with client
 * authentication instead (Fabric's `operations.tls` settings); see network/README.md.
 */
export const OPERATIONS_HOST = '127.0.0.1';

export type OperationsPort = 'caOps' | 'ordererOps' | 'peerOps';

/** The `host:port` an operations endpoint listens on: always loopback ({@link OPERATIONS_HOST}). */
export function operationsAddress(org: Org, name: OperationsPort): string {
  return `${OPERATIONS_HOST}:${port(org, name)}`;
}

/** The URL of an operations endpoint on this host, e.g. `opsUrl(org, 'peerOps', '/healthz')`. */
export function opsUrl(org: Org, name: OperationsPort, pathname: string): string {
  return `http://${operationsAddress(org, name)}${pathname}`;
}

/** `host:port` for a node of an organisation. */
export function endpoint(org: Org, name: PortName): string {
  return `${org.host}:${port(org, name)}`;
}

/** Folder of an enrolled user: `msp/` with the certificate and key. */
export function userDir(org: Org, user: string): string {
  return path.join(org.paths.users, user);
}

/** The TLS root certificate that clients use to verify this organisation's nodes. */
export function tlsRootCert(org: Org): string {
  return path.join(org.paths.msp, 'tlscacerts', 'tlsca.pem');
}
