/**
 * The wallet: one enrolled Fabric identity per user, in the MSP folder layout
 * that fabric-ca-client writes (`<walletDir>/<user>/msp/signcerts/cert.pem` and
 * one private key in `keystore/`, mode 0600). The token's `sub` selects the
 * folder. Private keys are read into KeyObjects and never logged.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { asRole, type Role } from '@lotline/domain';
import { USER_NAME } from '../auth/jwt';

/** An enrolled user of this organisation. */
export interface WalletIdentity {
  readonly user: string;
  readonly mspId: string;
  /** PEM certificate bytes. */
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
  /** The `role` attribute of the certificate; undefined when absent or unknown (read-only, as in the chaincode). */
  readonly role: Role | undefined;
  /** The certificate subject, e.g. `CN=qm1, OU=client`. */
  readonly subject: string;
  /** Set when the organisation revoked this certificate (`lotline users revoke`): the API then refuses the user. */
  readonly revoked?: Revocation;
}

/** `<walletDir>/<user>/revoked.json`, written by `lotline users revoke` (network/src/membership/revocation.ts). */
export interface Revocation {
  readonly reason: string;
  readonly revokedAt: string;
  /** The channel config block whose CRL revokes the certificate. */
  readonly configBlock: number;
}

function revocationOf(walletDir: string, user: string): Revocation | undefined {
  const file = path.join(walletDir, user, 'revoked.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Revocation) : undefined;
}

const ATTRS_MARKER = Buffer.from('{"attrs":');

/**
 * The attributes Fabric CA embeds in an enrolment certificate (extension
 * 1.2.3.4.5.6.7.8.1, a JSON document `{"attrs": {...}}`).
 */
export function certificateAttributes(certPem: Uint8Array | string): Record<string, string> {
  const der = new X509Certificate(certPem).raw;
  const start = der.indexOf(ATTRS_MARKER);
  if (start < 0) return {};
  let depth = 0;
  for (let i = start; i < der.length; i += 1) {
    const c = der[i];
    if (c === 0x7b) depth += 1;
    else if (c === 0x7d) {
      depth -= 1;
      if (depth === 0) {
        try {
          const parsed = JSON.parse(der.subarray(start, i + 1).toString('utf8')) as { attrs?: Record<string, unknown> };
          return Object.fromEntries(Object.entries(parsed.attrs ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
        } catch {
          return {};
        }
      }
    }
  }
  return {};
}

/** The Lotline role of a certificate, as the chaincode reads it. */
export function roleOf(certPem: Uint8Array | string): Role | undefined {
  return asRole(certificateAttributes(certPem).role);
}

/** A certificate's subject on one line (`CN=qm1, OU=client`). */
export function subjectOf(certPem: Uint8Array | string): string {
  return new X509Certificate(certPem).subject.split('\n').join(', ');
}

/** The MSP folder of a user in the wallet. */
export function userMspDir(walletDir: string, user: string): string {
  if (!USER_NAME.test(user)) throw new Error(`invalid user name ${JSON.stringify(user)}`);
  return path.join(walletDir, user, 'msp');
}

/** Load a user's identity, or undefined when the user has not been enrolled. */
export function loadWalletIdentity(walletDir: string, mspId: string, user: string): WalletIdentity | undefined {
  const msp = userMspDir(walletDir, user);
  const certFile = path.join(msp, 'signcerts', 'cert.pem');
  const keyDir = path.join(msp, 'keystore');
  if (!existsSync(certFile) || !existsSync(keyDir)) return undefined;
  const keys = readdirSync(keyDir);
  if (keys.length !== 1 || keys[0] === undefined) return undefined;
  const certificate = readFileSync(certFile);
  return {
    user,
    mspId,
    certificate,
    privateKey: createPrivateKey(readFileSync(path.join(keyDir, keys[0]))),
    role: roleOf(certificate),
    subject: subjectOf(certificate),
    ...(revocationOf(walletDir, user) !== undefined ? { revoked: revocationOf(walletDir, user) } : {}),
  };
}

/** What a cached identity was read from: its files' identity and modification times, and whether it is revoked. */
function versionOf(walletDir: string, user: string): string | undefined {
  const msp = userMspDir(walletDir, user);
  try {
    const cert = statSync(path.join(msp, 'signcerts', 'cert.pem'));
    const keys = statSync(path.join(msp, 'keystore'));
    // A revocation (`revoked.json` beside msp/) is a new version too, so that a cached identity is refused at once.
    const revoked = existsSync(path.join(walletDir, user, 'revoked.json')) ? 'revoked' : 'valid';
    return `${cert.ino}:${cert.size}:${cert.mtimeMs}/${keys.ino}:${keys.mtimeMs}/${revoked}`;
  } catch {
    return undefined;
  }
}

/**
 * The wallet as a lookup that reads and parses each user's identity once:
 * parsing the private key and the certificate took ≈ 6 ms per request on
 * 2 loaded cores, synchronously, on the event loop. Each lookup still checks
 * the files with two `stat` calls, so a user enrolled or re-enrolled
 * (`POST /users`) is seen at the next request; the least recently used
 * entries beyond `maxEntries` are dropped.
 */
export function cachedWallet(walletDir: string, mspId: string, maxEntries = 1000): (user: string) => WalletIdentity | undefined {
  const cache = new Map<string, { version: string; identity: WalletIdentity }>();
  return (user) => {
    const version = versionOf(walletDir, user);
    if (version === undefined) {
      cache.delete(user);
      return undefined;
    }
    const hit = cache.get(user);
    cache.delete(user);
    if (hit !== undefined && hit.version === version) {
      cache.set(user, hit);
      return hit.identity;
    }
    const identity = loadWalletIdentity(walletDir, mspId, user);
    if (identity === undefined) return undefined;
    cache.set(user, { version, identity });
    if (cache.size > maxEntries) {
      const [oldest] = cache.keys();
      if (oldest !== undefined) cache.delete(oldest);
    }
    return identity;
  };
}
