/**
 * Local signing keys for the default (no identity provider) setup: an ES256
 * key pair generated on first start under `<dataDir>/jwt/`. The private JWK is
 * written with mode 0600 and never logged; the public half goes to `jwks.json`,
 * which the API verifies against. Several instances may start at once, so the
 * private key file is created exclusively and the losers read the winner's key.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** File names under the local JWT folder. */
export const SIGNING_KEY_FILE = 'signing-key.json';
export const JWKS_FILE = 'jwks.json';

/** A private JWK with its `kid` and `alg`. */
export interface LocalSigningKey {
  readonly jwk: JWK & { kid: string; alg: string };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForFile(file: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > until)
      throw new Error(`${file} did not appear: another process started generating the local JWT key and did not finish`);
    await sleep(50);
  }
}

/**
 * Make sure `<dir>/signing-key.json` (private, 0600) and `<dir>/jwks.json`
 * (public) exist, generating an ES256 key pair if needed.
 * @returns the path of the JWKS file.
 */
export async function ensureLocalKeys(dir: string): Promise<string> {
  const privateFile = path.join(dir, SIGNING_KEY_FILE);
  const jwksFile = path.join(dir, JWKS_FILE);
  if (existsSync(jwksFile) && existsSync(privateFile)) return jwksFile;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(privateFile, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await waitForFile(jwksFile, 10_000);
    return jwksFile;
  }
  try {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    writeSync(fd, JSON.stringify(privateJwk, null, 2));
    const tmp = `${jwksFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] }, null, 2), { mode: 0o644 });
    renameSync(tmp, jwksFile);
  } finally {
    closeSync(fd);
  }
  return jwksFile;
}

/** Read the local private signing key (for the token script and tests). */
export function readLocalSigningKey(dir: string): LocalSigningKey {
  const file = path.join(dir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `${file} does not exist: start the API once (it generates the local key pair) or run the token script, which creates it`,
    );
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK & { kid?: string; alg?: string };
  if (jwk.d === undefined || jwk.kid === undefined) throw new Error(`${file} is not a private JWK with a kid`);
  return { jwk: { ...jwk, kid: jwk.kid, alg: jwk.alg ?? 'ES256' } };
}
