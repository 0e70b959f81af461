/**
 * Mint a bearer token for the LOCAL setup, signed with the generated key in
 * `<dataDir>/jwt/`. A real deployment gets tokens from its identity provider.
 *
 *   npm run token -w gateway-api -- --org PartsCo --user qm1 [--ttl 3600]
 *
 * Prints only the token, so that `TOKEN=$(npm run -s token ...)` works.
 */
import { importJWK, SignJWT } from 'jose';
import { findOrg, loadConfig, type NetworkConfig } from '../../../network/src/config';
import { defaultJwtDir, LOCAL_AUDIENCE, LOCAL_ISSUER } from '../config';
import { USER_NAME } from './jwt';
import { ensureLocalKeys, readLocalSigningKey } from './keys';

/** What to mint. */
export interface LocalTokenRequest {
  /** Organisation key, name or MSP ID; the `org` claim is its MSP ID. */
  readonly org: string;
  readonly user: string;
  readonly ttlSeconds?: number;
}

/** Sign a local token for `user` of `org` (creating the local key pair if needed). */
export async function mintLocalToken(network: NetworkConfig, request: LocalTokenRequest): Promise<string> {
  const org = findOrg(network, request.org);
  if (!USER_NAME.test(request.user)) throw new Error(`--user ${request.user} is not a valid user name`);
  const dir = defaultJwtDir(network);
  await ensureLocalKeys(dir);
  const { jwk } = readLocalSigningKey(dir);
  const key = await importJWK(jwk, jwk.alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: org.mspId })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setSubject(request.user)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (request.ttlSeconds ?? 3600))
    .sign(key);
}

function parseArgs(argv: readonly string[]): LocalTokenRequest {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === undefined || !name.startsWith('--') || value === undefined) {
      throw new Error('usage: npm run token -- --org <org> --user <user> [--ttl <seconds>]');
    }
    values.set(name.slice(2), value);
  }
  const org = values.get('org');
  const user = values.get('user');
  if (org === undefined || user === undefined) throw new Error('usage: npm run token -- --org <org> --user <user> [--ttl <seconds>]');
  const ttl = values.get('ttl');
  const ttlSeconds = ttl === undefined ? undefined : Number(ttl);
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0))
    throw new Error('--ttl must be a positive number of seconds');
  return { org, user, ...(ttlSeconds !== undefined ? { ttlSeconds } : {}) };
}

if (require.main === module) {
  mintLocalToken(loadConfig(), parseArgs(process.argv.slice(2))).then(
    (token) => process.stdout.write(`${token}\n`),
    (error: unknown) => {
      process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
