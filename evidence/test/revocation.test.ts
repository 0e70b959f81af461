import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { msp } from '@hyperledger/fabric-protos';
import { validateIdentity, type MspInfo } from '../src/config';
import { parseRevocationList } from '../src/crl';

/** A CA made with openssl, two client certificates, and a CRL (signed by the CA) that revokes the first. */
function makeCa(): { dir: string; info: (crl: boolean) => MspInfo; identity: (name: string) => Uint8Array } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-crl-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=Test/CN=ca.test', '-days', '30', '-sha256', '-out', 'ca.pem');
  for (const name of ['revoked', 'kept']) {
    run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/OU=client/O=Test/CN=${name}`, '-out', `${name}.csr`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-sha256',
      '-out',
      `${name}.pem`,
    );
  }
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    path.join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndatabase=./index.txt\ncrlnumber=./crlnumber\ndefault_md=sha256\ndefault_crl_days=30\ncertificate=./ca.pem\nprivate_key=./ca.key\n',
  );
  run('ca', '-config', 'ca.cnf', '-revoke', 'revoked.pem');
  run('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem');
  const file = (name: string) => readFileSync(path.join(dir, name));
  return {
    dir,
    info: (crl) => ({
      mspId: 'TestMSP',
      roots: [new X509Certificate(file('ca.pem'))],
      intermediates: [],
      revocations: crl ? [parseRevocationList(file('crl.pem'))] : [],
      nodeOUs: { client: 'client' },
      admins: [],
    }),
    identity: (name) => {
      const id = new msp.SerializedIdentity();
      id.setMspid('TestMSP');
      id.setIdBytes(file(`${name}.pem`));
      return id.serializeBinary();
    },
  };
}

describe("an MSP's revocation list", function () {
  const ca = makeCa();

  it('reads the revoked serial numbers and checks the CA signed the list', function () {
    const crl = parseRevocationList(readFileSync(path.join(ca.dir, 'crl.pem')));
    const revoked = new X509Certificate(readFileSync(path.join(ca.dir, 'revoked.pem')));
    expect([...crl.serials]).to.deep.equal([revoked.serialNumber.toUpperCase().replace(/^0+/, '')]);
    expect(crl.signedBy(new X509Certificate(readFileSync(path.join(ca.dir, 'ca.pem'))))).to.equal(true);
    expect(crl.signedBy(revoked)).to.equal(false);
  });

  it('makes a revoked creator fail, with the reason, while another certificate of the same CA passes', function () {
    const msps = new Map([['TestMSP', ca.info(true)]]);
    expect(validateIdentity(ca.identity('revoked'), msps).reason).to.contain("is on TestMSP's revocation list");
    const kept = validateIdentity(ca.identity('kept'), msps);
    expect(kept.reason).to.equal(undefined);
    expect([...(kept.identity?.roles ?? [])]).to.include('client');
  });

  it('without the list, the same certificate validates: the list is what refuses it', function () {
    expect(validateIdentity(ca.identity('revoked'), new Map([['TestMSP', ca.info(false)]])).reason).to.equal(undefined);
  });
});
