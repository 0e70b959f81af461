/**
 * What the local providers and their clients share, without loading
 * oidc-provider: the public client ids, the derivation of each service
 * client's secret, and the password hash format of `users.json`.
 */
import { createHmac, scryptSync } from 'node:crypto';

/** Public client ids of the local provider. */
export const EXPLORER_CLIENT_ID = 'lotline-explorer';
export const CLI_CLIENT_ID = 'lotline-cli';
/** The scope of the API on the resource server (informational: the API checks `aud`). */
export const API_SCOPE = 'lotline';

/** A demo user's password hash: `scrypt:<salt b64url>:<hash b64url>`. */
export type PasswordHash = string;

/** The client secret of `user`'s service client: HMAC-SHA256 of the user name under the service secret. */
export function serviceClientSecret(serviceSecret: string, user: string): string {
  return createHmac('sha256', serviceSecret).update(`lotline-service-client:${user}`).digest('base64url');
}

/** A password hash for `users.json`. */
export function hashPassword(password: string, salt: Buffer): PasswordHash {
  return `scrypt:${salt.toString('base64url')}:${scryptSync(password, salt, 32).toString('base64url')}`;
}
