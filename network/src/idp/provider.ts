/**
 * One organisation's local OpenID provider: `oidc-provider` (panva, certified
 * by the OpenID Foundation), configured from that organisation's own folder
 * (see {@link IdpSettings}). It issues JWT access tokens (ES256, `aud` = the
 * organisation's API, an `org` claim with its MSP ID) to three kinds of client:
 *
 * - the web explorer: a public client, authorization code with PKCE (S256);
 * - the CLI: a public client, the device authorization grant (RFC 8628);
 * - scripts and tests: one confidential service client per enrolled user of
 *   the organisation's wallet, client credentials; its `client_id` is the user
 *   name (so the token's `sub` selects that user's Fabric identity) and its
 *   secret is derived from the provider's service secret ({@link serviceClientSecret}).
 *
 * People sign in on a small login page with a user name and password (scrypt
 * hashes in `users.json`). First-party clients need no consent page.
 * The only hand-written HTTP here is that login page; every OAuth endpoint is
 * oidc-provider's.
 */
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { API_SCOPE, CLI_CLIENT_ID, EXPLORER_CLIENT_ID, serviceClientSecret, type PasswordHash } from './clients';
import Provider, {
  errors,
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';

/** Everything one organisation's provider is configured with (from its own folder). */
export interface IdpSettings {
  readonly issuer: string;
  readonly orgName: string;
  readonly mspId: string;
  /** The `aud` of access tokens: the organisation's API (a resource indicator, an absolute URI). */
  readonly audience: string;
  /** Private signing JWKs (ES256). */
  readonly jwks: { keys: Record<string, unknown>[] };
  /** Keys that sign the provider's cookies. */
  readonly cookieKeys: string[];
  /** Derives each service client's secret. */
  readonly serviceSecret: string;
  /** Users who may sign in interactively. */
  readonly users: Readonly<Record<string, PasswordHash>>;
  /** The organisation's wallet (`<user>/msp`): enrolled users have a service client. */
  readonly walletDir: string;
  /** Where the explorer may be redirected after sign-in. */
  readonly explorerRedirectUris: readonly string[];
  readonly accessTokenTtlSeconds: number;
}

/** A user name usable as a wallet folder name (the API's rule, gateway-api/src/auth/jwt.ts). */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function passwordMatches(hash: PasswordHash | undefined, password: string): boolean {
  const [kind, salt, expected] = (hash ?? '').split(':');
  if (kind !== 'scrypt' || !salt || !expected) return false;
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), 32);
  const wanted = Buffer.from(expected, 'base64url');
  return actual.length === wanted.length && timingSafeEqual(actual, wanted);
}

const stores = new Map<string, Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>>();

/**
 * The provider's storage: sessions, interactions, grants, codes and device codes
 * in memory (lost on restart: people sign in again; issued JWTs stay valid until
 * they expire), and `Client` answered from the wallet (service clients).
 */
function adapterFactory(settings: IdpSettings): (name: string) => Adapter {
  return (name: string): Adapter => {
    const store = stores.get(name) ?? new Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>();
    stores.set(name, store);
    const live = (id: string): AdapterPayload | undefined => {
      const entry = store.get(id);
      if (entry?.expiresAt !== undefined && entry.expiresAt < Date.now()) store.delete(id);
      return store.get(id)?.payload;
    };
    const findBy = (field: 'userCode' | 'uid', value: string): AdapterPayload | undefined => {
      for (const [id, entry] of store) if (entry.payload[field] === value) return live(id);
      return undefined;
    };
    return {
      find: (id) => Promise.resolve(name === 'Client' ? serviceClient(settings, id) : live(id)),
      upsert(id, payload, expiresIn) {
        store.set(id, { payload, expiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000 });
        return Promise.resolve();
      },
      findByUserCode: (userCode) => Promise.resolve(findBy('userCode', userCode)),
      findByUid: (uid) => Promise.resolve(findBy('uid', uid)),
      consume(id) {
        const entry = store.get(id);
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy(id) {
        store.delete(id);
        return Promise.resolve();
      },
      revokeByGrantId(grantId) {
        for (const [id, entry] of store) if (entry.payload.grantId === grantId) store.delete(id);
        return Promise.resolve();
      },
    };
  };
}

/** The service client of an enrolled wallet user, or undefined. */
function serviceClient(settings: IdpSettings, user: string): AdapterPayload | undefined {
  if (!USER_NAME.test(user) || !existsSync(path.join(settings.walletDir, user, 'msp'))) return undefined;
  return {
    client_id: user,
    client_secret: serviceClientSecret(settings.serviceSecret, user),
    client_name: `${user} (service client of ${settings.orgName})`,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  } as AdapterPayload;
}

function publicClients(settings: IdpSettings): ClientMetadata[] {
  return [
    {
      client_id: EXPLORER_CLIENT_ID,
      client_name: `Lotline trace explorer (${settings.orgName})`,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [...settings.explorerRedirectUris],
    },
    {
      client_id: CLI_CLIENT_ID,
      client_name: `lotline CLI (${settings.orgName})`,
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      redirect_uris: [],
    },
  ];
}

const FIRST_PARTY = new Set([EXPLORER_CLIENT_ID, CLI_CLIENT_ID]);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}input,button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0;padding:.5rem;font-size:1rem}.error{color:#b71c1c}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loginPage(settings: IdpSettings, uid: string, clientName: string, error?: string): string {
  return page(
    `Sign in to ${settings.orgName}`,
    `<p>${escapeHtml(clientName)} asks you to sign in as a user of ${escapeHtml(settings.orgName)} (${escapeHtml(settings.mspId)}).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login" autocomplete="off">
<label>User <input id="username" name="username" required autofocus></label>
<label>Password <input id="password" name="password" type="password" required></label>
<button id="sign-in" type="submit">Sign in</button></form>`,
  );
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 8192) throw new errors.InvalidRequest('the form is too large');
  }
  return new URLSearchParams(text);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
}

/** A grant of the API's resource (and `openid`) to a first-party client, so that no consent page is shown. */
async function firstPartyGrant(provider: Provider, settings: IdpSettings, accountId: string, clientId: string): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope('openid');
  grant.addResourceScope(settings.audience, API_SCOPE);
  return grant.save();
}

/** The login page's routes: GET shows the form, POST checks the password and finishes the interaction. */
async function handleInteraction(provider: Provider, settings: IdpSettings, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const client = await provider.Client.find(String(details.params.client_id));
  const clientName = client?.clientName ?? String(details.params.client_id);
  if (details.prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    if (!accountId || !FIRST_PARTY.has(String(details.params.client_id))) throw new errors.AccessDenied('this client is not allowed here');
    const grantId = details.grantId ?? (await firstPartyGrant(provider, settings, accountId, String(details.params.client_id)));
    if (details.grantId) {
      const grant = await provider.Grant.find(details.grantId);
      grant?.addOIDCScope('openid');
      grant?.addResourceScope(settings.audience, API_SCOPE);
      await grant?.save();
    }
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method !== 'POST') {
    send(res, 200, loginPage(settings, details.uid, clientName));
    return;
  }
  const form = await formBody(req);
  const user = form.get('username')?.trim() ?? '';
  if (!passwordMatches(settings.users[user], form.get('password') ?? '')) {
    send(res, 401, loginPage(settings, details.uid, clientName, 'Wrong user name or password. Try again.'));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
}

function configuration(settings: IdpSettings): Configuration {
  return {
    adapter: adapterFactory(settings),
    clients: publicClients(settings),
    jwks: settings.jwks as Configuration['jwks'],
    cookies: { keys: settings.cookieKeys },
    // The signing keys are ES256 (P-256) only.
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'], response_types: ['code'] },
    claims: { openid: ['sub', 'org'] },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    findAccount(_ctx, sub) {
      if (!USER_NAME.test(sub)) return undefined;
      return { accountId: sub, claims: () => ({ sub, org: settings.mspId }) };
    },
    extraTokenClaims: () => ({ org: settings.mspId }),
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const clientId = ctx.oidc.client?.clientId ?? '';
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !FIRST_PARTY.has(clientId)) return undefined;
      return ctx.oidc.provider.Grant.find(await firstPartyGrant(ctx.oidc.provider, settings, accountId, clientId));
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        // Lotline's own pages (no external fonts); the forms are oidc-provider's.
        userCodeInputSource(ctx, form, _out, err) {
          const error = err
            ? '<p class="error" role="alert">That code is not valid (wrong, used or expired). Enter the code the CLI shows.</p>'
            : '';
          ctx.body = page(
            `Sign in to ${settings.orgName}`,
            `<p>Enter the code that lotline login shows.</p>${error}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
          );
        },
        userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
          ctx.body = page(
            `Sign in to ${settings.orgName}`,
            `<p>${escapeHtml(client.clientName ?? client.clientId)} asks to act as you. Check that it shows this code:</p><p><code id="user-code">${escapeHtml(userCode)}</code></p>${form}` +
              '<button id="confirm" type="submit" form="op.deviceConfirmForm">Continue</button><button id="abort" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>',
          );
        },
        successSource(ctx) {
          ctx.body = page('Signed in', '<p id="signed-in">You are signed in. Return to the command line; you can close this page.</p>');
        },
      },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== settings.audience) throw new errors.InvalidTarget(`this provider issues tokens only for ${settings.audience}`);
          return {
            scope: API_SCOPE,
            audience: settings.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: settings.accessTokenTtlSeconds,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      ClientCredentials: settings.accessTokenTtlSeconds,
      DeviceCode: 600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      IdToken: 3600,
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in failed',
        `<p class="error">${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p><p>Start the sign-in again from the explorer or the CLI.</p>`,
      );
    },
  };
}

/** The provider and the HTTP handler that serves it with its login page. */
export function createIdentityProvider(settings: IdpSettings): {
  provider: Provider;
  handle(req: IncomingMessage, res: ServerResponse): void;
} {
  const provider = new Provider(settings.issuer, configuration(settings));
  const callback = provider.callback();
  return {
    provider,
    handle(req, res) {
      if (!/^\/interaction\/[^/]+(\/login)?$/.test(new URL(req.url ?? '/', settings.issuer).pathname)) {
        void callback(req, res);
        return;
      }
      handleInteraction(provider, settings, req, res).catch((error: unknown) => {
        const message = error instanceof errors.OIDCProviderError ? (error.error_description ?? error.message) : 'the sign-in failed';
        if (!res.headersSent)
          send(
            res,
            error instanceof errors.SessionNotFound ? 400 : 500,
            page(
              'Sign-in failed',
              `<p class="error">${escapeHtml(String(message))}</p><p>Start the sign-in again from the explorer or the CLI.</p>`,
            ),
          );
      });
    },
  };
}

export { CLI_CLIENT_ID, EXPLORER_CLIENT_ID, hashPassword, serviceClientSecret, type PasswordHash } from './clients';
