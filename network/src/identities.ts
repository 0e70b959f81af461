/**
 * Identities from each organisation's Fabric CA: the CA servers themselves,
 * node identities (peer, orderer) with TLS certificates, the organisation
 * admin, and demo users whose enrolment certificates carry a `role` attribute.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

function bootstrapFile(org: Org): string {
  return path.join(path.dirname(org.paths.caHome), 'ca-bootstrap.json');
}

/** The CA's bootstrap registrar password: generated on first start, stored 0600, never a default. */
function registrarSecret(org: Org): string {
  const file = bootstrapFile(org);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { secret: string }).secret;
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(18).toString('base64url');
  writeFileSync(file, JSON.stringify({ id: 'registrar', secret }), { mode: 0o600 });
  return secret;
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

function caClient(config: NetworkConfig, org: Org, args: string[], what: string): Promise<string> {
  return run(bin(config, 'fabric-ca-client'), [...args, '--caname', caName(org), '--tls.certfiles', caTlsCert(org)], {
    what,
    hint: `Check that the ${org.name} CA is running ('npm run status') and see its log in ${config.logsDir}.`,
  });
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
  type: 'peer' | 'orderer' | 'admin' | 'client';
  role?: Role;
  /** Host names for TLS certificates; when set, a TLS certificate is enrolled too. */
  tlsHosts?: string[];
  /** Where the enrolment (signing) certificate goes; without it, only the TLS certificate is enrolled. */
  msp?: string;
  /** Where the TLS certificate goes: `server.crt`, `server.key` and the CA's `ca.crt`. */
  tls?: string;
}

/**
 * Registers a new identity with the organisation's CA and enrolls it: its
 * MSP folder, and with `tls` and `tlsHosts` a TLS certificate (the CA's `tls`
 * profile). Skips an identity already enrolled. Exported for the API's and
 * CLI's user registration.
 */
export async function registerAndEnroll(config: NetworkConfig, org: Org, req: IdentityRequest): Promise<void> {
  const done = req.msp !== undefined ? path.join(req.msp, 'signcerts', 'cert.pem') : req.tls && path.join(req.tls, 'server.crt');
  if (done === undefined) throw new Error(`registerAndEnroll(${req.name}): name an MSP folder, a TLS folder, or both`);
  if (existsSync(done)) return;
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
  const home = path.dirname(req.msp ?? req.tls ?? '');
  if (req.msp !== undefined) {
    await caClient(
      config,
      org,
      [
        'enroll',
        '-u',
        caUrl(org, `${req.name}:${secret}`),
        '-H',
        home,
        '-M',
        req.msp,
        ...(req.tlsHosts ? ['--csr.hosts', req.tlsHosts.join(',')] : []),
      ],
      `enrolling ${req.name} with the ${org.name} CA`,
    );
    normaliseMsp(org, req.msp);
  }
  if (req.tls && req.tlsHosts) {
    const tmp = `${req.tls}.enroll`;
    await caClient(
      config,
      org,
      [
        'enroll',
        '-u',
        caUrl(org, `${req.name}:${secret}`),
        '-H',
        home,
        '-M',
        tmp,
        '--enrollment.profile',
        'tls',
        '--csr.hosts',
        req.tlsHosts.join(','),
      ],
      `enrolling the TLS certificate of ${req.name} with the ${org.name} CA`,
    );
    mkdirSync(req.tls, { recursive: true });
    copyFileSync(path.join(tmp, 'signcerts', 'cert.pem'), path.join(req.tls, 'server.crt'));
    copyFileSync(onlyFile(path.join(tmp, 'keystore')), path.join(req.tls, 'server.key'));
    copyFileSync(onlyFile(path.join(tmp, 'tlscacerts')), path.join(req.tls, 'ca.crt'));
    rmSync(tmp, { recursive: true, force: true });
  }
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
 * organisation admin (with a TLS client certificate for osnadmin), and the
 * demo users with their role attributes. Skips what already exists.
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
  for (const user of config.users) {
    await registerAndEnroll(config, org, {
      name: user.name,
      type: 'client',
      role: user.role,
      msp: path.join(userDir(org, user.name), 'msp'),
    });
  }
  detail(`${org.name}: peer, ${org.runsOrderer ? 'orderer, ' : ''}admin and ${config.users.length} users enrolled`);
}
