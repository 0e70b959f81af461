/**
 * Unit tests of the HTTP layer: `createServer` with real token verification
 * (ES256 keys generated here) and a scripted stand-in for the peer's gateway,
 * so that each answer of the ledger (a chaincode error code, a dead chaincode
 * server, an MVCC conflict) can be produced on demand. What the real peers
 * answer is covered by the integration suites under test/src/api.
 */
import { generateKeyPairSync } from 'node:crypto';
import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { GatewayError, type Gateway } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { createServer } from '../src/app';
import { createTokenVerifier } from '../src/auth/jwt';
import type { AuthConfig } from '../src/config';
import type { WalletIdentity } from '../src/identity/wallet';

const ISSUER = 'lotline-test';
const AUDIENCE = 'lotline-api';
const MSP = 'PartsCoMSP';

const AUTH: AuthConfig = {
  jwksUrl: undefined,
  jwksFile: '(in memory)',
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ['ES256'],
  clockToleranceSeconds: 5,
};

/** What the stand-in contract does when called; each test scripts it. */
interface Script {
  evaluate?: (name: string, args: string[]) => Uint8Array;
  /** Validation codes returned by successive commits (0 = VALID). */
  commits?: number[];
  /** Thrown by every endorsement. */
  submitError?: Error;
  /** Thrown by successive endorsements (undefined: that one endorses). */
  endorseErrors?: (Error | undefined)[];
  /** Thrown while waiting for the commit status (the transaction was submitted). */
  statusError?: Error;
  /** LOTLINE_TX_RETRIES of the app. */
  txRetries?: number;
}

const encoder = new TextEncoder();

function gatewayError(code: number, message: string, detailMessages: string[]): GatewayError {
  const cause = Object.assign(new Error(message), { code, details: message, metadata: new Metadata() }) as ServiceError;
  return new GatewayError({
    code,
    message,
    cause,
    details: detailMessages.map((m) => ({ address: 'peer0.partsco:7151', mspId: MSP, message: m })),
  });
}

/** A stand-in Gateway that records the calls and follows the script (endorse, submit, commit status). */
function scriptedGateway(script: Script, calls: string[]): Gateway {
  let commit = 0;
  const contract = {
    getChaincodeName: () => 'lotline',
    getContractName: () => 'Lot',
    evaluateTransaction: (name: string, ...args: string[]) => {
      calls.push(`evaluate ${name}`);
      if (script.evaluate === undefined) throw new Error('unexpected evaluate');
      return Promise.resolve(script.evaluate(name, args));
    },
    newProposal: (name: string, options: { arguments: string[] }) => ({
      getTransactionId: () => `tx${commit + 1}`,
      endorse: () => {
        calls.push(`submit ${name}`);
        const refusal = script.submitError ?? script.endorseErrors?.shift();
        if (refusal !== undefined) return Promise.reject(refusal);
        const code = script.commits?.[commit++] ?? 0;
        const lot = JSON.parse(options.arguments[0] ?? '{}') as Record<string, unknown>;
        return Promise.resolve({
          getResult: () => encoder.encode(JSON.stringify({ ...lot, producer: MSP, custodian: MSP })),
          submit: () =>
            Promise.resolve({
              getStatus: () =>
                script.statusError !== undefined
                  ? Promise.reject(script.statusError)
                  : Promise.resolve({ successful: code === 0, code, transactionId: `tx${commit}`, blockNumber: BigInt(7) }),
            }),
        });
      },
    }),
  };
  const network = { getContract: () => contract };
  return { getNetwork: () => network } as unknown as Gateway;
}

const identity = (role: WalletIdentity['role']): WalletIdentity =>
  ({
    user: 'qm1',
    mspId: MSP,
    role,
    subject: 'CN=qm1',
    certificate: new Uint8Array(),
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  }) as WalletIdentity;

interface Harness {
  app: ReturnType<typeof createServer>;
  calls: string[];
  token: (claims?: JWTPayload, options?: { expiresIn?: string | number; key?: KeyLike; kid?: string }) => Promise<string>;
}

let signingKey: KeyLike;
let publicJwk: JWK;

async function harness(script: Script = {}, role: WalletIdentity['role'] = 'quality_manager'): Promise<Harness> {
  const calls: string[] = [];
  const tokens = createTokenVerifier(AUTH, [MSP, 'PartsCo'], createLocalJWKSet({ keys: [publicJwk] }));
  const app = createServer({
    org: { name: 'PartsCo', mspId: MSP },
    channel: 'lotline',
    chaincode: 'lotline',
    memberMsps: ['CityMSP', MSP, 'AssemblyCoMSP', 'BankMSP'],
    tokens,
    wallet: (user) => (user === 'qm1' ? identity(role) : undefined),
    gateways: { get: () => scriptedGateway(script, calls) },
    ready: () => Promise.resolve(true),
    logger: pino({ level: 'silent' }),
    bodyLimit: '16kb',
    ...(script.txRetries !== undefined ? { txRetries: script.txRetries } : {}),
  });
  const token: Harness['token'] = async (claims = {}, options = {}) =>
    new SignJWT({ org: MSP, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('qm1')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(options.key ?? signingKey);
  return { app, calls, token };
}

function lot(id = 'PartsCoMSP:UNIT-1'): Record<string, unknown> {
  return { id, product: { code: 'P-1', name: 'Bracket' }, quantity: { amount: 10, unit: 'EA' }, process: { site: 'S', line: 'L' } };
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code });
  expect(res.body.type).to.be.a('string');
  expect(res.body.detail).to.be.a('string').and.not.equal('');
}

before(async function () {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
});

describe('API tokens', function () {
  it('answers 401 TOKEN_MISSING with WWW-Authenticate when no token is sent', async function () {
    const { app } = await harness();
    const res = await request(app).get('/lots/PartsCoMSP:X');
    expectProblem(res, 401, 'TOKEN_MISSING');
    expect(res.headers['www-authenticate']).to.match(/^Bearer /);
  });

  it('answers 401 TOKEN_EXPIRED for an expired token', async function () {
    const { app, token, calls } = await harness();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const res = await request(app)
      .get('/lots/PartsCoMSP:X')
      .set('authorization', `Bearer ${await token({}, { expiresIn: past })}`);
    expectProblem(res, 401, 'TOKEN_EXPIRED');
    expect(calls).to.deep.equal([]);
  });

  it('answers 401 TOKEN_SIGNATURE_INVALID for a token forged with another key under the same kid', async function () {
    const { app, token, calls } = await harness();
    const forger = await generateKeyPair('ES256');
    const res = await request(app)
      .get('/lots/PartsCoMSP:X')
      .set('authorization', `Bearer ${await token({}, { key: forger.privateKey })}`);
    expectProblem(res, 401, 'TOKEN_SIGNATURE_INVALID');
    expect(calls).to.deep.equal([]);
  });

  it('answers 401 TOKEN_KEY_UNKNOWN for a token signed with a key the JWKS does not list', async function () {
    const { app, token } = await harness();
    const forger = await generateKeyPair('ES256');
    const res = await request(app)
      .get('/lots/PartsCoMSP:X')
      .set('authorization', `Bearer ${await token({}, { key: forger.privateKey, kid: 'other' })}`);
    expectProblem(res, 401, 'TOKEN_KEY_UNKNOWN');
  });

  it('answers 401 TOKEN_WRONG_ORG for a token issued for another organisation', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .get('/lots/PartsCoMSP:X')
      .set('authorization', `Bearer ${await token({ org: 'BankMSP' })}`);
    expectProblem(res, 401, 'TOKEN_WRONG_ORG');
  });

  it('rejects an unsigned (alg none) token', async function () {
    const { app } = await harness();
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 300;
    const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'qm1', org: MSP, iss: ISSUER, aud: AUDIENCE, exp })}.`;
    const res = await request(app).get('/lots/PartsCoMSP:X').set('authorization', `Bearer ${unsigned}`);
    expect(res.status).to.equal(401);
    expect(res.body.code).to.match(/^TOKEN_(ALGORITHM_REJECTED|MALFORMED)$/);
  });
});

describe('API request bodies', function () {
  it('answers 400 INVALID_JSON for a body that is not JSON, without calling the ledger', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/json')
      .send('{"id": "PartsCoMSP:X",');
    expectProblem(res, 400, 'INVALID_JSON');
    expect(calls).to.deep.equal([]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send({ ...lot(), attributes: { note: 'x'.repeat(32 * 1024) } });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(calls).to.deep.equal([]);
  });

  it('answers 400 INVALID_ARGUMENT listing every schema violation', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send({ ...lot(), quantity: { amount: -1, unit: 'EA' }, product: { code: '' } });
    expectProblem(res, 400, 'INVALID_ARGUMENT');
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).join(' ');
    expect(paths).to.include('quantity');
    expect(paths).to.include('product');
    expect(calls).to.deep.equal([]);
  });

  it('answers 403 FORBIDDEN when the body names the producer (taken from the certificate)', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send({ ...lot(), producer: 'CityMSP' });
    expectProblem(res, 403, 'FORBIDDEN');
    expect(calls).to.deep.equal([]);
  });

  it('answers 403 for a role that may not create lots, before any ledger call', async function () {
    const { app, token, calls } = await harness({}, 'auditor');
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expect(res.status).to.equal(403);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(calls).to.deep.equal([]);
  });
});

describe('API answers to ledger outcomes', function () {
  it('maps the chaincode code LOT_NOT_FOUND to 404', async function () {
    const { app, token } = await harness({
      evaluate: () => {
        throw gatewayError(GrpcStatus.UNKNOWN, 'evaluate call to endorser returned error', [
          'chaincode response 500, LOT_NOT_FOUND: lot PartsCoMSP:NOPE does not exist',
        ]);
      },
    });
    const res = await request(app)
      .get('/lots/PartsCoMSP:NOPE')
      .set('authorization', `Bearer ${await token()}`);
    expectProblem(res, 404, 'LOT_NOT_FOUND');
    expect(res.body.detail).to.include('PartsCoMSP:NOPE');
  });

  it('answers 503 CHAINCODE_UNAVAILABLE with Retry-After when a chaincode server is down', async function () {
    const { app, token } = await harness({
      submitError: gatewayError(GrpcStatus.ABORTED, 'failed to endorse transaction, see attached details for more info', [
        'error in simulation: failed to execute transaction: could not launch chaincode lotline_1:abc: connection refused',
      ]),
    });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expectProblem(res, 503, 'CHAINCODE_UNAVAILABLE');
    expect(res.headers['retry-after']).to.match(/^\d+$/);
  });

  it('answers 503 ENDORSERS_UNAVAILABLE when no set of peers can satisfy the endorsement policy', async function () {
    const { app, token } = await harness({
      submitError: gatewayError(
        GrpcStatus.FAILED_PRECONDITION,
        'no combination of peers can be derived which satisfy the endorsement policy',
        [],
      ),
    });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expectProblem(res, 503, 'ENDORSERS_UNAVAILABLE');
  });

  it('answers 502 LEDGER_ERROR for an unrecognised ledger failure (a bug to report, not to retry)', async function () {
    const { app, token } = await harness({
      submitError: gatewayError(GrpcStatus.INTERNAL, 'something unexpected', []),
    });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expectProblem(res, 502, 'LEDGER_ERROR');
    expect(res.headers['retry-after']).to.equal(undefined);
  });

  it('resubmits after an MVCC read conflict and answers 201 once a transaction is VALID', async function () {
    const { app, token, calls } = await harness({ commits: [11, 0] });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.result.id).to.equal('PartsCoMSP:UNIT-1');
    expect(calls).to.deep.equal(['submit CreateLot', 'submit CreateLot']);
  });

  it('answers 409 TX_CONFLICT when every resubmission conflicts', async function () {
    const { app, token, calls } = await harness({ commits: [11, 11, 11, 11, 11], txRetries: 3 });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expectProblem(res, 409, 'TX_CONFLICT');
    expect(res.body.attempts).to.equal(4);
    expect(calls.length).to.equal(4);
  });

  it('resubmits after a divergent endorsement and answers 201, not 503 ENDORSERS_UNAVAILABLE', async function () {
    const divergent = gatewayError(
      GrpcStatus.ABORTED,
      'failed to collect enough transaction endorsements, see attached details for more info',
      ['ProposalResponsePayloads do not match (base64): CiAI...'],
    );
    const { app, token, calls } = await harness({ endorseErrors: [divergent] });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(calls).to.deep.equal(['submit CreateLot', 'submit CreateLot']);
  });

  it('answers 504 OUTCOME_UNKNOWN with the txId and where to look it up when the commit status times out', async function () {
    const { app, token, calls } = await harness({
      statusError: gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded', []),
    });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(lot());
    expectProblem(res, 504, 'OUTCOME_UNKNOWN');
    expect(res.body.txId).to.equal('tx1');
    expect(res.body.lookup).to.equal('/transactions/tx1/proof');
    expect(res.headers['retry-after']).to.equal(undefined);
    expect(calls, 'not resubmitted: it may have committed').to.deep.equal(['submit CreateLot']);
  });
});
