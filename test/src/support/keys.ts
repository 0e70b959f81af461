/**
 * Finding private keys and certificates in a data folder, for the specs that
 * check that each organisation's secrets stay in its own folder.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

export interface FoundKey {
  file: string;
  /** The public half, as SPKI DER in hex: what identifies the key pair. */
  spki: string;
}

export interface FoundCert {
  file: string;
  cert: X509Certificate;
}

function spkiOf(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('hex');
}

/** Every file of a folder tree, without the read model's database files (binary, and never a key). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'read-model' ? [] : filesUnder(full);
    return e.isFile() && statSync(full).size < 1_000_000 ? [full] : [];
  });
}

/** JWK private keys (objects with `kty` and `d`) anywhere in a JSON value. */
function jwkPrivateKeys(value: unknown): KeyObject[] {
  if (Array.isArray(value)) return value.flatMap(jwkPrivateKeys);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.kty === 'string' && typeof record.d === 'string') {
    return [createPrivateKey({ key: record as JsonWebKey, format: 'jwk' })];
  }
  return Object.values(record).flatMap(jwkPrivateKeys);
}

/**
 * What identifies a PEM private key: its public half, or for a key OpenSSL
 * cannot read (the CA's Idemix revocation key) a hash of the block itself.
 */
function keyIdentity(pem: string): string {
  try {
    return spkiOf(createPrivateKey(pem));
  } catch {
    return `sha256:${createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex')}`;
  }
}

function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** Every string in a JSON value (PEM blocks inside JSON are escaped). */
function jsonStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(jsonStrings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(jsonStrings);
  return [];
}

/** The private keys and certificates in a folder tree: PEM blocks in any file (and in JSON strings), JWKs in JSON files. */
export function scanKeys(dir: string): { keys: FoundKey[]; certs: FoundCert[] } {
  const keys: FoundKey[] = [];
  const certs: FoundCert[] = [];
  for (const file of filesUnder(dir)) {
    const raw = readFileSync(file, 'latin1');
    let texts = [raw];
    if (file.endsWith('.json')) {
      try {
        const value: unknown = JSON.parse(raw);
        texts = jsonStrings(value);
        for (const key of jwkPrivateKeys(value)) keys.push({ file, spki: spkiOf(key) });
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
      }
    }
    for (const text of texts) {
      for (const match of text.matchAll(PEM_BLOCK)) {
        const label = match[1] ?? '';
        if (label.endsWith('PRIVATE KEY')) {
          keys.push({ file, spki: keyIdentity(match[0]) });
        }
        // Certificates only tell whose a key is; the CA's database stores them in a form that is not plain PEM.
        const cert = label === 'CERTIFICATE' ? parseCertificate(match[0]) : undefined;
        if (cert !== undefined) certs.push({ file, cert });
      }
    }
  }
  return { keys, certs };
}

/** The public key of a certificate, in the form of {@link FoundKey.spki}. */
export function certSpki(cert: X509Certificate): string {
  return cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
}

/** True when `ca` issued and signed `cert`. */
export function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}
