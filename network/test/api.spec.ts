/**
 * Unit tests of what the network hands the organisations' APIs: the
 * environment satisfies gateway-api's own configuration reader (so a variable
 * the API adds cannot be forgotten here), and process logs are private.
 */
import { chmodSync, closeSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadApiConfig } from '@lotline/gateway-api';
import { apiEnvironment, apiProcessEnvironment } from '../src/api';
import { apiAudience, issuerUrl } from '../src/idp/local';
import { findOrg, loadConfig, port, tlsRootCert } from '../src/config';
import { logFile, openLogFile } from '../src/processes';

describe('the API environment the network passes', function () {
  const config = loadConfig({ LOTLINE_DATA_DIR: '/tmp/lotline-api-env', LOTLINE_PORT_OFFSET: '500' });
  const parts = findOrg(config, 'PartsCo');

  it('is a complete gateway-api configuration for the organisation, CA registrar included', function () {
    const api = loadApiConfig(apiEnvironment(config, parts));
    expect(api.org).to.deep.equal({ name: 'PartsCo', mspId: 'PartsCoMSP' });
    expect(api.listen.port).to.equal(port(parts, 'api'));
    expect(api.peer.endpoint).to.equal(`${parts.host}:${port(parts, 'peer')}`);
    expect(api.peer.tlsRootCertFile).to.equal(tlsRootCert(parts));
    expect(api.memberMsps).to.deep.equal(config.orgs.map((o) => o.mspId));
    expect(api.walletDir).to.equal(parts.paths.users);
    expect(api.auth.issuer).to.equal(issuerUrl(parts));
    expect(api.auth.issuer).to.equal(`http://${parts.host}:${port(parts, 'idp')}`);
    expect(api.auth.audience).to.equal(apiAudience(parts));
    expect(api.ca?.url).to.equal(`https://${parts.host}:${port(parts, 'ca')}`);
    expect(api.ca?.registrarHome).to.equal(parts.paths.caClientHome);
  });

  it('is refused by the API, listing every missing variable, when a required one is left out', function () {
    const env: Record<string, string> = apiEnvironment(config, parts);
    delete env.LOTLINE_PEER_ENDPOINT;
    delete env.LOTLINE_CA_NAME;
    let problems: readonly string[] = [];
    try {
      loadApiConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^LOTLINE_PEER_ENDPOINT is missing/);
    expect(problems[1]).to.match(/^LOTLINE_CA_NAME is missing.*LOTLINE_CA_\* variables go together/);
  });
});

describe('the API environment with HTTPS (LOTLINE_API_TLS=1 or a non-loopback LOTLINE_LISTEN_HOST)', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lotline-api-tls-env-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves HTTPS on 0.0.0.0 with the organisation's certificate, trusting its own https provider", function () {
    const config = loadConfig({ LOTLINE_DATA_DIR: dir, LOTLINE_LISTEN_HOST: '0.0.0.0' });
    const parts = findOrg(config, 'PartsCo');
    mkdirSync(parts.paths.apiTls, { recursive: true });
    for (const file of ['server.crt', 'server.key']) writeFileSync(path.join(parts.paths.apiTls, file), 'PEM');
    const api = loadApiConfig(apiEnvironment(config, parts));
    expect(api.listen).to.deep.include({ host: '0.0.0.0', behindTlsProxy: false });
    expect(api.listen.tls).to.deep.equal({
      certFile: path.join(dir, 'orgs', 'partsco', 'api', 'tls', 'server.crt'),
      keyFile: path.join(dir, 'orgs', 'partsco', 'api', 'tls', 'server.key'),
      caFile: undefined,
    });
    expect(api.auth.issuer).to.equal(`https://${parts.host}:${port(parts, 'idp')}`);
    expect(apiProcessEnvironment(parts)).to.deep.equal({ NODE_EXTRA_CA_CERTS: tlsRootCert(parts) });
  });

  it('without LOTLINE_API_TLS on loopback, is plain HTTP with no CA to add', function () {
    const config = loadConfig({ LOTLINE_DATA_DIR: dir });
    const parts = findOrg(config, 'PartsCo');
    expect(apiEnvironment(config, parts)).to.not.have.any.keys('LOTLINE_API_TLS_CERT', 'LOTLINE_API_TLS_KEY');
    expect(apiProcessEnvironment(parts)).to.deep.equal({});
  });
});

describe('process log files', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lotline-logs-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('are created 0600 in a 0700 folder', function () {
    const config = loadConfig({ LOTLINE_DATA_DIR: dir });
    closeSync(openLogFile(config, 'api-partsco'));
    expect(statSync(logFile(config, 'api-partsco')).mode & 0o777).to.equal(0o600);
    expect(statSync(config.logsDir).mode & 0o777).to.equal(0o700);
  });

  it('are made private when an older Lotline left them readable by others', function () {
    const config = loadConfig({ LOTLINE_DATA_DIR: dir });
    mkdirSync(config.logsDir, { mode: 0o755 });
    chmodSync(config.logsDir, 0o755);
    writeFileSync(logFile(config, 'peer-city'), 'old line\n', { mode: 0o644 });
    closeSync(openLogFile(config, 'peer-city'));
    expect(statSync(logFile(config, 'peer-city')).mode & 0o777).to.equal(0o600);
    expect(statSync(config.logsDir).mode & 0o777).to.equal(0o700);
  });
});
