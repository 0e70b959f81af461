/**
 * Identities from each organisation's Fabric CA: the CA servers themselves,
 * node identities (peer, orderer) with TLS certificates, the organisation
 * admin, demo users whose enrolment certificates carry a `role` attribute, and
 * the TLS certificates of the chaincode hop (the chaincode server's, and the
 * peer's client certificate from the organisation's chaincode-client CA).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { bin } from './binaries';
import type { Role } from '@lotline/domain';
import { endpoint, OPERATIONS_HOST, operationsAddress, opsUrl, port, userDir, type NetworkConfig, type Org } from './config';
import { httpOk, run, startProcess } from './processes';
import { detail } from './progress';

/** The org CA's TLS certificate, which clients of the CA must trust. */
export function caTlsCert(org: Org): string {
  return path.join(org.paths.caHome, 'tls-cert.pem');
}

/** The CA name of an organisation's Fabric CA (`--caname`). */
export function caName(org: Org): string {
  return `ca-${org.key}`;
}

/** The URL of an organisation's Fabric CA, optionally with `name:secret@` credentials. */
export function caUrl(org: Org, credentials?: string): string {
  return `https://${credentials ? `${credentials}@` : ''}${endpoint(org, 'ca')}`;
}

/**
 * The CA name of an organisation's chaincode-client CA: a second CA in the
 * same Fabric CA server whose only identity is {@link PEER_CHAINCODE_CLIENT}.
 * Its certificate is the one client CA that the organisation's chaincode
 * server accepts, so no other certificate of the organisation (users, admin,
 * orderer, or one the API's registrar issues) can open a chaincode stream.
 */
export function chaincodeCaName(org: Org): string {
  return `ca-${org.key}-chaincode-clients`;
}

/** The identity of the peer's TLS client certificate for its chaincode server (the chaincode-client CA's only one). */
export const PEER_CHAINCODE_CLIENT = 'peer0-cc';

/** A bootstrap password of the organisation: generated on first use, stored 0600 under its folder, never a default. */
function bootstrapSecret(org: Org, fileName: string, id: string): string {
  const file = path.join(path.dirname(org.paths.caHome), fileName);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { secret: string }).secret;
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(18).toString('base64url');
  writeFileSync(file, JSON.stringify({ id, secret }), { mode: 0o600 });
  return secret;
}

/** The CA's bootstrap registrar password. */
function registrarSecret(org: Org): string {
  return bootstrapSecret(org, 'ca-bootstrap.json', 'registrar');
}

/** The enrolment secret of {@link PEER_CHAINCODE_CLIENT}; the chaincode-client CA has no registrar. */
function chaincodeClientSecret(org: Org): string {
  return bootstrapSecret(org, 'chaincode-ca-bootstrap.json', PEER_CHAINCODE_CLIENT);
}

/**
 * Writes the configuration of the chaincode-client CA (loaded with
 * `--cafiles`): its own name, subject, database and files under its own home,
 * and one bootstrap identity, the peer's chaincode client, which can enroll
 * but not register anyone. Everything else (signing profiles, including
 * `tls`) comes from the server's default CA.
 */
function writeChaincodeCaConfig(org: Org): string {
  const home = org.paths.chaincodeCaHome;
  mkdirSync(home, { recursive: true });
  const file = path.join(home, 'fabric-ca-config.yaml');
  const doc = {
    ca: { name: chaincodeCaName(org), certfile: 'ca-cert.pem', keyfile: 'ca-key.pem', chainfile: 'ca-chain.pem' },
    csr: { cn: `chaincode-clients.${org.key}` },
    db: { type: 'sqlite3', datasource: 'fabric-ca-server.db' },
    registry: {
      identities: [{ name: PEER_CHAINCODE_CLIENT, pass: chaincodeClientSecret(org), type: 'client', affiliation: '', attrs: {} }],
    },
  };
  writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
  return file;
}

/** Starts (or finds running) the organisation's Fabric CA server. */
export async function startCa(config: NetworkConfig, org: Org): Promise<boolean> {
  mkdirSync(org.paths.caHome, { recursive: true });
  const hosts = Array.from(new Set(['localhost', '127.0.0.1', org.host, `ca.${org.key}`])).join(',');
  return startProcess(config, {
    name: `ca-${org.key}`,
    command: bin(config, 'fabric-ca-server'),
    args: [
      'start',
      '-b',
      `registrar:${registrarSecret(org)}`,
      '--address',
      config.listenHost,
      '--port',
      String(port(org, 'ca')),
      '--tls.enabled',
      '--csr.hosts',
      hosts,
      '--csr.cn',
      `ca.${org.key}`,
      '--ca.name',
      caName(org),
      '--home',
      org.paths.caHome,
      '--cafiles',
      writeChaincodeCaConfig(org),
    ],
    env: {
      PATH: process.env.PATH,
      FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: operationsAddress(org, 'caOps'),
      FABRIC_CA_SERVER_METRICS_PROVIDER: 'prometheus',
    },
    ports: [
      { host: config.listenHost, port: port(org, 'ca'), what: `${org.name} CA` },
      { host: OPERATIONS_HOST, port: port(org, 'caOps'), what: `${org.name} CA operations` },
    ],
    ready: () => httpOk(opsUrl(org, 'caOps', '/healthz')),
  });
}

function caClient(config: NetworkConfig, org: Org, args: string[], what: string, name = caName(org)): Promise<string> {
  const hint =
    name === chaincodeCaName(org)
      ? `The ${org.name} CA serves ${name} only if it was started with it: a CA started by an older Lotline was not, so stop the network ('npm stop') and start it again. See its log in ${config.logsDir}.`
      : `Check that the ${org.name} CA is running ('npm run status') and see its log in ${config.logsDir}.`;
  return run(bin(config, 'fabric-ca-client'), [...args, '--caname', name, '--tls.certfiles', caTlsCert(org)], { what, hint });
}

/** Enrolls the CA's bootstrap registrar into `caClientHome` (once); the API registers users as it. */
export async function enrollRegistrar(config: NetworkConfig, org: Org): Promise<void> {
  if (existsSync(path.join(org.paths.caClientHome, 'msp', 'signcerts', 'cert.pem'))) return;
  await caClient(
    config,
    org,
    ['enroll', '-u', caUrl(org, `registrar:${registrarSecret(org)}`), '-H', org.paths.caClientHome],
    `enrolling the ${org.name} CA registrar`,
  );
}

interface IdentityRequest {
  name: string;
  /**
   * Its Fabric CA type, which becomes its certificates' OU. `chaincode` is no
   * NodeOU of the channel's MSPs, so such a certificate is not a member identity.
   */
  type: 'peer' | 'orderer' | 'admin' | 'client' | 'chaincode';
  role?: Role;
  /** Host names for TLS certificates; when set, a TLS certificate is enrolled too. */
  tlsHosts?: string[];
  /** Where its enrolment certificate goes; without it, the identity gets only a TLS certificate. */
  msp?: string;
  tls?: string;
}

/**
 * Registers a new identity with the organisation's CA and enrolls it: its
 * MSP folder, and with `tls` and `tlsHosts` a TLS certificate (the CA's `tls`
 * profile). Skips an identity already enrolled. Exported for the API's and
 * CLI's user registration.
 */
export async function registerAndEnroll(config: NetworkConfig, org: Org, req: IdentityRequest): Promise<void> {
  if (existsSync(req.msp ? mspCert(req.msp) : path.join(req.tls ?? '', 'server.crt'))) return;
  if (!req.msp && !(req.tls && req.tlsHosts))
    throw new Error(`${req.name}: an identity needs an MSP folder or a TLS folder with host names`);
  await enrollRegistrar(config, org);
  const secret = randomBytes(18).toString('base64url');
  const attrs = req.role ? ['--id.attrs', `role=${req.role}:ecert`] : [];
  await caClient(
    config,
    org,
    [
      'register',
      '-H',
      org.paths.caClientHome,
      '-u',
      caUrl(org),
      '--id.name',
      req.name,
      '--id.secret',
      secret,
      '--id.type',
      req.type,
      ...attrs,
    ],
    `registering ${req.name} with the ${org.name} CA`,
  );
  if (req.msp) {
    await caClient(
      config,
      org,
      [
        'enroll',
        '-u',
        caUrl(org, `${req.name}:${secret}`),
        '-H',
        path.dirname(req.msp),
        '-M',
        req.msp,
        ...(req.tlsHosts ? ['--csr.hosts', req.tlsHosts.join(',')] : []),
      ],
      `enrolling ${req.name} with the ${org.name} CA`,
    );
    normaliseMsp(org, req.msp);
  }
  if (req.tls && req.tlsHosts) {
    await enrollTls(config, org, { name: req.name, secret, hosts: req.tlsHosts, dir: req.tls });
  }
}

/**
 * Enrolls a TLS certificate (the CA's `tls` profile) into `dir` as
 * `server.crt`, `server.key` and the issuing CA's `ca.crt`.
 */
async function enrollTls(
  config: NetworkConfig,
  org: Org,
  req: { name: string; secret: string; hosts: string[]; dir: string; caName?: string },
): Promise<void> {
  const tmp = `${req.dir}.enroll`;
  const name = req.caName ?? caName(org);
  rmSync(tmp, { recursive: true, force: true });
  await caClient(
    config,
    org,
    [
      'enroll',
      '-u',
      caUrl(org, `${req.name}:${req.secret}`),
      '-H',
      tmp,
      '-M',
      tmp,
      '--enrollment.profile',
      'tls',
      '--csr.hosts',
      req.hosts.join(','),
    ],
    `enrolling the TLS certificate of ${req.name} with the ${org.name} CA (${name})`,
    name,
  );
  mkdirSync(req.dir, { recursive: true });
  copyFileSync(path.join(tmp, 'signcerts', 'cert.pem'), path.join(req.dir, 'server.crt'));
  copyFileSync(onlyFile(path.join(tmp, 'keystore')), path.join(req.dir, 'server.key'));
  copyFileSync(onlyFile(path.join(tmp, 'tlscacerts')), path.join(req.dir, 'ca.crt'));
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * The TLS material of the chaincode hop (Fabric's ccaas `connection.json`
 * with `client_auth_required`): the chaincode server's certificate, from the
 * organisation's CA for the host names the peer dials, and the peer's client
 * certificate from the chaincode-client CA, whose certificate becomes the
 * server's only client CA (`client-ca.crt`).
 */
async function issueChaincodeTls(config: NetworkConfig, org: Org): Promise<void> {
  const p = org.paths;
  await registerAndEnroll(config, org, {
    name: 'chaincode0',
    type: 'chaincode',
    tls: p.chaincodeTls,
    tlsHosts: nodeHosts(org, 'chaincode0'),
  });
  const client = p.peerChaincodeClientTls;
  if (!existsSync(path.join(client, 'server.crt'))) {
    await enrollTls(config, org, {
      name: PEER_CHAINCODE_CLIENT,
      secret: chaincodeClientSecret(org),
      hosts: [`${PEER_CHAINCODE_CLIENT}.${org.key}`],
      dir: client,
      caName: chaincodeCaName(org),
    });
  }
  copyFileSync(path.join(client, 'ca.crt'), path.join(p.chaincodeTls, 'client-ca.crt'));
}

function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  if (files.length !== 1 || files[0] === undefined) throw new Error(`expected exactly one file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]);
}

/** The enrolled private key of an MSP folder. */
export function mspKey(msp: string): string {
  return onlyFile(path.join(msp, 'keystore'));
}

/** The enrolled certificate of an MSP folder. */
export function mspCert(msp: string): string {
  return path.join(msp, 'signcerts', 'cert.pem');
}

function nodeOuConfig(): string {
  const ou = (name: string) =>
    `  ${name}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${name.toLowerCase()}\n`;
  return `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`;
}

/** Writes the NodeOUs `config.yaml` of an MSP folder whose root CA is `cacerts/ca.pem`. */
export function writeNodeOuConfig(msp: string): void {
  writeFileSync(path.join(msp, 'config.yaml'), nodeOuConfig());
}

/** Gives an enrolled MSP folder the organisation's CA as `cacerts/ca.pem` and a NodeOUs config. */
function normaliseMsp(org: Org, msp: string): void {
  rmSync(path.join(msp, 'cacerts'), { recursive: true, force: true });
  mkdirSync(path.join(msp, 'cacerts'), { recursive: true });
  copyFileSync(path.join(org.paths.caHome, 'ca-cert.pem'), path.join(msp, 'cacerts', 'ca.pem'));
  writeNodeOuConfig(msp);
}

/** Writes the organisation's channel MSP: CA root, TLS root and NodeOUs. */
function writeOrgMsp(org: Org): void {
  const msp = org.paths.msp;
  mkdirSync(path.join(msp, 'cacerts'), { recursive: true });
  mkdirSync(path.join(msp, 'tlscacerts'), { recursive: true });
  copyFileSync(path.join(org.paths.caHome, 'ca-cert.pem'), path.join(msp, 'cacerts', 'ca.pem'));
  copyFileSync(path.join(org.paths.caHome, 'ca-cert.pem'), path.join(msp, 'tlscacerts', 'tlsca.pem'));
  writeNodeOuConfig(msp);
}

/** The host names in the certificate of an organisation's API and OpenID provider. */
export function apiTlsHosts(org: Org): string[] {
  return Array.from(new Set([org.host, 'localhost', '127.0.0.1', `api.${org.key}`, `idp.${org.key}`]));
}

/** The TLS identity whose certificate the organisation's API and OpenID provider serve. */
export const API_TLS_IDENTITY = 'api-tls';

/**
 * Issues the HTTPS certificate of an organisation's API and OpenID provider
 * from the organisation's own CA (`tls` profile) into `orgs/<org>/api/tls`
 * (`server.crt`, `server.key` 0600, `ca.crt`), unless it is there. Its
 * clients verify it against the organisation's TLS CA ({@link tlsRootCert}).
 */
export async function issueApiTls(config: NetworkConfig, org: Org): Promise<void> {
  await registerAndEnroll(config, org, { name: API_TLS_IDENTITY, type: 'client', tls: org.paths.apiTls, tlsHosts: apiTlsHosts(org) });
}

function nodeHosts(org: Org, name: string): string[] {
  return Array.from(new Set([`${name}.${org.key}`, 'localhost', '127.0.0.1', org.host]));
}

/**
 * Issues every identity an organisation needs from its CA: peer, orderer,
 * organisation admin (with a TLS client certificate for osnadmin), the TLS
 * certificates of the chaincode hop, and the demo users with their role
 * attributes. Skips what already exists.
 */
export async function issueIdentities(config: NetworkConfig, org: Org): Promise<void> {
  writeOrgMsp(org);
  const p = org.paths;
  await registerAndEnroll(config, org, { name: 'peer0', type: 'peer', msp: p.peerMsp, tls: p.peerTls, tlsHosts: nodeHosts(org, 'peer0') });
  if (org.runsOrderer) {
    await registerAndEnroll(config, org, {
      name: 'orderer0',
      type: 'orderer',
      msp: p.ordererMsp,
      tls: p.ordererTls,
      tlsHosts: nodeHosts(org, 'orderer0'),
    });
  }
  await registerAndEnroll(config, org, {
    name: 'orgadmin',
    type: 'admin',
    msp: p.adminMsp,
    tls: p.adminTls,
    tlsHosts: ['orgadmin', 'localhost'],
  });
  await issueChaincodeTls(config, org);
  for (const user of config.users) {
    await registerAndEnroll(config, org, {
      name: user.name,
      type: 'client',
      role: user.role,
      msp: path.join(userDir(org, user.name), 'msp'),
    });
  }
  detail(`${org.name}: peer, ${org.runsOrderer ? 'orderer, ' : ''}admin, chaincode TLS and ${config.users.length} users enrolled`);
}
