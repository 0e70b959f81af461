/**
 * HTTPS on an organisation's API, end to end: ONE extra API process for
 * PartsCo, with the network's own environment for it (network/src/api.ts
 * `apiEnvironment`) plus a certificate from PartsCo's own CA (`issueApiTls`),
 * on 127.0.0.1 and a free port. The CLI reaches it with PartsCo's TLS CA and
 * is refused, with what to do, without it; plain HTTP gets nothing; and an API
 * on a non-loopback address without TLS does not start (exit code 2), unless
 * a TLS-terminating proxy is declared, which it logs as a warning. Every
 * process started here is killed after, also when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { apiEnvironment, apiTlsEnvironment } from '../../../network/src/api';
import { tlsRootCert } from '../../../network/src/config';
import { issueApiTls } from '../../../network/src/identities';
import { mintToken } from '../../../network/src/idp/local';
import { pollUntil } from '../../../network/src/processes';
import { fetchTrusting } from '../../../network/src/tls';
import { cli } from '../support/cli';
import { config, org } from '../support/network';

/** An API process started by this spec, with its output so far. */
interface ApiProcess {
  readonly child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}

const started: ApiProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Starts gateway-api/src/main.ts under tsx with exactly `env` (and PATH). */
function startApi(env: Record<string, string>): ApiProcess {
  const main = path.join(config.repoRoot, 'gateway-api', 'src', 'main.ts');
  const tsx = path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
  const child = spawn(process.execPath, ['--require', tsx, main], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const api: ApiProcess = {
    child,
    out: '',
    err: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (api.out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (api.err += chunk.toString()));
  started.push(api);
  return api;
}

async function stop(api: ApiProcess): Promise<void> {
  if (api.child.exitCode !== null || api.child.signalCode !== null) return;
  api.child.kill('SIGTERM');
  const exited = await Promise.race([api.exit.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
  if (!exited) {
    api.child.kill('SIGKILL');
    await api.exit;
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('HTTPS on an organisation API', function () {
  this.timeout(120_000);
  const parts = org('PartsCo');
  const caFile = tlsRootCert(parts);
  let base: Record<string, string>;
  let url: string;
  let token: string;

  before(async function () {
    await issueApiTls(config, parts);
    base = apiEnvironment(config, parts);
    // The network's own PartsCo API holds the read model's folder: this one reads from the chaincode.
    delete base.LOTLINE_READ_DB_DIR;
    delete base.LOTLINE_READ_DB_URL;
    delete base.LOTLINE_READ_DB_SCHEMA;
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const api = startApi({ ...base, ...apiTlsEnvironment(parts), LOTLINE_API_HOST: '127.0.0.1', LOTLINE_API_PORT: String(port) });
    const trusting = fetchTrusting(caFile);
    const up = await pollUntil(async () => {
      if (api.child.exitCode !== null) return true;
      try {
        return (await trusting(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    }, 60);
    if (!up || api.child.exitCode !== null)
      throw new Error(`the HTTPS API did not come up (exit ${String(api.child.exitCode)}):\n${api.err}\n${api.out.slice(-2000)}`);
    token = await mintToken(config, { org: 'PartsCo', user: 'qm1' });
  });

  after(async function () {
    await Promise.all(started.splice(0).map(stop));
  });

  describe('the CLI', function () {
    it("with --ca-file naming PartsCo's TLS CA, is answered over HTTPS", async function () {
      const run = await cli(['--api-url', url, '--ca-file', caFile, '--token', token, '--json', 'whoami']);
      expect(run.code, run.err).to.equal(0);
      expect(JSON.parse(run.out)).to.include({ user: 'qm1', mspId: 'PartsCoMSP' });
    });

    it('with LOTLINE_CA_FILE instead, is answered too', async function () {
      const run = await cli(['--api-url', url, '--token', token, 'whoami'], { LOTLINE_CA_FILE: caFile });
      expect(run.code, run.err).to.equal(0);
      expect(run.out).to.match(/user\s+qm1/);
    });

    it('without the CA, fails with exit code 4 and says to pass --ca-file with the organisation CA', async function () {
      const run = await cli(['--api-url', url, '--token', token, 'whoami']);
      expect(run.code).to.equal(4);
      expect(run.err).to.contain('TLS_CERTIFICATE_UNTRUSTED: the TLS certificate of');
      expect(run.err).to.match(
        /could not be verified \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\) against Node's default roots/,
      );
      // This API is on a port of its own, not the topology's: the CLI names the data folder's pattern (on PartsCo's own port, its file).
      const pattern = path.join(config.dataDir, 'orgs', '<org>', 'msp', 'tlscacerts', 'tlsca.pem');
      expect(run.err).to.contain(`pass --ca-file with the organisation's TLS CA (or set LOTLINE_CA_FILE), e.g. ${pattern}`);
    });
  });

  it('answers no plain HTTP request on its port', async function () {
    const error = await failure(fetch(`${url.replace('https:', 'http:')}/healthz`, { signal: AbortSignal.timeout(10_000) }));
    expect(error).to.be.an.instanceof(TypeError);
  });

  describe('an API on 0.0.0.0', function () {
    it('without TLS, exits with code 2 and says what to set', async function () {
      const api = startApi({ ...base, LOTLINE_API_HOST: '0.0.0.0', LOTLINE_API_PORT: String(await freePort()) });
      expect(await api.exit).to.equal(2);
      expect(api.err).to.contain('LOTLINE_API_HOST=0.0.0.0 is not a loopback address');
      expect(api.err).to.contain('set LOTLINE_API_TLS_CERT and LOTLINE_API_TLS_KEY');
      expect(api.err).to.contain('LOTLINE_API_BEHIND_TLS_PROXY=1');
    });

    it('behind a declared TLS proxy, starts on plain HTTP and logs a warning', async function () {
      const port = await freePort();
      const api = startApi({ ...base, LOTLINE_API_HOST: '0.0.0.0', LOTLINE_API_PORT: String(port), LOTLINE_API_BEHIND_TLS_PROXY: '1' });
      const listening = await pollUntil(
        () => Promise.resolve(api.out.includes('Lotline API listening') || api.child.exitCode !== null),
        60,
      );
      expect(listening && api.child.exitCode === null, api.err).to.equal(true);
      const lines = api.out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain(`LOTLINE_API_BEHIND_TLS_PROXY=1: serving plain HTTP on 0.0.0.0:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).to.equal(200);
      await stop(api);
    });
  });
});
