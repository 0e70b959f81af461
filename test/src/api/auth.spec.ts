import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { apiAudience, issuerUrl } from '../../../network/src/idp/local';
import { org } from '../support/network';
import { apiFor, bearer, closeApis, problemOf, providerSigningKey, token, type TestApi } from './support';

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function claims(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { org: 'PartsCoMSP', sub: 'qm1', iss: issuerUrl(org('PartsCo')), aud: apiAudience(org('PartsCo')), iat: now, exp: now + 600 };
}

describe('API authentication', function () {
  let api: TestApi;

  before(async function () {
    api = await apiFor('PartsCo');
  });
  after(closeApis);

  async function expect401(authorization: string | undefined, code: string | string[]): Promise<void> {
    const req = request(api.app).get('/me');
    const res = authorization === undefined ? await req : await req.set('Authorization', authorization);
    const problem = problemOf(res);
    expect(problem.status).to.equal(401);
    expect(problem.contentType).to.match(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).to.match(/^Bearer error="invalid_token"/);
    expect(Array.isArray(code) ? code : [code]).to.include(problem.code);
  }

  describe('GET /me', function () {
    describe("with a token from PartsCo's own provider for an enrolled user", function () {
      it('the token names the issuer, audience, user and organisation', async function () {
        const claims = decodeJwt(await token('PartsCo', 'qm1'));
        expect(claims).to.include({ iss: issuerUrl(org('PartsCo')), aud: apiAudience(org('PartsCo')), sub: 'qm1', org: 'PartsCoMSP' });
      });
      it('responds with 200 and the role from the enrolment certificate', async function () {
        const res = await request(api.app)
          .get('/me')
          .set('Authorization', await bearer('PartsCo', 'qm1'));
        expect(res.status).to.equal(200);
        expect(res.body).to.include({ user: 'qm1', mspId: 'PartsCoMSP', role: 'quality_manager' });
        expect(res.body.subject).to.contain('CN=qm1');
      });
    });

    describe('without a token', function () {
      it('responds with 401 TOKEN_MISSING', async function () {
        await expect401(undefined, 'TOKEN_MISSING');
      });
    });

    describe('with a malformed token', function () {
      it('responds with 401 TOKEN_MALFORMED for garbage', async function () {
        await expect401('Bearer not-a-jwt', 'TOKEN_MALFORMED');
      });
      it('responds with 401 TOKEN_MALFORMED for a non-Bearer scheme', async function () {
        await expect401(`Basic ${b64url('qm1:secret')}`, 'TOKEN_MALFORMED');
      });
    });

    describe('with an expired token (beyond the 30 s tolerance)', function () {
      it('responds with 401 TOKEN_EXPIRED', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { expiresInSeconds: -120 }), 'TOKEN_EXPIRED');
      });
    });

    describe('with a token that expired within the clock tolerance', function () {
      it('responds with 200', async function () {
        const res = await request(api.app)
          .get('/me')
          .set('Authorization', await bearer('PartsCo', 'qm1', { expiresInSeconds: -10 }));
        expect(res.status).to.equal(200);
      });
    });

    describe('with a token without exp', function () {
      it('responds with 401', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { omit: ['exp'] }), 'TOKEN_CLAIM_INVALID');
      });
    });

    describe('with a token that is not valid yet (nbf)', function () {
      it('responds with 401 TOKEN_NOT_YET_VALID', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { notBeforeOffsetSeconds: 300 }), 'TOKEN_NOT_YET_VALID');
      });
    });

    describe('with the wrong issuer', function () {
      it('responds with 401 TOKEN_WRONG_ISSUER', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { issuer: 'https://evil.example' }), 'TOKEN_WRONG_ISSUER');
      });
    });

    describe('without an issuer', function () {
      it('responds with 401 TOKEN_CLAIM_INVALID', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { omit: ['iss'] }), 'TOKEN_CLAIM_INVALID');
      });
    });

    describe('with the wrong audience', function () {
      it('responds with 401 TOKEN_CLAIM_INVALID', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { audience: 'some-other-api' }), 'TOKEN_CLAIM_INVALID');
      });
    });

    describe('with alg:none', function () {
      it('responds with 401', async function () {
        const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
        await expect401(`Bearer ${unsigned}`, ['TOKEN_ALGORITHM_REJECTED', 'TOKEN_MALFORMED']);
      });
    });

    describe('with HS256 signed with the public key (algorithm confusion)', function () {
      it('responds with 401 TOKEN_ALGORITHM_REJECTED', async function () {
        const { kty, crv, x, y, kid } = providerSigningKey('PartsCo');
        const publicJwk = { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' };
        const jwks = JSON.stringify({ keys: [publicJwk] });
        const header = b64url({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid });
        const body = b64url(claims());
        const signature = createHmac('sha256', jwks).update(`${header}.${body}`).digest('base64url');
        await expect401(`Bearer ${header}.${body}.${signature}`, 'TOKEN_ALGORITHM_REJECTED');
      });
    });

    describe('with a tampered payload', function () {
      it('responds with 401 TOKEN_SIGNATURE_INVALID', async function () {
        const [header, , signature] = (await token('PartsCo', 'inspector1')).split('.');
        const forged = b64url({ ...claims(), sub: 'admin1' });
        await expect401(`Bearer ${header}.${forged}.${signature}`, 'TOKEN_SIGNATURE_INVALID');
      });
    });

    describe('with a token signed by a key outside the JWKS', function () {
      it('responds with 401', async function () {
        const { privateKey, publicKey } = await generateKeyPair('ES256');
        const { kid } = providerSigningKey('PartsCo');
        expect((await exportJWK(publicKey)).kty).to.equal('EC');
        const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
        await expect401(`Bearer ${forged}`, 'TOKEN_SIGNATURE_INVALID');
      });
    });

    describe("with a token from another organisation's provider", function () {
      it("responds with 401 TOKEN_WRONG_ISSUER for AssemblyCo's real token, and says where to sign in", async function () {
        const res = await request(api.app)
          .get('/me')
          .set('Authorization', await bearer('AssemblyCo', 'qm1'));
        const problem = problemOf(res);
        expect(problem).to.include({ status: 401, code: 'TOKEN_WRONG_ISSUER' });
        expect(problem.contentType).to.match(/^application\/problem\+json/);
        expect(String(problem.body.detail)).to.contain(`sign in at ${issuerUrl(org('PartsCo'))}`);
        expect(String(problem.body.detail)).to.contain(issuerUrl(org('AssemblyCo')));
      });
      it("responds with 401 TOKEN_WRONG_ISSUER whatever its org claim (AssemblyCo's provider, org PartsCoMSP, PartsCo's audience)", async function () {
        await expect401(await bearer('PartsCo', 'qm1', { signedBy: 'AssemblyCo' }), 'TOKEN_WRONG_ISSUER');
      });
      it("responds with 401 when AssemblyCo's key signs a token that claims PartsCo's issuer", async function () {
        await expect401(await bearer('PartsCo', 'qm1', { signedBy: 'AssemblyCo', issuer: issuerUrl(org('PartsCo')) }), [
          'TOKEN_KEY_UNKNOWN',
          'TOKEN_SIGNATURE_INVALID',
        ]);
      });
    });

    describe('with a PartsCo token whose org claim names another organisation', function () {
      it('responds with 401 TOKEN_WRONG_ORG', async function () {
        await expect401(await bearer('PartsCo', 'qm1', { claims: { org: 'AssemblyCoMSP' } }), 'TOKEN_WRONG_ORG');
      });
    });

    describe('with a user that has no enrolled identity', function () {
      it('responds with 403 USER_NOT_ENROLLED and says how to register', async function () {
        const res = await request(api.app)
          .get('/me')
          .set('Authorization', await bearer('PartsCo', 'nobody-enrolled', { craft: true }));
        const problem = problemOf(res);
        expect(problem.status).to.equal(403);
        expect(problem.code).to.equal('USER_NOT_ENROLLED');
        expect(String(problem.body.detail)).to.contain('POST /users');
      });
    });

    describe('with a subject that tries to escape the wallet folder', function () {
      it('responds with 401', async function () {
        await expect401(await bearer('PartsCo', '../admin', { craft: true }), 'TOKEN_CLAIM_INVALID');
      });
    });
  });

  describe('public endpoints', function () {
    it('GET /healthz responds with 200 without a token', async function () {
      const res = await request(api.app).get('/healthz');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ status: 'ok', mspId: 'PartsCoMSP' });
    });
  });
});
