/**
 * X.509 certificate revocation lists (RFC 5280 §5.1), as an MSP's
 * `revocation_list` holds them (PEM or DER): the issuer's signature over
 * tbsCertList, and the revoked serial numbers. node:crypto parses
 * certificates but not CRLs, hence this reader.
 */
import { createPublicKey, verify as verifySignature, type X509Certificate } from 'node:crypto';
import { children, readItem } from './der';

/** A parsed revocation list. */
export interface RevocationList {
  /** Revoked serial numbers, uppercase hex without leading zeros (as X509Certificate.serialNumber). */
  readonly serials: ReadonlySet<string>;
  /** Whether `issuer` signed it. */
  signedBy(issuer: X509Certificate): boolean;
}

function der(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString('latin1');
  const pem = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  return pem?.[1] !== undefined ? Buffer.from(pem[1].replace(/\s+/g, ''), 'base64') : Buffer.from(bytes);
}

function serialHex(content: Buffer): string {
  const hex = content.toString('hex').toUpperCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/** Parse one CRL. @throws Error when it is not a CRL. */
export function parseRevocationList(bytes: Uint8Array): RevocationList {
  const outer = readItem(der(bytes));
  const [tbs, algorithm, signature] = children(outer.content);
  if (tbs === undefined || algorithm === undefined || signature === undefined) throw new Error('not a CRL');
  const fields = children(tbs.content);
  // tbsCertList: version? signature issuer thisUpdate nextUpdate? revokedCertificates? [0] extensions?
  const revoked = fields.find((f, i) => i >= 3 && f.tag === 0x30 && children(f.content).every((e) => e.tag === 0x30));
  const serials = new Set<string>();
  for (const entry of revoked !== undefined ? children(revoked.content) : []) {
    const serial = children(entry.content)[0];
    if (serial?.tag === 0x02) serials.add(serialHex(serial.content));
  }
  // BIT STRING: first content byte is the count of unused bits (0).
  const sig = signature.content.subarray(1);
  return {
    serials,
    signedBy: (issuer) => {
      try {
        return verifySignature('sha256', tbs.whole, createPublicKey(issuer.publicKey.export({ format: 'pem', type: 'spki' })), sig);
      } catch {
        return false;
      }
    },
  };
}
