/**
 * Signing in to an organisation's API from the command line, at the identity
 * provider that API trusts (its `GET /auth/config` names it), with
 * openid-client: the device authorization grant (RFC 8628) for people, client
 * credentials for scripts. Tokens are kept per API in the user's own token
 * file (mode 0600), which the CLI uses when no --token / LOTLINE_TOKEN is set.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { discoverIssuer as discover } from '../../network/src/idp/local';
import { ApiError } from './api-client';

/** What an API announces at `GET /auth/config`. */
export interface SignInConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly explorerClientId: string;
  readonly cliClientId: string;
  readonly org: string;
  readonly mspId: string;
}

/** Reads `GET /auth/config` of an API (through `fetchImpl`: the CLI's verifies HTTPS against its CA file). */
export async function signInConfig(apiUrl: string, fetchImpl: typeof fetch = fetch): Promise<SignInConfig> {
  const url = new URL('auth/config', apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new Error(`${url.href} is unreachable (${(error as Error).message}): is the API running? (npm run status)`, { cause: error });
  }
  if (!res.ok) throw new Error(`${url.href} answered ${res.status}: this API announces no identity provider; pass a token with --token`);
  return (await res.json()) as SignInConfig;
}

/** What the device flow shows the person: where to go and which code to enter. */
export interface DevicePrompt {
  readonly verificationUri: string;
  readonly verificationUriComplete: string | undefined;
  readonly userCode: string;
  readonly expiresInSeconds: number;
}

/** A token obtained by signing in. */
export interface SignedIn {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly issuer: string;
}

function signedIn(issuer: string, tokens: oidc.TokenEndpointResponse): SignedIn {
  return { accessToken: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000, issuer };
}

/**
 * The device authorization grant: asks the provider for a user code, hands it
 * to `prompt` (print it), then polls until the person has signed in in a
 * browser (or the code expires / is refused).
 */
export async function deviceSignIn(
  config: SignInConfig,
  prompt: (p: DevicePrompt) => void,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<SignedIn> {
  const client = await discover(config.issuer, config.cliClientId, undefined, options.fetch);
  const device = await oidc.initiateDeviceAuthorization(client, { scope: 'openid', resource: config.audience });
  prompt({
    verificationUri: device.verification_uri,
    verificationUriComplete: device.verification_uri_complete,
    userCode: device.user_code,
    expiresInSeconds: device.expires_in,
  });
  const tokens = await oidc.pollDeviceAuthorizationGrant(client, device, undefined, options.signal ? { signal: options.signal } : {});
  return signedIn(config.issuer, tokens);
}

/** The client credentials grant, for scripts: a confidential client of the provider. */
export async function clientCredentialsSignIn(
  config: SignInConfig,
  clientId: string,
  clientSecret: string,
  fetchImpl?: typeof fetch,
): Promise<SignedIn> {
  const client = await discover(config.issuer, clientId, clientSecret, fetchImpl);
  return signedIn(config.issuer, await oidc.clientCredentialsGrant(client, { resource: config.audience }));
}

/** The user's token file: `$LOTLINE_TOKEN_FILE`, else `$XDG_CONFIG_HOME/lotline/tokens.json` (default `~/.config`). */
export function tokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOTLINE_TOKEN_FILE ?? path.join(env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config'), 'lotline', 'tokens.json');
}

function readTokens(file: string): Record<string, SignedIn> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, SignedIn>;
  } catch {
    return {};
  }
}

function apiKey(apiUrl: string): string {
  return new URL(apiUrl).origin;
}

/** Keeps a token for an API (file mode 0600). */
export function storeToken(apiUrl: string, token: SignedIn, file = tokenFile()): void {
  const tokens = readTokens(file);
  tokens[apiKey(apiUrl)] = token;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The kept, unexpired token for an API, if any. */
export function storedToken(apiUrl: string, file = tokenFile()): string | undefined {
  const token = readTokens(file)[apiKey(apiUrl)];
  return token && token.expiresAt > Date.now() + 10_000 ? token.accessToken : undefined;
}

/** Forgets the token for an API; true if there was one. */
export function forgetToken(apiUrl: string, file = tokenFile()): boolean {
  const tokens = readTokens(file);
  if (!(apiKey(apiUrl) in tokens)) return false;
  delete tokens[apiKey(apiUrl)];
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return true;
}
