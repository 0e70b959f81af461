/**
 * Bearer token verification with jose: keys from a JWKS (remote URL or local
 * file), algorithms pinned, `iss`, `aud` and `exp` required, `nbf` checked,
 * a small clock tolerance, and an `org` claim that must name this instance's
 * organisation.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { ApiError } from '../errors';

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

function unauthorized(code: string, detail: string, cause?: unknown): ApiError {
  return new ApiError({
    status: 401,
    code,
    title: 'Unauthorized',
    detail,
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${code}"` },
    cause,
  });
}

function fromJoseError(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) return unauthorized('TOKEN_EXPIRED', 'the token has expired', error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return unauthorized('TOKEN_NOT_YET_VALID', 'the token is not valid yet (nbf)', error);
    return unauthorized('TOKEN_CLAIM_INVALID', `the token's ${error.claim} claim is missing or not accepted here`, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return unauthorized('TOKEN_ALGORITHM_REJECTED', 'the token is signed with an algorithm this API does not accept', error);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return unauthorized('TOKEN_SIGNATURE_INVALID', 'the token signature does not verify', error);
  if (error instanceof errors.JWKSNoMatchingKey) return unauthorized('TOKEN_KEY_UNKNOWN', 'no key of the JWKS matches the token', error);
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new ApiError({
      status: 503,
      code: 'JWKS_UNAVAILABLE',
      title: 'Service unavailable',
      detail: 'the JWKS could not be fetched',
      retryAfterSeconds: 5,
      cause: error,
    });
  }
  return unauthorized('TOKEN_MALFORMED', 'the bearer token is not a well-formed signed JWT', error);
}

/** The key set for the configuration: remote (cached by jose) or the local file. */
export function keySet(auth: AuthConfig): JWTVerifyGetKey {
  if (auth.jwksUrl !== undefined) return createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return createLocalJWKSet(JSON.parse(readFileSync(auth.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]);
}

/**
 * A verifier for one organisation's instance.
 * @param orgNames the values the `org` claim may take (the MSP ID and the organisation name).
 */
export function createTokenVerifier(auth: AuthConfig, orgNames: readonly string[], keys: JWTVerifyGetKey = keySet(auth)): TokenVerifier {
  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === '') {
        throw unauthorized('TOKEN_MISSING', 'send a bearer token: Authorization: Bearer <jwt>');
      }
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
      if (!match?.[1]) throw unauthorized('TOKEN_MALFORMED', 'the Authorization header must be "Bearer <jwt>"');
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
      const org = payload.org;
      if (typeof org !== 'string' || !orgNames.includes(org)) {
        throw unauthorized(
          'TOKEN_WRONG_ORG',
          `the token's org claim must be ${orgNames[0] ?? '(this organisation)'}: this API serves only that organisation`,
        );
      }
      const user = payload.sub ?? '';
      if (!USER_NAME.test(user)) throw unauthorized('TOKEN_CLAIM_INVALID', 'the token subject is not a valid user name');
      return { user, org, claims: payload };
    },
  };
}
