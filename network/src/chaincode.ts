/**
 * Chaincode as a service: package, install on every peer, run one chaincode
 * server per organisation, approve by every organisation and commit. A change
 * of the chaincode's build gives a new label and the next sequence.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bin } from './binaries';
import { endpoint, port, tlsRootCert, type NetworkConfig, type Org } from './config';
import { ordererOrgs, peerAdminEnv } from './nodes';
import { isListening, run, runningPid, startProcess, stopProcess } from './processes';
import { NotEndorsableError } from '@lotline/ledger-client';
import { waitForEndorsers } from './peer-access';
import { ActionableError, detail, step, withHeartbeat } from './progress';

/** The chaincode project folder (`chaincode/`, or `LOTLINE_CHAINCODE_DIR`). */
export function chaincodeDir(config: NetworkConfig): string {
  return path.resolve(process.env.LOTLINE_CHAINCODE_DIR ?? path.join(config.repoRoot, 'chaincode'));
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
function builtFiles(dir: string): string[] {
  const dist = path.join(dir, 'dist');
  if (!existsSync(dist)) {
    throw new ActionableError(`${path.basename(dir)} is not built (${dist} is missing): run 'npm run build -w chaincode'`);
  }
  const built = filesUnder(dist).filter(
    (f) => !f.endsWith('.map') && !f.endsWith('.tsbuildinfo') && !f.includes(`${path.sep}test-build${path.sep}`),
  );
  return [path.join(dir, 'package.json'), ...built];
}

/**
 * A short hash of the built chaincode and of the built @lotline/domain it
 * loads (each one's dist/ and package.json): its version and label, so that a
 * change of either redeploys.
 */
export function chaincodeVersion(config: NetworkConfig): string {
  const dir = chaincodeDir(config);
  const hash = createHash('sha256');
  for (const file of [...builtFiles(dir), ...builtFiles(domainDirOf(dir))]) {
    hash.update(path.relative(dir, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Writes a deterministic ccaas package for a label and returns its path. */
async function packageChaincode(config: NetworkConfig, label: string): Promise<string> {
  const out = path.join(config.dataDir, 'chaincode', `${label}.tar.gz`);
  if (existsSync(out)) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  const work = mkdtempSync(path.join(config.dataDir, 'chaincode', 'pkg-'));
  const tarFlags = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
  try {
    writeFileSync(
      path.join(work, 'connection.json'),
      JSON.stringify({ address: '{{LOTLINE_CC_ADDRESS}}', dial_timeout: '10s', tls_required: false }),
    );
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

/** Starts an organisation's chaincode server for a package id, replacing one that runs an older id. */
async function startChaincodeServer(config: NetworkConfig, org: Org, packageId: string): Promise<void> {
  const name = chaincodeProcessName(org);
  const pid = runningPid(config, name);
  if (pid !== undefined) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes(packageId)) return;
    detail(`${org.name}: replacing the chaincode server of the previous version`);
    await stopProcess(config, name);
  }
  const cli = path.join(config.repoRoot, 'node_modules', 'fabric-shim', 'cli.js');
  if (!existsSync(cli)) throw new ActionableError(`fabric-shim is not installed (${cli} is missing): run 'npm ci'`);
  const ccPort = port(org, 'chaincode');
  await startProcess(config, {
    name,
    command: process.execPath,
    match: cli,
    args: [
      cli,
      'server',
      '--chaincode-address',
      `${config.listenHost}:${ccPort}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      chaincodeDir(config),
    ],
    env: { PATH: process.env.PATH, CORE_CHAINCODE_LOGGING_LEVEL: 'info', CORE_CHAINCODE_LOGGING_SHIM: 'warning', LOTLINE_ORG: org.mspId },
    ports: [{ host: config.listenHost, port: ccPort, what: `${org.name} chaincode server` }],
    ready: () => isListening(org.host, ccPort),
    readyTimeoutSec: 30,
  });
}

/** The committed definition of the chaincode on the channel, if any. */
export async function committedDefinition(
  config: NetworkConfig,
  org: Org,
): Promise<{ sequence: number; version: string; validation_parameter?: string; endorsement_plugin?: string } | undefined> {
  try {
    const out = await peerCli(
      config,
      org,
      ['lifecycle', 'chaincode', 'querycommitted', '--channelID', config.channel, '--name', config.chaincode, '--output', 'json'],
      `querying the committed chaincode on ${org.name}`,
    );
    return JSON.parse(out) as { sequence: number; version: string };
  } catch {
    return undefined;
  }
}

/**
 * Deploys the built chaincode: package, install, start servers, approve and
 * commit. Does nothing when that version is already committed and running.
 */
export async function deployChaincode(config: NetworkConfig): Promise<{ version: string; sequence: number; packageId: string }> {
  const version = chaincodeVersion(config);
  const label = `${config.chaincode}_${version}`;
  const pkg = await packageChaincode(config, label);
  const packageId = `${label}:${createHash('sha256').update(readFileSync(pkg)).digest('hex')}`;
  const first = config.orgs[0];
  if (!first) throw new Error('the topology has no organisations');

  for (const org of config.orgs) {
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
    await startChaincodeServer(config, org, packageId);
  }

  const current = await committedDefinition(config, first);
  if (current && current.version === version) {
    step(`chaincode ${config.chaincode} ${version} is committed (sequence ${current.sequence}) and its servers run`);
    return { version, sequence: current.sequence, packageId };
  }
  const sequence = (current?.sequence ?? 0) + 1;
  const definition = ['--channelID', config.channel, '--name', config.chaincode, '--version', version, '--sequence', String(sequence)];
  const readinessOut = await peerCli(
    config,
    first,
    ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definition, '--output', 'json'],
    'checking which organisations approved the chaincode',
  );
  const approvals = (JSON.parse(readinessOut) as { approvals: Record<string, boolean> }).approvals;
  for (const org of config.orgs) {
    if (approvals[org.mspId]) continue;
    await peerCli(
      config,
      org,
      ['lifecycle', 'chaincode', 'approveformyorg', ...(await ordererArgs(config, org)), ...definition, '--package-id', packageId],
      `approving the chaincode for ${org.name}`,
    );
    detail(`${org.name} approved ${config.chaincode} ${version} (sequence ${sequence})`);
  }
  const peers = config.orgs.flatMap((o) => ['--peerAddresses', endpoint(o, 'peer'), '--tlsRootCertFiles', tlsRootCert(o)]);
  await peerCli(
    config,
    first,
    ['lifecycle', 'chaincode', 'commit', ...(await ordererArgs(config, first)), ...definition, ...peers],
    'committing the chaincode definition',
  );
  step(`chaincode ${config.chaincode} ${version} committed at sequence ${sequence}`);
  return { version, sequence, packageId };
}

/**
 * The readiness rule after a deployment (or a restart): wait until service
 * discovery on every local peer lists endorsers of the chaincode for every
 * organisation, so the first client transaction can be endorsed.
 * @returns how long it waited, in ms.
 */
export async function waitUntilChaincodeEndorsable(config: NetworkConfig, timeoutMs = 120_000): Promise<number> {
  step(`waiting until discovery on every peer lists endorsers of ${config.chaincode} for every organisation`);
  try {
    const { waitedMs, checks } = await withHeartbeat(
      'readiness',
      (report) =>
        waitForEndorsers(config, {
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
