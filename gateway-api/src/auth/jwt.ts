/**
 * Bearer token verification with jose, against this organisation's own
 * OpenID provider only: its issuer URL (`LOTLINE_OIDC_ISSUER`), OpenID Connect
 * discovery for the `jwks_uri`, the JWKS through `createRemoteJWKSet` (cached,
 * refetched for an unknown `kid`), algorithms pinned, `iss`, `aud` and `exp`
 * required, `nbf` checked, a small clock tolerance. A token from any other
 * issuer is refused before its signature or claims are looked at; an `org`
 * claim, when present, must name this organisation.
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { ApiError, type ProblemMessage } from '../errors';

/** Who a verified token names. */
export interface TokenSubject {
  /** The user: selects the enrolled certificate in the wallet. */
  readonly user: string;
  /** The `org` claim as given. */
  readonly org: string;
  readonly claims: JWTPayload;
}

/** Verifies bearer tokens. */
export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<TokenSubject>;
}

/** A user name usable as a wallet folder name. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function unauthorized(code: string, message: ProblemMessage, cause?: unknown): ApiError {
  return new ApiError({
    status: 401,
    code,
    message,
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${code}"` },
    cause,
  });
}

function fromJoseError(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) return unauthorized('TOKEN_EXPIRED', { key: 'detail.token.expired' }, error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return unauthorized('TOKEN_NOT_YET_VALID', { key: 'detail.token.not_yet_valid' }, error);
    return unauthorized('TOKEN_CLAIM_INVALID', { key: 'detail.token.claim_invalid', params: { claim: error.claim } }, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return unauthorized('TOKEN_ALGORITHM_REJECTED', { key: 'detail.token.algorithm_rejected' }, error);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return unauthorized('TOKEN_SIGNATURE_INVALID', { key: 'detail.token.signature_invalid' }, error);
  if (error instanceof errors.JWKSNoMatchingKey) return unauthorized('TOKEN_KEY_UNKNOWN', { key: 'detail.token.key_unknown' }, error);
  if (error instanceof ApiError) return error;
  // A JWKS that times out, is invalid, or cannot be fetched at all (a network error is no JOSEError).
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return new ApiError({
      status: 503,
      code: 'JWKS_UNAVAILABLE',
      message: { key: 'detail.token.jwks_unavailable' },
      retryAfterSeconds: 5,
      cause: error,
    });
  }
  return unauthorized('TOKEN_MALFORMED', { key: 'detail.token.malformed' }, error);
}

function issuerUnavailable(issuer: string, why: string, cause?: unknown): ApiError {
  return new ApiError({
    status: 503,
    code: 'IDP_UNAVAILABLE',
    message: { key: 'detail.token.idp_unavailable', params: { issuer, why } },
    retryAfterSeconds: 5,
    cause,
  });
}

/** The issuer's discovery document, as far as the API needs it. */
interface Discovery {
  readonly issuer: string;
  readonly jwks_uri: string;
}

/**
 * OpenID Connect discovery of `issuer` (`/.well-known/openid-configuration`):
 * the document must name the same issuer and a `jwks_uri`.
 */
export async function discoverJwksUri(issuer: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let document: Partial<Discovery>;
  try {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    document = (await res.json()) as Partial<Discovery>;
  } catch (error) {
    throw issuerUnavailable(issuer, `discovery failed: ${(error as Error).message}`, error);
  }
  if (document.issuer !== issuer) throw issuerUnavailable(issuer, `its discovery document names issuer ${String(document.issuer)}`);
  if (typeof document.jwks_uri !== 'string' || !/^https?:\/\//.test(document.jwks_uri))
    throw issuerUnavailable(issuer, 'its discovery document has no jwks_uri');
  return document.jwks_uri;
}

/**
 * The issuer's key set: discovered on first use (a failed discovery is retried
 * on the next request), then jose's remote JWKS (cached, refetched on an
 * unknown `kid`).
 */
export function issuerKeySet(issuer: string): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  return async (header, token) => {
    keys ??= discoverJwksUri(issuer).then((uri) => createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 }));
    let getKey: JWTVerifyGetKey;
    try {
      getKey = await keys;
    } catch (error) {
      keys = undefined;
      throw error;
    }
    return getKey(header, token);
  };
}

/** The `iss` of a token, read without verifying it (only to say whose token it is). */
function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const { iss } = decodeJwt(jwt);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A verifier for one organisation's instance.
 * @param orgNames the values the `org` claim may take (the MSP ID and the organisation name).
 */
export function createTokenVerifier(
  auth: AuthConfig,
  orgNames: readonly string[],
  keys: JWTVerifyGetKey = issuerKeySet(auth.issuer),
): TokenVerifier {
  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === '') {
        throw unauthorized('TOKEN_MISSING', { key: 'detail.token.missing' });
      }
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
      if (!match?.[1]) throw unauthorized('TOKEN_MALFORMED', { key: 'detail.token.header_malformed' });
      const issuer = unverifiedIssuer(match[1]);
      if (issuer !== undefined && issuer !== auth.issuer) {
        throw unauthorized('TOKEN_WRONG_ISSUER', {
          key: 'detail.token.wrong_issuer',
          params: { org: orgNames[1] ?? orgNames[0] ?? '', trusted: auth.issuer, issuer },
        });
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1], keys, {
          algorithms: [...auth.algorithms],
          issuer: auth.issuer,
          audience: auth.audience,
          clockTolerance: auth.clockToleranceSeconds,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        throw fromJoseError(error);
      }
      const org = payload.org ?? orgNames[0] ?? '';
      if (typeof org !== 'string' || !orgNames.includes(org)) {
        throw unauthorized('TOKEN_WRONG_ORG', { key: 'detail.token.wrong_org', params: { org: orgNames[0] ?? '(this organisation)' } });
      }
      const user = payload.sub ?? '';
      if (!USER_NAME.test(user)) throw unauthorized('TOKEN_CLAIM_INVALID', { key: 'detail.token.subject_invalid' });
      return { user, org, claims: payload };
    },
  };
}
