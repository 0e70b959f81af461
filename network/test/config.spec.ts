/** Unit tests of the topology configuration and its environment overrides. */
import { expect } from 'chai';
import { byteSize, checkOrdererTuning, findOrg, loadConfig, port } from '../src/config';
import { apiTlsHosts } from '../src/identities';
import { explorerRedirectUris, issuerUrl } from '../src/idp/local';
import { apiUrl } from '../src/network';

describe('network configuration', function () {
  it('shifts every port by LOTLINE_PORT_OFFSET', function () {
    const base = loadConfig({});
    const shifted = loadConfig({ LOTLINE_PORT_OFFSET: '1000' });
    expect(port(findOrg(shifted, 'City'), 'peer')).to.equal(port(findOrg(base, 'City'), 'peer') + 1000);
    expect(port(findOrg(shifted, 'Bank'), 'api')).to.equal(port(findOrg(base, 'Bank'), 'api') + 1000);
  });

  it('takes one organisation’s host and one port from the environment', function () {
    const config = loadConfig({ LOTLINE_PARTSCO_HOST: 'parts.example.org', LOTLINE_PARTSCO_PEER_OPS_PORT: '9999' });
    const parts = findOrg(config, 'PartsCoMSP');
    expect(parts.host).to.equal('parts.example.org');
    expect(port(parts, 'peerOps')).to.equal(9999);
    expect(findOrg(config, 'City').host).to.equal('127.0.0.1');
  });

  it('rejects a port that is not a number, naming the variable', function () {
    expect(() => loadConfig({ LOTLINE_PORT_OFFSET: 'lots' })).to.throw(/LOTLINE_PORT_OFFSET=lots/);
  });

  it('names the known organisations when an unknown one is asked for', function () {
    expect(() => findOrg(loadConfig({}), 'Acme')).to.throw(/City, PartsCo, AssemblyCo, Bank/);
  });

  describe('the Raft snapshot interval', function () {
    it('reads Fabric byte sizes in units of 1024', function () {
      expect(byteSize('1 MB')).to.equal(1024 * 1024);
      expect(byteSize('512KB')).to.equal(512 * 1024);
      expect(byteSize('4096')).to.equal(4096);
      expect(() => byteSize('lots')).to.throw(/not a byte size/);
    });

    it('is below the preferred block size in the topology', function () {
      const { orderer } = loadConfig({});
      expect(byteSize(orderer.snapshotIntervalSize)).to.be.below(byteSize(orderer.preferredMaxBytes));
    });

    it('is refused when it reaches the preferred block size, naming the Fabric issue', function () {
      expect(() => checkOrdererTuning({ preferredMaxBytes: '2 MB', snapshotIntervalSize: '16 MB' })).to.throw(/fabric#4199/);
      expect(() => checkOrdererTuning({ preferredMaxBytes: '2 MB' })).to.throw(/no snapshotIntervalSize/);
    });
  });
});

describe('HTTPS for the APIs and OpenID providers (apiTls)', function () {
  it('is off by default: plain HTTP on loopback', function () {
    const config = loadConfig({});
    expect(config.apiTls).to.equal(false);
    expect(findOrg(config, 'PartsCo').apiTls).to.equal(false);
    expect(apiUrl(findOrg(config, 'PartsCo'))).to.match(/^http:\/\/127\.0\.0\.1:/);
    expect(issuerUrl(findOrg(config, 'PartsCo'))).to.match(/^http:\/\/127\.0\.0\.1:/);
  });

  it('is on with LOTLINE_API_TLS=1, and the APIs, providers and explorer redirects are https URLs', function () {
    const config = loadConfig({ LOTLINE_API_TLS: '1' });
    const parts = findOrg(config, 'PartsCo');
    expect(config.apiTls).to.equal(true);
    expect(apiUrl(parts)).to.equal(`https://127.0.0.1:${port(parts, 'api')}`);
    expect(issuerUrl(parts)).to.equal(`https://127.0.0.1:${port(parts, 'idp')}`);
    expect(explorerRedirectUris(parts)).to.include(`https://localhost:${port(parts, 'api')}/explorer/`);
    expect(explorerRedirectUris(parts).every((uri) => uri.startsWith('https://'))).to.equal(true);
  });

  it('is always on when the processes listen beyond loopback, whatever LOTLINE_API_TLS says', function () {
    for (const env of [{ LOTLINE_LISTEN_HOST: '0.0.0.0' }, { LOTLINE_LISTEN_HOST: '10.0.0.7', LOTLINE_API_TLS: '0' }])
      expect(loadConfig(env).apiTls, JSON.stringify(env)).to.equal(true);
    expect(loadConfig({ LOTLINE_LISTEN_HOST: '127.0.0.2' }).apiTls).to.equal(false);
  });

  it('refuses a value of LOTLINE_API_TLS other than 1 or 0, naming it', function () {
    expect(() => loadConfig({ LOTLINE_API_TLS: 'yes' })).to.throw(/^LOTLINE_API_TLS=yes must be 1/);
  });

  it("keeps each organisation's certificate in its own folder", function () {
    const config = loadConfig({ LOTLINE_DATA_DIR: '/tmp/lotline-tls-paths' });
    expect(findOrg(config, 'Bank').paths.apiTls).to.equal('/tmp/lotline-tls-paths/orgs/bank/api/tls');
    expect(apiTlsHosts(findOrg(config, 'Bank'))).to.have.members(['127.0.0.1', 'localhost', 'api.bank', 'idp.bank']);
  });
});
