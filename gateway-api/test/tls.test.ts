/**
 * Unit tests of how the API listens: the configuration refuses plain HTTP on
 * an address other hosts can reach (unless a TLS-terminating proxy is
 * declared, which is logged as a warning), and the real server serves HTTPS
 * with the configured certificate (made here with openssl, see ./certificates.ts).
 */
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { ConfigError, loadApiConfig, startupWarnings } from '../src/config';
import { isLoopbackHost } from '../src/http/loopback';
import { startApiServer } from '../src/http/server';
import { TestCertificates, type Issued } from './certificates';

/** Every required variable, on a loopback address. */
const BASE: Record<string, string> = {
  LOTLINE_API_ORG: 'PartsCo',
  LOTLINE_API_MSP_ID: 'PartsCoMSP',
  LOTLINE_API_PORT: '3002',
  LOTLINE_CHANNEL: 'lotline',
  LOTLINE_CHAINCODE: 'lotline',
  LOTLINE_CHANNEL_MSPS: 'PartsCoMSP',
  LOTLINE_PEER_ENDPOINT: '127.0.0.1:7251',
  LOTLINE_PEER_TLS_CERT: '/nonexistent/tlsca.pem',
  LOTLINE_WALLET_DIR: '/nonexistent/users',
  LOTLINE_OIDC_ISSUER: 'http://127.0.0.1:3102',
  LOTLINE_OIDC_AUDIENCE: 'urn:lotline:api:PartsCoMSP',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadApiConfig({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** A GET over HTTPS trusting only `ca` (undefined: Node's default roots); resolves to the body or rejects with the TLS error. */
function httpsGet(url: string, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...(ca !== undefined ? { ca: readFileSync(ca) } : {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function failure(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: NodeJS.ErrnoException) => error,
  );
}

const hello = (_req: unknown, res: { end(body: string): void }): void => res.end('hello over TLS');

/** A pino logger writing its JSON lines into `lines`. */
function capturingLogger(lines: Record<string, unknown>[]): ReturnType<typeof pino> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

describe('how the API listens', function () {
  describe('loopback addresses', function () {
    it('are 127.0.0.0/8, ::1 and localhost, and nothing else', function () {
      for (const host of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', 'LocalHost'])
        expect(isLoopbackHost(host), host).to.equal(true);
      for (const host of ['0.0.0.0', '::', '10.0.0.7', '128.0.0.1', '192.168.1.2', 'api.partsco.example', 'localhost.example'])
        expect(isLoopbackHost(host), host).to.equal(false);
    });
  });

  describe('the configuration', function () {
    it('on a loopback address without a certificate, is plain HTTP', function () {
      for (const host of ['127.0.0.1', 'localhost', '::1']) {
        const config = loadApiConfig({ ...BASE, LOTLINE_API_HOST: host });
        expect(config.listen).to.deep.include({ host, tls: undefined, behindTlsProxy: false });
      }
    });

    it('on an address other hosts can reach without a certificate, is refused, saying what to set', function () {
      for (const host of ['0.0.0.0', '::', '10.0.0.7', 'api.partsco.example']) {
        const problems = problemsOf({ LOTLINE_API_HOST: host });
        expect(problems, host).to.have.length(1);
        expect(problems[0]).to.contain(`LOTLINE_API_HOST=${host} is not a loopback address`);
        expect(problems[0]).to.contain('set LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY');
        expect(problems[0]).to.contain('LOTLINE_API_BEHIND_TLS_PROXY=1');
      }
    });

    it('on 0.0.0.0 behind a declared TLS proxy, is accepted, with a start-up warning', function () {
      const config = loadApiConfig({ ...BASE, LOTLINE_API_HOST: '0.0.0.0', LOTLINE_API_BEHIND_TLS_PROXY: '1' });
      expect(config.listen).to.deep.include({ host: '0.0.0.0', tls: undefined, behindTlsProxy: true });
      const warnings = startupWarnings(config.listen);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/^LOTLINE_API_BEHIND_TLS_PROXY=1: serving plain HTTP on 0\.0\.0\.0:3002/);
    });

    it('without a declared proxy, warns about nothing', function () {
      expect(startupWarnings(loadApiConfig(BASE).listen)).to.deep.equal([]);
    });

    it('refuses a value of LOTLINE_API_BEHIND_TLS_PROXY other than 1 or 0', function () {
      expect(problemsOf({ LOTLINE_API_BEHIND_TLS_PROXY: 'yes' })).to.deep.equal(['LOTLINE_API_BEHIND_TLS_PROXY=yes must be 1 or 0']);
    });

    describe('with certificate files', function () {
      let certs: TestCertificates;
      let server: Issued;
      before(function () {
        certs = new TestCertificates();
        server = certs.sign(certs.rootCa('root'), 'server');
      });
      after(function () {
        certs.remove();
      });

      it('on 0.0.0.0 with a certificate and its key, is HTTPS', function () {
        const config = loadApiConfig({
          ...BASE,
          LOTLINE_API_HOST: '0.0.0.0',
          LOTLINE_API_TLS_CERT: server.cert,
          LOTLINE_API_TLS_KEY: server.key,
        });
        expect(config.listen.tls).to.deep.equal({ certFile: server.cert, keyFile: server.key, caFile: undefined });
      });

      it('refuses a certificate without its key, and a key without its certificate', function () {
        expect(problemsOf({ LOTLINE_API_TLS_CERT: server.cert })).to.deep.equal([
          'LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY go together: set both (HTTPS) or neither (HTTP)',
        ]);
        expect(problemsOf({ LOTLINE_API_TLS_KEY: server.key })).to.have.length(1);
      });

      it('refuses a certificate file that does not exist, naming it', function () {
        const missing = path.join(certs.dir, 'missing.crt');
        expect(problemsOf({ LOTLINE_API_TLS_CERT: missing, LOTLINE_API_TLS_KEY: server.key })).to.deep.equal([
          `LOTLINE_API_TLS_CERT=${missing} does not exist: name the API's HTTPS certificate (a PEM file)`,
        ]);
      });
    });
  });

  describe('the API process', function () {
    this.timeout(30_000);
    const main = path.resolve(__dirname, '..', 'src', 'main.ts');
    const tsx = require.resolve('tsx/cjs');

    it('on 0.0.0.0 without TLS, exits with code 2 before listening, saying what to set', function () {
      const run = spawnSync(process.execPath, ['--require', tsx, main], {
        env: { PATH: process.env.PATH, ...BASE, LOTLINE_API_HOST: '0.0.0.0' },
        encoding: 'utf8',
        timeout: 25_000,
      });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.contain('LOTLINE_API_HOST=0.0.0.0 is not a loopback address');
      expect(run.stderr).to.contain('LOTLINE_API_BEHIND_TLS_PROXY=1');
    });
  });

  describe('the server', function () {
    let certs: TestCertificates;
    let root: Issued;
    let otherRoot: Issued;
    let server: Issued;
    let intermediate: Issued;
    let chained: Issued;
    const running: Server[] = [];

    before(function () {
      certs = new TestCertificates();
      root = certs.rootCa('root');
      otherRoot = certs.rootCa('other-root');
      server = certs.sign(root, 'server');
      intermediate = certs.sign(root, 'intermediate', { ca: true });
      chained = certs.sign(intermediate, 'chained-server');
    });
    afterEach(async function () {
      for (const s of running.splice(0)) await new Promise((resolve) => s.close(resolve));
    });
    after(function () {
      certs.remove();
    });

    async function start(
      env: Record<string, string>,
      lines: Record<string, unknown>[] = [],
    ): Promise<{ url: (scheme: string) => string; scheme: string }> {
      const config = loadApiConfig({ ...BASE, LOTLINE_API_PORT: '0', ...env });
      const started = await startApiServer(hello, { listen: config.listen }, capturingLogger(lines));
      running.push(started.server);
      return { url: (scheme) => `${scheme}://127.0.0.1:${started.address.port}/`, scheme: started.scheme };
    }

    describe('with LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY', function () {
      it('serves HTTPS to a client that trusts the CA', async function () {
        const api = await start({ LOTLINE_API_TLS_CERT: server.cert, LOTLINE_API_TLS_KEY: server.key });
        expect(api.scheme).to.equal('https');
        expect(await httpsGet(api.url('https'), root.cert)).to.equal('hello over TLS');
      });

      it('fails with a certificate error for a client that does not trust the CA', async function () {
        const api = await start({ LOTLINE_API_TLS_CERT: server.cert, LOTLINE_API_TLS_KEY: server.key });
        expect((await failure(httpsGet(api.url('https'), undefined))).code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        expect((await failure(httpsGet(api.url('https'), otherRoot.cert))).code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      });

      it('answers no plain HTTP request on its port', async function () {
        const api = await start({ LOTLINE_API_TLS_CERT: server.cert, LOTLINE_API_TLS_KEY: server.key });
        const error = await failure(
          new Promise((resolve, reject) => {
            const req = httpRequest(api.url('http'), { agent: false }, resolve);
            req.on('error', reject);
            req.end();
          }),
        );
        expect(error.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
      });

      it('sends the chain of LOTLINE_API_TLS_CA, so that a client trusting only the root verifies an intermediate-signed certificate', async function () {
        const withoutChain = await start({ LOTLINE_API_TLS_CERT: chained.cert, LOTLINE_API_TLS_KEY: chained.key });
        expect((await failure(httpsGet(withoutChain.url('https'), root.cert))).code).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        const withChain = await start({
          LOTLINE_API_TLS_CERT: chained.cert,
          LOTLINE_API_TLS_KEY: chained.key,
          LOTLINE_API_TLS_CA: intermediate.cert,
        });
        expect(await httpsGet(withChain.url('https'), root.cert)).to.equal('hello over TLS');
      });

      it("refuses to start with a key that is not the certificate's, saying what to check", async function () {
        const error = await failure(start({ LOTLINE_API_TLS_CERT: server.cert, LOTLINE_API_TLS_KEY: chained.key }));
        expect(error.message).to.match(/^the HTTPS certificate and key cannot be used \(.*\): check that LOTLINE_API_TLS_CERT/);
      });
    });

    describe('with LOTLINE_API_BEHIND_TLS_PROXY=1', function () {
      it('starts on plain HTTP and logs a warning at start-up', async function () {
        const lines: Record<string, unknown>[] = [];
        const api = await start({ LOTLINE_API_BEHIND_TLS_PROXY: '1' }, lines);
        expect(api.scheme).to.equal('http');
        const warnings = lines.filter((line) => line.level === 40);
        expect(warnings).to.have.length(1);
        expect(warnings[0]?.msg).to.match(
          /^LOTLINE_API_BEHIND_TLS_PROXY=1: serving plain HTTP on 127\.0\.0\.1:0 on the word that a TLS-terminating proxy/,
        );
      });
    });

    describe('without either', function () {
      it('serves plain HTTP on loopback and logs no warning', async function () {
        const lines: Record<string, unknown>[] = [];
        const api = await start({}, lines);
        expect(api.scheme).to.equal('http');
        expect(lines.filter((line) => line.level === 40)).to.deep.equal([]);
      });
    });
  });
});
