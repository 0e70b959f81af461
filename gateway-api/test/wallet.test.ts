import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cachedWallet } from '../src/identity/wallet';

/** Enrols `user` in a wallet folder: a fresh P-256 key and a self-signed certificate with subject CN=<cn>. */
function enrol(walletDir: string, user: string, cn: string): void {
  const msp = path.join(walletDir, user, 'msp');
  mkdirSync(path.join(msp, 'signcerts'), { recursive: true });
  mkdirSync(path.join(msp, 'keystore'), { recursive: true });
  for (const old of readdirSync(path.join(msp, 'keystore'))) unlinkSync(path.join(msp, 'keystore', old));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(msp, 'keystore', `${cn}_sk`),
      '-out',
      path.join(msp, 'signcerts', 'cert.pem'),
      '-subj',
      `/CN=${cn}/OU=client`,
      '-days',
      '1',
    ],
    { stdio: 'pipe' },
  );
}

describe('the cached wallet', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lotline-wallet-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the same parsed identity for repeated lookups of an unchanged user', () => {
    enrol(dir, 'qm1', 'qm1');
    const wallet = cachedWallet(dir, 'PartsCoMSP');
    const first = wallet('qm1');
    expect(first?.subject).to.contain('CN=qm1');
    expect(first?.mspId).to.equal('PartsCoMSP');
    expect(wallet('qm1')).to.equal(first);
  });

  it('sees a user enrolled after the first lookup', () => {
    const wallet = cachedWallet(dir, 'PartsCoMSP');
    expect(wallet('qm2')).to.equal(undefined);
    enrol(dir, 'qm2', 'qm2');
    expect(wallet('qm2')?.subject).to.contain('CN=qm2');
  });

  it('reloads a user whose certificate and key were replaced (re-enrolment)', () => {
    enrol(dir, 'qm1', 'qm1');
    const wallet = cachedWallet(dir, 'PartsCoMSP');
    const before = wallet('qm1');
    enrol(dir, 'qm1', 'qm1-renewed');
    const after = wallet('qm1');
    expect(after?.subject).to.contain('CN=qm1-renewed');
    expect(Buffer.from(after?.certificate ?? []).equals(Buffer.from(before?.certificate ?? []))).to.equal(false);
  });

  it('forgets a user whose folder was removed', () => {
    enrol(dir, 'qm1', 'qm1');
    const wallet = cachedWallet(dir, 'PartsCoMSP');
    expect(wallet('qm1')).to.not.equal(undefined);
    rmSync(path.join(dir, 'qm1'), { recursive: true });
    expect(wallet('qm1')).to.equal(undefined);
  });
});
