/**
 * The files of one organisation's local identity provider, all in that
 * organisation's own folder (`<dataDir>/orgs/<org>/idp/`):
 *
 * | file | mode | what |
 * |---|---|---|
 * | `provider.json` | 0644 | issuer, listen address, organisation, audience, wallet folder, the explorer's redirect URIs, and with HTTPS the certificate and key files (those of the organisation's API, `orgs/<org>/api/tls`) |
 * | `signing-keys.json` | 0600 | the provider's private ES256 signing keys (JWKS); the public half is served at `/jwks` |
 * | `secrets.json` | 0600 | cookie keys and the service secret that derives each service client's secret |
 * | `users.json` | 0600 | scrypt hashes of the demo users' passwords |
 * | `demo-passwords.json` | 0600 | the demo users' generated passwords, which `npm start` prints |
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PasswordHash } from './clients';
import type { IdpSettings } from './provider';

export const PROVIDER_FILE = 'provider.json';
export const SIGNING_KEYS_FILE = 'signing-keys.json';
export const SECRETS_FILE = 'secrets.json';
export const USERS_FILE = 'users.json';
export const DEMO_PASSWORDS_FILE = 'demo-passwords.json';

/** `provider.json`: the public part of the configuration. */
export interface ProviderFile {
  readonly issuer: string;
  readonly host: string;
  readonly port: number;
  readonly orgName: string;
  readonly mspId: string;
  readonly audience: string;
  readonly walletDir: string;
  readonly explorerRedirectUris: string[];
  readonly accessTokenTtlSeconds: number;
  /** Serve HTTPS with this certificate and key (PEM files); plain HTTP without (loopback only). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** `secrets.json`. */
export interface SecretsFile {
  readonly cookieKeys: string[];
  readonly serviceSecret: string;
}

function readJson<T>(dir: string, file: string): T {
  const full = path.join(dir, file);
  try {
    return JSON.parse(readFileSync(full, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${full} cannot be read (${(error as Error).message}): start the network with npm start, which writes it`);
  }
}

/** Everything the provider of the folder `dir` is configured with, and where it listens. */
export function readIdpFolder(dir: string): { settings: IdpSettings; host: string; port: number; tls: ProviderFile['tls'] } {
  const provider = readJson<ProviderFile>(dir, PROVIDER_FILE);
  const secrets = readJson<SecretsFile>(dir, SECRETS_FILE);
  return {
    host: provider.host,
    port: provider.port,
    tls: provider.tls,
    settings: {
      issuer: provider.issuer,
      orgName: provider.orgName,
      mspId: provider.mspId,
      audience: provider.audience,
      walletDir: provider.walletDir,
      explorerRedirectUris: provider.explorerRedirectUris,
      accessTokenTtlSeconds: provider.accessTokenTtlSeconds,
      jwks: readJson<IdpSettings['jwks']>(dir, SIGNING_KEYS_FILE),
      cookieKeys: secrets.cookieKeys,
      serviceSecret: secrets.serviceSecret,
      users: readJson<Record<string, PasswordHash>>(dir, USERS_FILE),
    },
  };
}
