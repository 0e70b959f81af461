/**
 * Unit tests of the HTTPS client of the network and the CLI (../src/tls.ts):
 * it verifies a server against the given CA file, and a failure to verify is
 * recognised as a certificate error. Certificates are made with openssl
 * (gateway-api/test/certificates.ts), in a temporary folder.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { TestCertificates, type Issued } from '../../gateway-api/test/certificates';
import { certificateErrorCode, fetchTrusting, readCaFile } from '../src/tls';

describe('HTTPS verified against an organisation CA (fetchTrusting)', function () {
  let certs: TestCertificates;
  let root: Issued;
  let otherRoot: Issued;
  let server: Server;
  let url: string;

  before(async function () {
    certs = new TestCertificates();
    root = certs.rootCa('org-ca');
    otherRoot = certs.rootCa('other-ca');
    const leaf = certs.sign(root, 'api');
    server = createServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (_req, res) => res.end('verified'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    certs.remove();
  });

  async function failureOf(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected the request to fail');
      },
      (error: unknown) => error,
    );
  }

  it('reaches a server whose certificate the CA file issued', async function () {
    const res = await fetchTrusting(root.cert)(url);
    expect(await res.text()).to.equal('verified');
  });

  it('fails with a certificate error against another CA, and against the default roots', async function () {
    expect(certificateErrorCode(await failureOf(fetchTrusting(otherRoot.cert)(url)))).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(certificateErrorCode(await failureOf(fetch(url)))).to.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('does not take a refused connection for a certificate error', async function () {
    expect(certificateErrorCode(await failureOf(fetchTrusting(root.cert)('https://127.0.0.1:1/')))).to.equal(undefined);
  });

  it('refuses a CA file that does not exist or holds no certificate, saying what to give', function () {
    expect(() => readCaFile(path.join(certs.dir, 'missing.pem'))).to.throw(/cannot be read .*tlscacerts\/tlsca\.pem/);
    expect(() => readCaFile(root.key)).to.throw(/holds no PEM certificate/);
  });
});
