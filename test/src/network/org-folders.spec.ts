/**
 * One organisation, one folder (issue 15 §1): every private key of the data
 * folder lives in exactly one organisation's folder `orgs/<org>/`, no
 * organisation's folder holds a key of another organisation's identities, and
 * each organisation's processes are configured with paths in their own folder only.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { managedProcesses, runningPid } from '../../../network/src/processes';
import { certSpki, issuedBy, scanKeys } from '../support/keys';
import { config } from '../support/network';

const orgsRoot = path.join(config.dataDir, 'orgs');
const orgKeys = config.orgs.map((o) => o.key).filter((key) => existsSync(path.join(orgsRoot, key)));

describe('one folder per organisation', function () {
  let all: ReturnType<typeof scanKeys> = { keys: [], certs: [] };
  before(function () {
    all = scanKeys(config.dataDir);
  });
  const keysOf = (key: string) => all.keys.filter((k) => k.file.startsWith(path.join(orgsRoot, key) + path.sep));
  const caCert = (key: string) => new X509Certificate(readFileSync(path.join(orgsRoot, key, 'ca-server', 'ca-cert.pem')));

  it('finds the private keys of every organisation (the scan sees keys at all)', function () {
    expect(orgKeys).to.have.length(config.orgs.length);
    for (const key of orgKeys) {
      const peerCert = new X509Certificate(readFileSync(path.join(orgsRoot, key, 'peer', 'msp', 'signcerts', 'cert.pem')));
      const peerSpki = certSpki(peerCert);
      expect(
        keysOf(key).map((k) => k.spki),
        `${key}: its peer's own key`,
      ).to.include(peerSpki);
    }
  });

  it('keeps every private key of the data folder inside one organisation folder', function () {
    const outside = all.keys.filter((k) => !orgKeys.some((key) => k.file.startsWith(path.join(orgsRoot, key) + path.sep)));
    expect(outside.map((k) => path.relative(config.dataDir, k.file))).to.deep.equal([]);
  });

  /** The public keys of every certificate in the data folder that an organisation's CA issued. */
  const issued = new Map<string, Set<string>>();
  const issuedKeys = (key: string): Set<string> => {
    let keys = issued.get(key);
    if (keys === undefined) {
      const ca = caCert(key);
      keys = new Set(all.certs.filter((c) => issuedBy(c.cert, ca)).map((c) => certSpki(c.cert)));
      issued.set(key, keys);
    }
    return keys;
  };

  it('holds no key of another organisation in any organisation folder', function () {
    for (const key of orgKeys) {
      const mine = new Set(keysOf(key).map((k) => k.spki));
      for (const other of orgKeys.filter((k) => k !== key)) {
        const shared = keysOf(other).filter((k) => mine.has(k.spki));
        expect(
          shared.map((k) => path.relative(config.dataDir, k.file)),
          `${other}'s keys also in ${key}'s folder`,
        ).to.deep.equal([]);
        const theirs = issuedKeys(other);
        expect(theirs.size, `certificates issued by ${other}'s CA`).to.be.greaterThan(0);
        const leaked = keysOf(key).filter((k) => theirs.has(k.spki));
        expect(
          leaked.map((k) => path.relative(config.dataDir, k.file)),
          `private keys of ${other}'s identities in ${key}'s folder`,
        ).to.deep.equal([]);
      }
    }
  });

  it("starts each organisation's processes with paths in that organisation's folder only", function () {
    let checked = 0;
    for (const name of managedProcesses(config)) {
      const owner = orgKeys.find((key) => name.endsWith(`-${key}`));
      const pid = runningPid(config, name);
      if (owner === undefined || pid === undefined) continue;
      const text = [readFileSync(`/proc/${pid}/cmdline`, 'utf8'), readFileSync(`/proc/${pid}/environ`, 'utf8')].join('\0');
      for (const other of orgKeys.filter((k) => k !== owner)) {
        expect(text, `${name} refers to ${other}'s folder`).to.not.include(path.join(orgsRoot, other) + path.sep);
      }
      checked += 1;
    }
    // CA, peer, chaincode server, provider and API of every organisation, and three orderers.
    expect(checked).to.be.at.least(config.orgs.length * 5 + 3);
  });
});
