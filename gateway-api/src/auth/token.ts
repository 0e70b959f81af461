/**
 * Signing bearer tokens with a LOCAL key (`ensureLocalKeys`: an ES256 pair in
 * a folder of its own), for development networks and tests. A real deployment
 * gets its tokens from its identity provider. Callers that know where the
 * local key lives (the network tooling's `mintLocalToken`) import this by package name: `@lotline/gateway-api/tokens`.
 */
import { importJWK, SignJWT } from 'jose';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../config';
import { USER_NAME } from './jwt';
import { ensureLocalKeys, readLocalSigningKey } from './keys';

/** What to sign. */
export interface LocalTokenClaims {
  /** The `org` claim: the organisation's MSP ID. */
  readonly mspId: string;
  /** The `sub` claim: the wallet user. */
  readonly user: string;
  /** Lifetime (default one hour). */
  readonly ttlSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Default lifetime of a local token. */
export const LOCAL_TOKEN_TTL_SECONDS = 3600;

/** Sign a token with the local key in `jwtDir` (creating the key pair there if needed). */
export async function signLocalToken(jwtDir: string, claims: LocalTokenClaims): Promise<string> {
  if (!USER_NAME.test(claims.user)) throw new Error(`user ${claims.user} is not a valid user name (${USER_NAME.source})`);
  await ensureLocalKeys(jwtDir);
  const { jwk } = readLocalSigningKey(jwtDir);
  const key = await importJWK(jwk, jwk.alg);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: claims.mspId })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(claims.issuer ?? LOCAL_ISSUER)
    .setAudience(claims.audience ?? LOCAL_AUDIENCE)
    .setSubject(claims.user)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (claims.ttlSeconds ?? LOCAL_TOKEN_TTL_SECONDS))
    .sign(key);
}

export { ensureLocalKeys, readLocalSigningKey, JWKS_FILE, SIGNING_KEY_FILE } from './keys';
export { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../config';
