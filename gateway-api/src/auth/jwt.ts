/**
 * Bearer token verification with jose: keys from a JWKS (remote URL or local
 * file), algorithms pinned, `iss`, `aud` and `exp` required, `nbf` checked,
 * a small clock tolerance, and an `org` claim that must name this instance's
 * organisation.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
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
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
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
        throw unauthorized('TOKEN_MISSING', { key: 'detail.token.missing' });
      }
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
      if (!match?.[1]) throw unauthorized('TOKEN_MALFORMED', { key: 'detail.token.header_malformed' });
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
        throw unauthorized('TOKEN_WRONG_ORG', { key: 'detail.token.wrong_org', params: { org: orgNames[0] ?? '(this organisation)' } });
      }
      const user = payload.sub ?? '';
      if (!USER_NAME.test(user)) throw unauthorized('TOKEN_CLAIM_INVALID', { key: 'detail.token.subject_invalid' });
      return { user, org, claims: payload };
    },
  };
}
