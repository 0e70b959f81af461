/**
 * The local network's identity providers: one OpenID provider per
 * organisation (`network/src/idp/main.ts`, oidc-provider), run beside that
 * organisation's API as process `idp-<org>`, on the topology's `idp` port,
 * configured from the organisation's own folder (`orgs/<org>/idp/`, see
 * ./files.ts). Its signing keys and secrets are generated there on first start.
 *
 * Also the one way the local tooling obtains tokens ({@link mintToken}): the
 * client credentials grant of the user's service client at the organisation's
 * own provider (openid-client), never a locally signed token.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { findOrg, port, tlsRootCert, type NetworkConfig, type Org } from '../config';
import { issueApiTls } from '../identities';
import { httpOk, startProcess } from '../processes';
import { certificateErrorCode, orgFetch } from '../tls';
import {
  DEMO_PASSWORDS_FILE,
  PROVIDER_FILE,
  SECRETS_FILE,
  SIGNING_KEYS_FILE,
  USERS_FILE,
  type ProviderFile,
  type SecretsFile,
} from './files';
import { CLI_CLIENT_ID, EXPLORER_CLIENT_ID, hashPassword, serviceClientSecret } from './clients';

export { CLI_CLIENT_ID, EXPLORER_CLIENT_ID };

/** Lifetime of the local providers' access tokens. */
export const LOCAL_TOKEN_TTL_SECONDS = 3600;

/** The folder of an organisation's identity provider. */
export function idpDir(org: Org): string {
  return path.join(path.dirname(org.paths.users), 'idp');
}

export function idpProcessName(org: Org): string {
  return `idp-${org.key}`;
}

/** `https` when the organisation's API and provider serve HTTPS (the network's `apiTls`), else `http`. */
function scheme(org: Org): 'http' | 'https' {
  return org.apiTls ? 'https' : 'http';
}

/** The issuer URL of an organisation's local provider (`LOTLINE_OIDC_ISSUER` of its API): https with the network's `apiTls`. */
export function issuerUrl(org: Org): string {
  return `${scheme(org)}://${org.host}:${port(org, 'idp')}`;
}

/** The audience of an organisation's API (`LOTLINE_OIDC_AUDIENCE`): a resource indicator. */
export function apiAudience(org: Org): string {
  return `urn:lotline:api:${org.mspId}`;
}

/** Where the explorer served by the organisation's API may return after sign-in. */
export function explorerRedirectUris(org: Org): string[] {
  const apiPort = port(org, 'api');
  return [...new Set([org.host, '127.0.0.1', 'localhost'])].map((host) => `${scheme(org)}://${host}:${apiPort}/explorer/`);
}

function writePrivate(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

async function signingKeys(): Promise<{ keys: Record<string, unknown>[] }> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  return { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] };
}

/**
 * Writes an organisation's provider folder: `provider.json` every time (ports
 * may have moved), and on first start its signing key, secrets and the demo
 * users' passwords (random, never a default). Returns the folder.
 */
export async function prepareIdp(config: NetworkConfig, org: Org): Promise<string> {
  const dir = idpDir(org);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // The provider serves HTTPS with the same certificate as its organisation's API (orgs/<org>/api/tls).
  if (org.apiTls) await issueApiTls(config, org);
  const provider: ProviderFile = {
    issuer: issuerUrl(org),
    host: config.listenHost,
    port: port(org, 'idp'),
    orgName: org.name,
    mspId: org.mspId,
    audience: apiAudience(org),
    walletDir: org.paths.users,
    explorerRedirectUris: explorerRedirectUris(org),
    accessTokenTtlSeconds: LOCAL_TOKEN_TTL_SECONDS,
    ...(org.apiTls
      ? { tls: { certFile: path.join(org.paths.apiTls, 'server.crt'), keyFile: path.join(org.paths.apiTls, 'server.key') } }
      : {}),
  };
  writeFileSync(path.join(dir, PROVIDER_FILE), `${JSON.stringify(provider, null, 2)}\n`, { mode: 0o644 });
  if (!existsSync(path.join(dir, SIGNING_KEYS_FILE))) writePrivate(path.join(dir, SIGNING_KEYS_FILE), await signingKeys());
  if (!existsSync(path.join(dir, SECRETS_FILE))) {
    const secrets: SecretsFile = {
      cookieKeys: [randomBytes(32).toString('base64url')],
      serviceSecret: randomBytes(32).toString('base64url'),
    };
    writePrivate(path.join(dir, SECRETS_FILE), secrets);
  }
  const passwordsFile = path.join(dir, DEMO_PASSWORDS_FILE);
  const passwords = existsSync(passwordsFile) ? (JSON.parse(readFileSync(passwordsFile, 'utf8')) as Record<string, string>) : {};
  for (const user of config.users) passwords[user.name] ??= randomBytes(9).toString('base64url');
  writePrivate(passwordsFile, passwords);
  writePrivate(
    path.join(dir, USERS_FILE),
    Object.fromEntries(Object.entries(passwords).map(([user, password]) => [user, hashPassword(password, randomBytes(16))])),
  );
  return dir;
}

/** The demo users' passwords at an organisation's provider (what `npm start` prints). */
export function demoPasswords(org: Org): Record<string, string> {
  const file = path.join(idpDir(org), DEMO_PASSWORDS_FILE);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run npm start, which creates the demo users' passwords`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** Starts every local organisation's provider (idempotent); returns how many were started. */
export async function startIdps(config: NetworkConfig): Promise<number> {
  const main = path.join(config.repoRoot, 'network', 'src', 'idp', 'main.ts');
  const tsx = path.join(config.repoRoot, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
  const orgs = config.orgs.filter((o) => config.localOrgs.has(o.key));
  const started = await Promise.all(
    orgs.map(async (org) => {
      const dir = await prepareIdp(config, org);
      return startProcess(config, {
        name: idpProcessName(org),
        command: process.execPath,
        match: dir,
        args: ['--require', tsx, main, dir],
        env: { PATH: process.env.PATH, NODE_ENV: 'production' },
        ports: [{ host: config.listenHost, port: port(org, 'idp'), what: `${org.name} OpenID provider` }],
        ready: () => httpOk(`${issuerUrl(org)}/.well-known/openid-configuration`, 2000, orgFetch(org)),
        readyTimeoutSec: 60,
      });
    }),
  );
  return started.filter(Boolean).length;
}

/**
 * The discovered configuration of a provider for one client (http is allowed
 * only for loopback issuers). `fetchImpl` makes every request to the provider
 * (e.g. `fetchTrusting` of ../tls.ts, to verify an https issuer against an organisation's CA).
 */
export async function discoverIssuer(
  issuer: string,
  clientId: string,
  clientSecret?: string,
  fetchImpl?: typeof fetch,
): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return oidc.discovery(url, clientId, clientSecret, clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(clientSecret), {
    ...(url.protocol === 'http:' && loopback ? { execute: [oidc.allowInsecureRequests] } : {}),
    ...(fetchImpl !== undefined ? { [oidc.customFetch]: fetchImpl as oidc.CustomFetch } : {}),
  });
}

/** The provider's own words for a failed OAuth request (an error body, a WWW-Authenticate challenge, or the message). */
export function oauthErrorText(error: unknown): string {
  const certificate = certificateErrorCode(error);
  if (certificate !== undefined) return `its TLS certificate could not be verified (${certificate})`;
  if (error instanceof oidc.ResponseBodyError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    if (parameters?.error) return `${parameters.error}${parameters.error_description ? `: ${parameters.error_description}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What {@link mintToken} asks for. */
export interface TokenRequest {
  /** Organisation key, name or MSP ID. */
  readonly org: string;
  /** The enrolled user (`sub`): the service client of that name. */
  readonly user: string;
}

const cache = new Map<string, { token: string; expiresAt: number }>();

/**
 * An access token for `user` of an organisation, from that organisation's own
 * provider: the client credentials grant of the user's service client, whose
 * secret derives from the provider's service secret in the organisation's
 * folder (so only a holder of that folder can mint). Cached until a minute
 * before it expires.
 */
export async function mintToken(config: NetworkConfig, request: TokenRequest): Promise<string> {
  const org = findOrg(config, request.org);
  const key = `${issuerUrl(org)} ${request.user}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > Date.now() + 60_000) return hit.token;
  const secretsFile = path.join(idpDir(org), SECRETS_FILE);
  if (!existsSync(secretsFile)) throw new Error(`${secretsFile} does not exist: start the network with npm start`);
  const { serviceSecret } = JSON.parse(readFileSync(secretsFile, 'utf8')) as SecretsFile;
  let tokens: Awaited<ReturnType<typeof oidc.clientCredentialsGrant>>;
  try {
    // An https provider is verified against the organisation's own TLS CA.
    const client = await discoverIssuer(issuerUrl(org), request.user, serviceClientSecret(serviceSecret, request.user), orgFetch(org));
    tokens = await oidc.clientCredentialsGrant(client, { resource: apiAudience(org) });
  } catch (error) {
    const next =
      certificateErrorCode(error) !== undefined
        ? `It must serve the certificate in ${org.paths.apiTls}, issued by ${org.name}'s CA (${tlsRootCert(org)}): restart it with npm start.`
        : `Is the user enrolled in ${org.name}'s wallet (POST /users) and is the provider running (npm start)?`;
    throw new Error(
      `${org.name}'s OpenID provider (${issuerUrl(org)}) did not issue a token for ${request.user}: ${oauthErrorText(error)}. ${next}`,
      { cause: error },
    );
  }
  cache.set(key, { token: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000 });
  return tokens.access_token;
}
