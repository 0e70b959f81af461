import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { destinationProblem, isInternalAddress, signatureOf, signatureTokenProblem } from '../src/epcis';

describe('EPCIS webhook destinations (SSRF rules)', function () {
  const publicHost = async (): Promise<string[]> => ['93.184.216.34'];
  const privateHost = async (): Promise<string[]> => ['93.184.216.34', '10.1.2.3'];

  it('allows https to a host that resolves to public addresses only', async function () {
    expect(await destinationProblem('https://hooks.example.com/epcis', [], publicHost)).to.equal(undefined);
  });

  it('refuses a host that resolves to any internal address, naming it and the setting that allows it', async function () {
    const problem = await destinationProblem('https://hooks.example.com/epcis', [], privateHost);
    expect(problem)
      .to.match(/10\.1\.2\.3/)
      .and.match(/LOTLINE_EPCIS_WEBHOOK_HOSTS/);
  });

  it('refuses loopback, link-local metadata and IPv6 loopback literals', async function () {
    for (const dest of ['https://127.0.0.1/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://[::ffff:127.0.0.1]/x']) {
      expect(await destinationProblem(dest, [], publicHost), dest).to.be.a('string');
    }
  });

  it('refuses plain http, credentials and other schemes', async function () {
    expect(await destinationProblem('http://hooks.example.com/x', [], publicHost)).to.match(/https/);
    expect(await destinationProblem('https://u:p@hooks.example.com/x', [], publicHost)).to.match(/credentials/);
    expect(await destinationProblem('file:///etc/passwd', [], publicHost)).to.match(/http\(s\)/);
    expect(await destinationProblem('not a url', [], publicHost)).to.match(/absolute/);
  });

  it('allows a listed host (or host:port) over http, although it is loopback', async function () {
    expect(await destinationProblem('http://127.0.0.1:8080/hook', ['127.0.0.1'], publicHost)).to.equal(undefined);
    expect(await destinationProblem('http://127.0.0.1:8080/hook', ['127.0.0.1:8080'], publicHost)).to.equal(undefined);
    expect(await destinationProblem('http://127.0.0.1:9090/hook', ['127.0.0.1:8080'], publicHost)).to.be.a('string');
  });

  it('classifies addresses', function () {
    expect(isInternalAddress('192.168.1.1')).to.equal(true);
    expect(isInternalAddress('fd00::1')).to.equal(true);
    expect(isInternalAddress('8.8.8.8')).to.equal(false);
    expect(isInternalAddress('2001:4860:4860::8888')).to.equal(false);
  });
});

describe('EPCIS webhook signatures (GS1-Signature)', function () {
  it('is sha256= and the hex HMAC-SHA256 of the body bytes, keyed with the token', function () {
    const body = '{"type":"EPCISQueryDocument","x":"\u00e9"}';
    const token = '13df38d8275b13f05704629e5f1cf3d45d6132d5';
    const expected = createHmac('sha256', Buffer.from(token, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signatureOf(body, token)).to.equal(`sha256=${expected}`);
    expect(signatureOf(body, `${token}0`)).not.to.equal(`sha256=${expected}`);
    expect(signatureOf(`${body} `, token)).not.to.equal(`sha256=${expected}`);
  });

  it('accepts 16 to 256 visible ASCII characters, and says what is wrong otherwise', function () {
    expect(signatureTokenProblem('13df38d8275b13f05704629e5f1cf3d45d6132d5')).to.equal(undefined);
    expect(signatureTokenProblem('x'.repeat(16))).to.equal(undefined);
    expect(signatureTokenProblem('x'.repeat(15))).to.match(/16 to 256 characters long \(it has 15\)/);
    expect(signatureTokenProblem('x'.repeat(257))).to.match(/it has 257/);
    expect(signatureTokenProblem('sixteen chars with spaces')).to.match(/visible ASCII/);
    expect(signatureTokenProblem('abcdefghijklmnop\u00e9')).to.match(/visible ASCII/);
  });
});
