/**
 * Chaincode as a service: package, install on every peer, run its chaincode
 * server(s), approve by every organisation and commit. A change of the
 * chaincode's build gives a new label and the next sequence.
 *
 * What is deployed is described by a {@link ChaincodeSpec}: `lotline` (see
 * {@link lotlineChaincode}) runs one server per organisation; the benchmark's
 * baseline chaincode (test/bench/baseline-chaincode) runs one shared server.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bin } from './binaries';
import { endpoint, port, tlsRootCert, type NetworkConfig, type Org } from './config';
import { localOrgs } from './hosts';
import { ordererOrgs, peerAdminEnv } from './nodes';
import { isListening, run, runningPid, startProcess, stopProcess } from './processes';
import { NotEndorsableError } from '@lotline/ledger-client';
import { waitForEndorsers } from './peer-access';
import { ActionableError, detail, step, withHeartbeat } from './progress';

/**
 * The placeholders that the ccaas builder's `release` fills in from the peer's
 * own environment (network/builders/ccaas/bin/release, network/src/nodes.ts
 * `chaincodeDialEnv`): its organisation's server address, the CA of that
 * server's TLS certificate, and the peer's TLS client certificate and key.
 */
export const DIAL_PLACEHOLDERS = {
  address: '{{LOTLINE_CC_ADDRESS}}',
  rootCert: '{{LOTLINE_CC_ROOT_CERT}}',
  clientCert: '{{LOTLINE_CC_CLIENT_CERT}}',
  clientKey: '{{LOTLINE_CC_CLIENT_KEY}}',
} as const;

/** Where the chaincode servers of a {@link ChaincodeSpec} listen. */
export type ChaincodeServers =
  /** One server per organisation, on that organisation's `chaincode` port (each peer dials its own). */
  | { kind: 'perOrg' }
  /**
   * One server that every peer dials, on `org`'s host and with `org`'s
   * chaincode TLS certificate, at a fixed address written into the package.
   */
  | { kind: 'shared'; processName: string; org: Org; port: number };

/** One chaincode to deploy: its name on the channel, the built module that its servers load, and where they listen. */
export interface ChaincodeSpec {
  /** The chaincode name on the channel (and the prefix of its package label). */
  name: string;
  /** The folder that `fabric-chaincode-node server --module-path` loads (its package.json `main`). */
  moduleDir: string;
  /** Built package folders (package.json and dist/) whose content is the chaincode's version. */
  versionDirs: string[];
  /** What to run when a folder in `versionDirs` is not built. */
  buildHint: string;
  servers: ChaincodeServers;
}

/** The chaincode project folder (`chaincode/`, or `LOTLINE_CHAINCODE_DIR`). */
export function chaincodeDir(config: NetworkConfig): string {
  return path.resolve(process.env.LOTLINE_CHAINCODE_DIR ?? path.join(config.repoRoot, 'chaincode'));
}

/** The Lotline chaincode (`config.chaincode`): built from chaincode/ and the @lotline/domain it loads, one server per organisation. */
export function lotlineChaincode(config: NetworkConfig): ChaincodeSpec {
  const dir = chaincodeDir(config);
  return {
    name: config.chaincode,
    moduleDir: dir,
    versionDirs: [dir, domainDirOf(dir)],
    buildHint: "run 'npm run build -w chaincode'",
    servers: { kind: 'perOrg' },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** The folder of the @lotline/domain package that the chaincode at `dir` loads. */
function domainDirOf(dir: string): string {
  return path.dirname(createRequire(path.join(dir, 'package.json')).resolve('@lotline/domain/package.json'));
}

/** The files of a built package that its code depends on: package.json and dist/, without source maps or build info. */
function builtFiles(dir: string, buildHint: string): string[] {
  const dist = path.join(dir, 'dist');
  if (!existsSync(dist)) {
    throw new ActionableError(`${path.basename(dir)} is not built (${dist} is missing): ${buildHint}`);
  }
  const built = filesUnder(dist).filter(
    (f) => !f.endsWith('.map') && !f.endsWith('.tsbuildinfo') && !f.includes(`${path.sep}test-build${path.sep}`),
  );
  return [path.join(dir, 'package.json'), ...built];
}

/**
 * The package's `connection.json` (Fabric's ccaas format): TLS with a client
 * certificate, always. For one server per organisation it holds only
 * placeholders, so that the package, and its id, is the same for every
 * organisation; a shared server's package carries its address and the CA of
 * its certificate, and leaves only the peer's own client certificate and key
 * to the builder.
 */
export function connectionJson(spec: ChaincodeSpec): string {
  const shared = spec.servers.kind === 'shared' ? spec.servers : undefined;
  return JSON.stringify({
    address: shared ? `${shared.org.host}:${shared.port}` : DIAL_PLACEHOLDERS.address,
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: true,
    root_cert: shared ? readFileSync(tlsRootCert(shared.org), 'utf8') : DIAL_PLACEHOLDERS.rootCert,
    client_cert: DIAL_PLACEHOLDERS.clientCert,
    client_key: DIAL_PLACEHOLDERS.clientKey,
  });
}

/**
 * A short hash of the built chaincode and of the built packages it loads
 * (each one's dist/ and package.json), and of its package's `connection.json`:
 * its version and label, so that a change of any of them (a new build, or a
 * new way for the peers to dial) redeploys.
 */
export function chaincodeVersion(spec: ChaincodeSpec): string {
  const hash = createHash('sha256');
  for (const dir of spec.versionDirs) {
    for (const file of builtFiles(dir, spec.buildHint)) {
      hash.update(path.relative(spec.moduleDir, file));
      hash.update(readFileSync(file));
    }
  }
  hash.update(connectionJson(spec));
  return hash.digest('hex').slice(0, 12);
}

/** Writes a deterministic ccaas package for a label, with a `connection.json`, and returns its path. */
async function packageChaincode(config: NetworkConfig, label: string, connection: string): Promise<string> {
  const out = path.join(config.dataDir, 'chaincode', `${label}.tar.gz`);
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const work = mkdtempSync(path.join(config.dataDir, 'chaincode', 'pkg-'));
  const tarFlags = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
  try {
    writeFileSync(path.join(work, 'connection.json'), connection);
    writeFileSync(path.join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    await run('sh', ['-c', `tar ${tarFlags.join(' ')} -C "$1" -cf - connection.json | gzip -n > "$1/code.tar.gz"`, 'sh', work], {
      what: 'packing the chaincode connection file',
    });
    await run('sh', ['-c', `tar ${tarFlags.join(' ')} -C "$1" -cf - metadata.json code.tar.gz | gzip -n > "$2"`, 'sh', work, out], {
      what: 'packing the chaincode package',
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

function peerCli(config: NetworkConfig, org: Org, args: string[], what: string): Promise<string> {
  return run(bin(config, 'peer'), args, { env: peerAdminEnv(config, org), what });
}

/** The orderer an organisation's admin talks to: its own, or the first one that listens. */
async function ordererFor(config: NetworkConfig, org: Org): Promise<Org> {
  const candidates = [org, ...ordererOrgs(config)].filter((o) => o.runsOrderer);
  for (const o of candidates) {
    if (await isListening(o.host, port(o, 'orderer'))) return o;
  }
  throw new ActionableError('no orderer is reachable: start the network with npm start');
}

async function ordererArgs(config: NetworkConfig, org: Org): Promise<string[]> {
  const o = await ordererFor(config, org);
  return ['-o', endpoint(o, 'orderer'), '--tls', '--cafile', tlsRootCert(o)];
}

export function chaincodeProcessName(org: Org): string {
  return `chaincode-${org.key}`;
}

/**
 * One chaincode server to run: its managed process name, where it listens,
 * the organisation it serves (if only one), and its TLS files: its
 * certificate and key, and the CA certificates whose client certificates it accepts.
 */
interface ServerPlan {
  name: string;
  host: string;
  port: number;
  what: string;
  org?: Org;
  tls: { cert: string; key: string; clientCas: string };
}

/** The TLS files of an organisation's own chaincode server (issued by network/src/identities.ts). */
function orgServerTls(org: Org): ServerPlan['tls'] {
  const dir = org.paths.chaincodeTls;
  return { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key'), clientCas: path.join(dir, 'client-ca.crt') };
}

/** An organisation's own server of the Lotline chaincode. */
function orgServerPlan(org: Org): ServerPlan {
  return {
    name: chaincodeProcessName(org),
    host: org.host,
    port: port(org, 'chaincode'),
    what: `${org.name} chaincode server`,
    org,
    tls: orgServerTls(org),
  };
}

/**
 * The chaincode servers of a spec. A shared server uses its host
 * organisation's chaincode TLS certificate and accepts the peer client
 * certificate of every organisation (their chaincode-client CAs, bundled in
 * `<dataDir>/chaincode/<process>-client-cas.pem`).
 */
function serverPlans(config: NetworkConfig, spec: ChaincodeSpec): ServerPlan[] {
  if (spec.servers.kind === 'shared') {
    const { processName, org, port: p } = spec.servers;
    const clientCas = path.join(config.dataDir, 'chaincode', `${processName}-client-cas.pem`);
    mkdirSync(path.dirname(clientCas), { recursive: true });
    writeFileSync(clientCas, config.orgs.map((o) => readFileSync(orgServerTls(o).clientCas, 'utf8')).join(''));
    const tls = { ...orgServerTls(org), clientCas };
    return [{ name: processName, host: org.host, port: p, what: `${spec.name} chaincode server`, tls }];
  }
  return localOrgs(config).map(orgServerPlan);
}

/** Starts a chaincode server for a package id, replacing one that runs an older id. */
async function startChaincodeServer(config: NetworkConfig, spec: ChaincodeSpec, server: ServerPlan, packageId: string): Promise<void> {
  const pid = runningPid(config, server.name);
  if (pid !== undefined) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes(packageId)) return;
    detail(`${server.what}: replacing the server of the previous version`);
    await stopProcess(config, server.name);
  }
  const cli = path.join(config.repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
  if (!existsSync(cli)) throw new ActionableError(`fabric-shim is not installed (${cli} is missing): run 'npm ci'`);
  for (const file of Object.values(server.tls)) {
    if (!existsSync(file)) {
      throw new ActionableError(`${server.what}: its TLS file ${file} is missing; 'npm start' issues it from the organisation's CA`);
    }
  }
  await startProcess(config, {
    name: server.name,
    command: process.execPath,
    match: cli,
    args: [
      cli,
      'server',
      '--chaincode-address',
      `${config.listenHost}:${server.port}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      spec.moduleDir,
      // TLS, and only clients with a certificate from the given CAs (the peer's chaincode-client certificate).
      '--chaincode-tls-cert-file',
      server.tls.cert,
      '--chaincode-tls-key-file',
      server.tls.key,
      '--chaincode-tls-client-cacert-file',
      server.tls.clientCas,
    ],
    env: {
      PATH: process.env.PATH,
      CORE_CHAINCODE_LOGGING_LEVEL: 'info',
      CORE_CHAINCODE_LOGGING_SHIM: 'warning',
      ...(server.org ? { LOTLINE_ORG: server.org.mspId } : {}),
    },
    ports: [{ host: config.listenHost, port: server.port, what: server.what }],
    ready: () => isListening(server.host, server.port),
    readyTimeoutSec: 30,
  });
}

/** Starts (or finds running) an organisation's own server of the Lotline chaincode for a package id. */
export function startOrgChaincodeServer(config: NetworkConfig, org: Org, packageId: string): Promise<void> {
  return startChaincodeServer(config, lotlineChaincode(config), orgServerPlan(org), packageId);
}

/** The committed definition of a chaincode (`config.chaincode` unless named) on the channel, if any. */
export async function committedDefinition(
  config: NetworkConfig,
  org: Org,
  name = config.chaincode,
): Promise<{ sequence: number; version: string; validation_parameter?: string; endorsement_plugin?: string } | undefined> {
  try {
    const out = await peerCli(
      config,
      org,
      ['lifecycle', 'chaincode', 'querycommitted', '--channelID', config.channel, '--name', name, '--output', 'json'],
      `querying the committed chaincode ${name} on ${org.name}`,
    );
    return JSON.parse(out) as { sequence: number; version: string };
  } catch {
    return undefined;
  }
}

/** Installs a package on every peer of this host unless it is there already. */
async function installLocally(config: NetworkConfig, pkg: string, packageId: string, label: string): Promise<void> {
  for (const org of localOrgs(config)) {
    const installed = await peerCli(
      config,
      org,
      ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'],
      `listing chaincode on ${org.name}`,
    );
    if (!installed.includes(packageId)) {
      await peerCli(config, org, ['lifecycle', 'chaincode', 'install', pkg], `installing the chaincode on the ${org.name} peer`);
      detail(`installed ${label} on the ${org.name} peer`);
    }
  }
}

/** A spec's version (its build's hash), its package (written once) and the package id that peers install it as. */
async function packaged(
  config: NetworkConfig,
  spec: ChaincodeSpec,
): Promise<{ version: string; label: string; pkg: string; packageId: string }> {
  const version = chaincodeVersion(spec);
  const label = `${spec.name}_${version}`;
  const pkg = await packageChaincode(config, label, connectionJson(spec));
  return { version, label, pkg, packageId: `${label}:${createHash('sha256').update(readFileSync(pkg)).digest('hex')}` };
}

/** What {@link deployChaincode} did. */
export interface Deployment {
  version: string;
  sequence: number;
  packageId: string;
  /** True when that definition is committed on the channel (now or before). */
  committed: boolean;
}

/** The first organisation this host runs: it queries the channel's lifecycle state. */
function firstLocal(config: NetworkConfig): Org {
  const first = localOrgs(config)[0];
  if (!first) throw new ActionableError('this host runs no organisation: set LOTLINE_LOCAL_ORGS to the keys of the topology it runs');
  return first;
}

/** `--channelID … --name … --version … --sequence …` of a definition. */
function definitionArgs(config: NetworkConfig, name: string, version: string, sequence: number): string[] {
  return ['--channelID', config.channel, '--name', name, '--version', version, '--sequence', String(sequence)];
}

/** Which organisations have approved a definition, as `checkcommitreadiness` on this host's first peer says. */
async function approvalsOf(config: NetworkConfig, definition: string[], name: string): Promise<Record<string, boolean>> {
  const out = await peerCli(
    config,
    firstLocal(config),
    ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definition, '--output', 'json'],
    `checking which organisations approved the chaincode ${name}`,
  );
  return (JSON.parse(out) as { approvals: Record<string, boolean> }).approvals;
}

/**
 * Runs a lifecycle transaction through the ordering service, retrying for up
 * to a minute while it has no Raft leader yet (right after the orderers of
 * separate hosts joined; the peer CLI reports only `SERVICE_UNAVAILABLE` text).
 */
async function ordered(config: NetworkConfig, org: Org, args: () => Promise<string[]>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await peerCli(config, org, await args(), what);
      return;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (!/SERVICE_UNAVAILABLE|no Raft leader/.test(text) || Date.now() > deadline) throw error;
      detail(`${what}: the ordering service has no Raft leader yet; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * Deploys a built chaincode (`lotline` unless another spec is given) as far as
 * this host can: package, install on its peers, start its chaincode servers,
 * approve for its organisations, and commit when `commit` is set (the one-host
 * network) and a majority has approved. Does nothing when that version is
 * already committed and its servers run.
 */
export async function deployChaincode(
  config: NetworkConfig,
  spec: ChaincodeSpec = lotlineChaincode(config),
  options: { commit: boolean } = { commit: true },
): Promise<Deployment> {
  const { version, label, pkg, packageId } = await packaged(config, spec);

  await installLocally(config, pkg, packageId, label);
  for (const server of serverPlans(config, spec)) await startChaincodeServer(config, spec, server, packageId);

  const current = await committedDefinition(config, firstLocal(config), spec.name);
  if (current && current.version === version) {
    step(`chaincode ${spec.name} ${version} is committed (sequence ${current.sequence}) and its servers run`);
    return { version, sequence: current.sequence, packageId, committed: true };
  }
  const sequence = (current?.sequence ?? 0) + 1;
  const definition = definitionArgs(config, spec.name, version, sequence);
  const approvals = await approvalsOf(config, definition, spec.name);
  for (const org of localOrgs(config)) {
    if (approvals[org.mspId]) continue;
    await ordered(
      config,
      org,
      async () => [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        ...(await ordererArgs(config, org)),
        ...definition,
        '--package-id',
        packageId,
      ],
      `approving the chaincode ${spec.name} for ${org.name}`,
    );
    detail(`${org.name} approved ${spec.name} ${version} (sequence ${sequence})`);
  }
  if (!options.commit) return { version, sequence, packageId, committed: false };
  await commitDefinition(config, spec.name, version, sequence);
  return { version, sequence, packageId, committed: true };
}

/**
 * Commits a chaincode definition that a majority of the channel's
 * organisations has approved, endorsed by every peer that answers (the
 * lifecycle endorsement policy is a majority). Refuses, naming who has not
 * approved yet, when there is no majority.
 */
export async function commitDefinition(config: NetworkConfig, name: string, version: string, sequence: number): Promise<void> {
  const definition = definitionArgs(config, name, version, sequence);
  const approvals = await approvalsOf(config, definition, name);
  const approved = config.orgs.filter((o) => approvals[o.mspId]);
  const needed = Math.floor(config.orgs.length / 2) + 1;
  if (approved.length < needed) {
    const waiting = config.orgs.filter((o) => !approvals[o.mspId]).map((o) => o.name);
    throw new ActionableError(
      `${name} ${version} (sequence ${sequence}) is approved by ${approved.length} of ${config.orgs.length} organisations; ` +
        `${needed} are needed. Waiting for ${waiting.join(', ')}: each runs \`approve\` on its own host`,
    );
  }
  const reachable: Org[] = [];
  for (const o of config.orgs) if (await isListening(o.host, port(o, 'peer'))) reachable.push(o);
  const peers = reachable.flatMap((o) => ['--peerAddresses', endpoint(o, 'peer'), '--tlsRootCertFiles', tlsRootCert(o)]);
  const first = firstLocal(config);
  await ordered(
    config,
    first,
    async () => ['lifecycle', 'chaincode', 'commit', ...(await ordererArgs(config, first)), ...definition, ...peers],
    `committing the chaincode definition of ${name}`,
  );
  step(`chaincode ${name} ${version} committed at sequence ${sequence}`);
}

/**
 * The `commit` step of a consortium on several hosts: commits the definition
 * of this host's chaincode build at the next sequence, once a majority approved it.
 */
export async function commitChaincode(config: NetworkConfig, spec: ChaincodeSpec = lotlineChaincode(config)): Promise<Deployment> {
  const { version, packageId } = await packaged(config, spec);
  const current = await committedDefinition(config, firstLocal(config), spec.name);
  if (current && current.version === version) {
    step(`chaincode ${spec.name} ${version} is already committed (sequence ${current.sequence})`);
    return { version, sequence: current.sequence, packageId, committed: true };
  }
  const sequence = (current?.sequence ?? 0) + 1;
  await commitDefinition(config, spec.name, version, sequence);
  return { version, sequence, packageId, committed: true };
}

/**
 * The readiness rule after a deployment (or a restart): wait until service
 * discovery on every local peer lists endorsers of the chaincode for every
 * organisation, so the first client transaction can be endorsed.
 * @returns how long it waited, in ms.
 */
export async function waitUntilChaincodeEndorsable(
  config: NetworkConfig,
  timeoutMs = 120_000,
  chaincode = config.chaincode,
): Promise<number> {
  step(`waiting until discovery on every peer lists endorsers of ${chaincode} for every organisation`);
  try {
    const { waitedMs, checks } = await withHeartbeat(
      'readiness',
      (report) =>
        waitForEndorsers(config, {
          chaincode,
          timeoutMs,
          onProgress: (org, p) => report(`${org.name} peer: no endorser yet for ${p.missing.join(', ')}`),
        }),
      5000,
    );
    detail(`every organisation can endorse (waited ${waitedMs} ms, ${checks} discovery checks)`);
    return waitedMs;
  } catch (error) {
    if (error instanceof NotEndorsableError) throw new ActionableError(error.message, { cause: error });
    throw error;
  }
}
