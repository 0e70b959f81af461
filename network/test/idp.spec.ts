/**
 * The local OpenID provider (oidc-provider, in process on an ephemeral port)
 * together with the API's token verifier (discovery + JWKS): what one
 * organisation's provider issues, the API of that organisation accepts, and
 * the API of another organisation refuses.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { ApiError, createTokenVerifier, type TokenVerifier } from '@lotline/gateway-api';
import { createIdentityProvider, hashPassword, serviceClientSecret, type IdpSettings } from '../src/idp/provider';

interface RunningIdp {
  readonly issuer: string;
  readonly settings: IdpSettings;
  readonly server: Server;
}

async function signingKeys(): Promise<IdpSettings['jwks']> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' }] };
}

/** Starts a provider for `orgName` whose wallet holds `users`. */
async function startIdp(orgName: string, walletDir: string): Promise<RunningIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const settings: IdpSettings = {
    issuer,
    orgName,
    mspId: `${orgName}MSP`,
    audience: `urn:lotline:api:${orgName}MSP`,
    jwks: await signingKeys(),
    cookieKeys: ['unit-test-cookie-key'],
    serviceSecret: `service-secret-of-${orgName}`,
    users: { qm1: hashPassword('right-password', Buffer.from('salt-salt-salt-1')) },
    walletDir,
    explorerRedirectUris: ['http://127.0.0.1:1/explorer/'],
    accessTokenTtlSeconds: 300,
  };
  const idp = createIdentityProvider(settings);
  server.on('request', (req, res) => idp.handle(req, res));
  return { issuer, settings, server };
}

async function clientCredentials(
  idp: RunningIdp,
  user: string,
  secret = serviceClientSecret(idp.settings.serviceSecret, user),
): Promise<string> {
  const client = await oidc.discovery(new URL(idp.issuer), user, undefined, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests],
  });
  return (await oidc.clientCredentialsGrant(client, { resource: idp.settings.audience })).access_token;
}

function verifierFor(idp: RunningIdp): TokenVerifier {
  return createTokenVerifier(
    {
      issuer: idp.issuer,
      audience: idp.settings.audience,
      explorerClientId: 'lotline-explorer',
      cliClientId: 'lotline-cli',
      algorithms: ['ES256'],
      clockToleranceSeconds: 5,
    },
    [idp.settings.mspId, idp.settings.orgName],
  );
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the local OpenID provider and the API that trusts it', function () {
  this.timeout(60_000);
  let dir: string;
  let parts: RunningIdp;
  let assembly: RunningIdp;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lotline-idp-'));
    for (const org of ['PartsCo', 'AssemblyCo']) mkdirSync(path.join(dir, org, 'qm1', 'msp'), { recursive: true });
    parts = await startIdp('PartsCo', path.join(dir, 'PartsCo'));
    assembly = await startIdp('AssemblyCo', path.join(dir, 'AssemblyCo'));
  });

  after(async function () {
    for (const idp of [parts, assembly]) {
      idp.server.closeAllConnections();
      await new Promise((resolve) => idp.server.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  describe("an enrolled user's service client (client credentials)", function () {
    it('gets an ES256 JWT for the API: sub is the user, org the MSP ID, aud the API', async function () {
      const token = await clientCredentials(parts, 'qm1');
      expect(decodeJwt(token)).to.include({ iss: parts.issuer, sub: 'qm1', org: 'PartsCoMSP', aud: 'urn:lotline:api:PartsCoMSP' });
      const subject = await verifierFor(parts).verify(`Bearer ${token}`);
      expect(subject).to.include({ user: 'qm1', org: 'PartsCoMSP' });
    });

    it('is refused with a wrong secret', async function () {
      let refused: unknown;
      await clientCredentials(parts, 'qm1', 'wrong').catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(Error);
    });

    it('does not exist for a user without an enrolled identity in the wallet', async function () {
      let refused: unknown;
      await clientCredentials(parts, 'nobody').catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(Error);
    });

    it('cannot ask for a token for another resource', async function () {
      const client = await oidc.discovery(
        new URL(parts.issuer),
        'qm1',
        undefined,
        oidc.ClientSecretBasic(serviceClientSecret(parts.settings.serviceSecret, 'qm1')),
        { execute: [oidc.allowInsecureRequests] },
      );
      let refused: unknown;
      await oidc.clientCredentialsGrant(client, { resource: 'urn:lotline:api:BankMSP' }).catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(oidc.ResponseBodyError);
      expect((refused as oidc.ResponseBodyError).error).to.equal('invalid_target');
    });
  });

  describe("another organisation's API", function () {
    it('refuses the token with 401 TOKEN_WRONG_ISSUER and names the issuer it trusts', async function () {
      const token = await clientCredentials(assembly, 'qm1');
      const error = await refusal(verifierFor(parts).verify(`Bearer ${token}`));
      expect(error.status).to.equal(401);
      expect(error.code).to.equal('TOKEN_WRONG_ISSUER');
      expect(error.message).to.contain(parts.issuer);
    });
  });

  describe('when the trusted provider is unreachable', function () {
    it('answers 503 IDP_UNAVAILABLE with a Retry-After, not 401', async function () {
      const issuer = 'http://127.0.0.1:9';
      const verifier = createTokenVerifier(
        { issuer, audience: 'urn:x', explorerClientId: 'e', cliClientId: 'c', algorithms: ['ES256'], clockToleranceSeconds: 5 },
        ['PartsCoMSP'],
      );
      const { privateKey } = await generateKeyPair('ES256');
      const token = await new SignJWT({ sub: 'qm1' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setIssuer(issuer)
        .setAudience('urn:x')
        .setExpirationTime('5m')
        .sign(privateKey);
      const error = await refusal(verifier.verify(`Bearer ${token}`));
      expect(error.status).to.equal(503);
      expect(error.code).to.equal('IDP_UNAVAILABLE');
      expect(error.retryAfterSeconds).to.equal(5);
    });
  });

  describe('the login page', function () {
    it('shows a form, and refuses a wrong password with 401 on the same page', async function () {
      const start = new URL(`${parts.issuer}/auth`);
      start.search = new URLSearchParams({
        client_id: 'lotline-explorer',
        redirect_uri: 'http://127.0.0.1:1/explorer/',
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        state: 'state-1',
      }).toString();
      const first = await fetch(start, { redirect: 'manual' });
      expect(first.status).to.be.oneOf([302, 303]);
      const interaction = new URL(first.headers.get('location') ?? '', parts.issuer);
      const cookies = first.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const form = await fetch(interaction, { headers: { cookie: cookies } });
      const html = await form.text();
      expect(form.status).to.equal(200);
      expect(html).to.contain('id="username"').and.contain('id="password"');
      const wrong = await fetch(`${interaction.href}/login`, {
        method: 'POST',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'qm1', password: 'wrong' }).toString(),
        redirect: 'manual',
      });
      expect(wrong.status).to.equal(401);
      expect(await wrong.text()).to.contain('Wrong user name or password');
      const right = await fetch(`${interaction.href}/login`, {
        method: 'POST',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'qm1', password: 'right-password' }).toString(),
        redirect: 'manual',
      });
      expect(right.status).to.be.oneOf([302, 303]);
      expect(right.headers.get('location')).to.contain('/auth/');
    });
  });
});
