import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectionJson, DIAL_PLACEHOLDERS, type ChaincodeSpec } from '../src/chaincode';

const RELEASE = path.join(__dirname, '..', 'builders', 'ccaas', 'bin', 'release');

/** A PEM-like file with the characters that JSON and sed care about. */
const PEM = '-----BEGIN CERTIFICATE-----\r\nMIIB+/ab\\"cd==\n-----END CERTIFICATE-----\n';

const perOrgSpec: ChaincodeSpec = { name: 'lotline', moduleDir: '/x', versionDirs: [], buildHint: '', servers: { kind: 'perOrg' } };

describe('the ccaas builder’s release (network/builders/ccaas/bin/release)', function () {
  let work: string;
  let build: string;
  let release: string;
  let env: Record<string, string>;

  beforeEach(function () {
    work = mkdtempSync(path.join(tmpdir(), 'lotline-release-'));
    build = path.join(work, 'bld');
    release = path.join(work, 'release');
    mkdirSync(build);
    mkdirSync(release);
    writeFileSync(path.join(build, 'connection.json'), connectionJson(perOrgSpec));
    for (const name of ['root.pem', 'client.pem', 'client.key']) writeFileSync(path.join(work, name), `${name}\n${PEM}`);
    env = {
      PATH: process.env.PATH ?? '',
      LOTLINE_CC_ADDRESS: '127.0.0.1:9999',
      LOTLINE_CC_ROOT_CERT_FILE: path.join(work, 'root.pem'),
      LOTLINE_CC_CLIENT_CERT_FILE: path.join(work, 'client.pem'),
      LOTLINE_CC_CLIENT_KEY_FILE: path.join(work, 'client.key'),
    };
  });
  afterEach(function () {
    rmSync(work, { recursive: true, force: true });
  });

  const runRelease = () => spawnSync(RELEASE, [build, release], { env, encoding: 'utf8' });
  const released = () => path.join(release, 'chaincode', 'server', 'connection.json');

  it('fills the organisation’s address and the PEM files into valid JSON, byte for byte (without carriage returns), mode 0600', function () {
    const result = runRelease();
    expect(result.status, result.stderr).to.equal(0);
    const connection = JSON.parse(readFileSync(released(), 'utf8')) as Record<string, unknown>;
    const pem = (name: string) => `${name}\n${PEM.replace(/\r/g, '')}`;
    expect(connection).to.deep.equal({
      address: '127.0.0.1:9999',
      dial_timeout: '10s',
      tls_required: true,
      client_auth_required: true,
      root_cert: pem('root.pem'),
      client_cert: pem('client.pem'),
      client_key: pem('client.key'),
    });
    expect(statSync(released()).mode & 0o777).to.equal(0o600);
  });

  it('fails naming the variable when the peer does not propagate the client key file', function () {
    delete env.LOTLINE_CC_CLIENT_KEY_FILE;
    const result = runRelease();
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('LOTLINE_CC_CLIENT_KEY_FILE is not set').and.include('restart the peer');
  });

  it('fails naming the file when the client certificate is missing', function () {
    env.LOTLINE_CC_CLIENT_CERT_FILE = path.join(work, 'absent.pem');
    const result = runRelease();
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`names ${path.join(work, 'absent.pem')}, which is missing or empty`);
  });

  it('keeps what a package carries literally (a shared server’s address and root certificate)', function () {
    const literal = {
      address: '10.0.0.1:7052',
      root_cert: 'LITERAL',
      client_cert: DIAL_PLACEHOLDERS.clientCert,
      client_key: DIAL_PLACEHOLDERS.clientKey,
    };
    writeFileSync(path.join(build, 'connection.json'), JSON.stringify(literal));
    delete env.LOTLINE_CC_ADDRESS;
    delete env.LOTLINE_CC_ROOT_CERT_FILE;
    const result = runRelease();
    expect(result.status, result.stderr).to.equal(0);
    const connection = JSON.parse(readFileSync(released(), 'utf8')) as Record<string, unknown>;
    expect(connection).to.include({ address: '10.0.0.1:7052', root_cert: 'LITERAL' });
    expect(connection.client_key).to.match(/^client\.key\n-----BEGIN/);
  });
});

describe('the per-organisation package’s connection.json', function () {
  it('asks for TLS with a client certificate and holds only placeholders, so every organisation installs the same package', function () {
    expect(JSON.parse(connectionJson(perOrgSpec))).to.deep.equal({
      address: DIAL_PLACEHOLDERS.address,
      dial_timeout: '10s',
      tls_required: true,
      client_auth_required: true,
      root_cert: DIAL_PLACEHOLDERS.rootCert,
      client_cert: DIAL_PLACEHOLDERS.clientCert,
      client_key: DIAL_PLACEHOLDERS.clientKey,
    });
  });
});
