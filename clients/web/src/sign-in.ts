/**
 * The explorer's sign-in: the authorization code flow with PKCE (S256) at the
 * identity provider that the API trusts (`GET <api>/auth/config`), with
 * oauth4webapi. The explorer is a public client: no secret. The access token
 * lives in this tab's sessionStorage only; signing out removes it, and the
 * next sign-in asks for the password again (`prompt=login`).
 */
import * as oauth from 'oauth4webapi';

/** What the API announces at `GET /auth/config`. */
export interface SignInConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly explorerClientId: string;
  readonly org: string;
  readonly mspId: string;
}

const PENDING = 'lotline-sign-in';
const TOKEN = 'lotline-token';
const SIGNED_OUT = 'lotline-signed-out';

/** A sign-in under way: what the callback needs, and the page's query to restore. */
interface Pending {
  readonly codeVerifier: string;
  readonly state: string;
  readonly search: string;
}

/** The redirect URI: this page without its query (registered at the provider). */
function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

function pending(): Pending | undefined {
  const raw = sessionStorage.getItem(PENDING);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Pending;
  } catch {
    return undefined;
  }
}

/** True when this page load is the provider's redirect back with a code (or an error). */
export function isCallback(): boolean {
  const query = new URLSearchParams(location.search);
  return pending() !== undefined && (query.has('code') || query.has('error'));
}

/** The page's own query: on a callback, the one saved before leaving for the provider. */
export function pageQuery(): URLSearchParams {
  return new URLSearchParams(isCallback() ? (pending()?.search ?? '') : location.search);
}

export async function signInConfig(apiBase: string): Promise<SignInConfig> {
  const res = await fetch(new URL('auth/config', new URL(apiBase, location.href)));
  if (!res.ok) throw new Error(`the API does not say where to sign in (GET /auth/config answered ${res.status})`);
  return (await res.json()) as SignInConfig;
}

/** Plain http is allowed only for a provider on this machine (the local network). */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

async function discover(config: SignInConfig): Promise<{ as: oauth.AuthorizationServer; client: oauth.Client; insecure: boolean }> {
  const issuer = new URL(config.issuer);
  const insecure = insecureAllowed(issuer);
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: insecure });
  return { as: await oauth.processDiscoveryResponse(issuer, res), client: { client_id: config.explorerClientId }, insecure };
}

/** Leaves for the provider's sign-in page. */
export async function startSignIn(config: SignInConfig): Promise<void> {
  const { as, client } = await discover(config);
  if (!as.authorization_endpoint) throw new Error(`${config.issuer} has no authorization endpoint`);
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const saved: Pending = { codeVerifier, state, search: location.search };
  sessionStorage.setItem(PENDING, JSON.stringify(saved));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'openid');
  url.searchParams.set('resource', config.audience);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  if (sessionStorage.getItem(SIGNED_OUT)) url.searchParams.set('prompt', 'login');
  location.assign(url.href);
}

/**
 * Finishes a sign-in on the provider's redirect: checks `state` (and `iss`),
 * redeems the code with the PKCE verifier, keeps the access token, and puts
 * the page's own query back in the address bar.
 */
export async function completeSignIn(config: SignInConfig): Promise<string> {
  const saved = pending();
  sessionStorage.removeItem(PENDING);
  if (!saved) throw new Error('no sign-in was under way: sign in again');
  const { as, client, insecure } = await discover(config);
  const current = new URL(location.href);
  history.replaceState(null, '', `${redirectUri()}${saved.search}`);
  const params = oauth.validateAuthResponse(as, client, current, saved.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), saved.codeVerifier, {
    [oauth.allowInsecureRequests]: insecure,
    additionalParameters: { resource: config.audience },
  });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  sessionStorage.setItem(TOKEN, result.access_token);
  sessionStorage.removeItem(SIGNED_OUT);
  return result.access_token;
}

/** The access token of this tab, if signed in. */
export function savedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN) ?? undefined;
}

/** Forgets the tokens; the next sign-in asks for the password again. */
export function forgetTokens(): void {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(PENDING);
  sessionStorage.setItem(SIGNED_OUT, '1');
}

/** A readable reason for a failed sign-in. */
export function signInError(err: unknown): string {
  if (err instanceof oauth.AuthorizationResponseError)
    return `sign-in refused: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  if (err instanceof oauth.ResponseBodyError)
    return `sign-in failed: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  return `sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
}
