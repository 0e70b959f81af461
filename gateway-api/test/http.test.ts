/**
 * Unit tests of the HTTP layer: `createServer` with real token verification
 * (ES256 keys generated here) and a scripted stand-in for the peer's gateway,
 * so that each answer of the ledger (a chaincode error code, a dead chaincode
 * server, an MVCC conflict) can be produced on demand. What the real peers
 * answer is covered by the integration suites under test/src/api.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { GatewayError, type Gateway } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { pino, type Logger } from 'pino';
import request from 'supertest';
import { WebSocket } from 'ws';
import { createServer } from '../src/app';
import { createTokenVerifier } from '../src/auth/jwt';
import type { AuthConfig } from '../src/config';
import { eventHashId } from '../src/epcis/hash';
import { MAX_JSON_DEPTH, tooDeepAt } from '../src/http/json';
import { redactUrl } from '../src/http/redact';
import { createApiServer } from '../src/http/server';
import { BEARER_PROTOCOL_PREFIX, WEBSOCKET_PROTOCOL } from '../src/http/upgrade';
import type { WalletIdentity } from '../src/identity/wallet';

const ISSUER = 'lotline-test';
const AUDIENCE = 'lotline-api';
const MSP = 'PartsCoMSP';

const AUTH: AuthConfig = {
  issuer: ISSUER,
  audience: AUDIENCE,
  explorerClientId: 'lotline-explorer',
  cliClientId: 'lotline-cli',
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
  /** The result of an endorsement (default: the submitted lot, with producer and custodian). */
  result?: (name: string, args: string[]) => unknown;
  /** What the readiness rule's discovery check reports (default: not checked). */
  endorsers?: { missing: string[]; satisfiable: boolean; problem?: string };
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
        const result = script.result !== undefined ? script.result(name, options.arguments) : { ...lot, producer: MSP, custodian: MSP };
        return Promise.resolve({
          getResult: () => encoder.encode(JSON.stringify(result)),
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

async function harness(
  script: Script = {},
  role: WalletIdentity['role'] = 'quality_manager',
  logger: Logger = pino({ level: 'silent' }),
): Promise<Harness> {
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
    ...(script.endorsers !== undefined ? { endorsers: () => Promise.resolve(script.endorsers as NonNullable<Script['endorsers']>) } : {}),
    logger,
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

describe('API readiness (/readyz)', function () {
  it('is ready when discovery lists an endorser of every organisation', async function () {
    const { app } = await harness({ endorsers: { missing: [], satisfiable: true } });
    const res = await request(app).get('/readyz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ status: 'ready', endorsers: 'every organisation' });
  });

  it('stays ready but says degraded, naming the organisation, when a majority can still endorse', async function () {
    const { app } = await harness({ endorsers: { missing: ['BankMSP'], satisfiable: true } });
    const res = await request(app).get('/readyz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ status: 'degraded', endorsers: { missing: ['BankMSP'] } });
  });

  it('answers 503 ENDORSERS_UNAVAILABLE when no set of endorsers satisfies the policy', async function () {
    const { app } = await harness({ endorsers: { missing: ['AssemblyCoMSP', 'BankMSP'], satisfiable: false } });
    const res = await request(app).get('/readyz');
    expectProblem(res, 503, 'ENDORSERS_UNAVAILABLE');
    expect(res.body.detail).to.include('AssemblyCoMSP, BankMSP');
    expect(res.headers['retry-after']).to.equal('5');
  });
});

describe('API paths the router cannot decode', function () {
  it('answers 400 INVALID_PATH for a truncated percent-encoding, before any token check', async function () {
    const { app, calls } = await harness();
    const res = await request(app).get('/lots/%E0%A4%A');
    expectProblem(res, 400, 'INVALID_PATH');
    expect(calls).to.deep.equal([]);
  });

  it('answers 400 INVALID_PATH for a lone % in a recall id', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .get('/recalls/%')
      .set('authorization', `Bearer ${await token()}`);
    expectProblem(res, 400, 'INVALID_PATH');
    expect(calls).to.deep.equal([]);
  });
});

/** Send bytes as they are (superagent would JSON-serialize a Buffer sent as application/json). */
const asBytes = (body: unknown): string => body as string;

describe('API compressed and nested bodies', function () {
  const compressors = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

  it('accepts a gzip-compressed body', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .serialize(asBytes)
      .send(gzipSync(JSON.stringify(lot())));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(calls).to.deep.equal(['submit CreateLot']);
  });

  for (const [encoding, compress] of Object.entries(compressors)) {
    it(`answers 400 INVALID_BODY for a corrupt ${encoding} body, without calling the ledger`, async function () {
      const { app, token, calls } = await harness();
      const bytes = Buffer.from(compress(JSON.stringify({ ...lot(), attributes: { pad: 'x'.repeat(200) } })));
      for (let i = 10; i < 18; i += 1) bytes[i] = 0xff - (bytes[i] as number);
      const res = await request(app)
        .post('/lots')
        .set('authorization', `Bearer ${await token()}`)
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .serialize(asBytes)
        .send(bytes);
      expectProblem(res, 400, 'INVALID_BODY');
      expect(calls).to.deep.equal([]);
    });
  }

  it('answers 415 for a Content-Encoding it does not know', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/json')
      .set('content-encoding', 'compress')
      .send(JSON.stringify(lot()));
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it(`answers 400 JSON_TOO_DEEP for a body nested deeper than ${MAX_JSON_DEPTH} levels`, async function () {
    const { app, token, calls } = await harness();
    const deep = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ ...lot(), attributes: { deep: '__DEEP__' } }).replace('"__DEEP__"', deep));
    expectProblem(res, 400, 'JSON_TOO_DEEP');
    expect(res.body.detail).to.include('/attributes/deep');
    expect(calls).to.deep.equal([]);
  });

  it('finds the first value nested too deeply, iteratively (no stack overflow at 200 000 levels)', function () {
    const depth = 200_000;
    const value = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
    expect(tooDeepAt(value, 3)).to.equal('/0/0/0');
    expect(tooDeepAt({ a: [{ b: 1 }] }, 3)).to.equal(undefined);
    expect(tooDeepAt({ 'a/b': { '~': {} } }, 2)).to.equal('/a~1b/~0');
  });
});

const EPCIS_CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'];

function epcisDocument(events: Record<string, unknown>[]): Record<string, unknown> {
  return {
    '@context': EPCIS_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: '2024-05-01T10:00:00Z',
    epcisBody: { eventList: events },
  };
}

const observation = {
  type: 'ObjectEvent',
  eventTime: '2024-05-01T09:00:00Z',
  eventTimeZoneOffset: '+00:00',
  action: 'OBSERVE',
  quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.012345.LOT1', quantity: 5, uom: 'KGM' }],
};

/** A script whose EPCIS capture succeeds and records the submitted event hash IDs. */
function captureScript(hashIds: string[]): Script {
  return {
    evaluate: (name) => {
      if (name !== 'FindEvents') throw new Error(`unexpected ${name}`);
      return encoder.encode(JSON.stringify({ known: [] }));
    },
    result: (_name, args) => {
      const argument = JSON.parse(args[0] ?? '{}') as { events: { hashId: string }[] };
      hashIds.push(...argument.events.map((e) => e.hashId));
      return {
        captureTxId: 'tx1',
        captured: argument.events.map((e, index) => ({ index, hashId: e.hashId, type: 'ObjectEvent', operations: [] })),
        declarations: [],
        skipped: [],
        lotIds: [],
      };
    },
  };
}

describe('EPCIS through the API', function () {
  it('answers 400 JSON_TOO_DEEP for an event holding 50 000 levels of arrays, without calling the ledger', async function () {
    const { app, token, calls } = await harness();
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const body = JSON.stringify(epcisDocument([{ ...observation, 'ex:deep': '__DEEP__' }])).replace('"__DEEP__"', deep);
    const res = await request(app)
      .post('/epcis/capture')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/ld+json')
      .send(body);
    expectProblem(res, 400, 'JSON_TOO_DEEP');
    expect(calls).to.deep.equal([]);
  });

  for (const [what, list, withEmpty] of [
    ['an ObjectEvent with an empty epcList', 'epcList', { ...observation, epcList: [] }],
    [
      'an AggregationEvent with empty childEPCs',
      'childEPCs',
      {
        type: 'AggregationEvent',
        eventTime: '2024-05-01T09:00:00Z',
        eventTimeZoneOffset: '+00:00',
        action: 'OBSERVE',
        parentID: 'urn:epc:id:sscc:4012345.0000000042',
        childEPCs: [],
        childQuantityList: observation.quantityList,
      },
    ],
  ] as const) {
    it(`captures ${what} next to its quantity list, with the hash ID of the event without that list`, async function () {
      // The first capture loads the JSON-LD hashing stack (3 s on a loaded machine).
      this.timeout(20_000);
      const hashIds: string[] = [];
      const { app, token } = await harness(captureScript(hashIds));
      const withoutEmpty = Object.fromEntries(Object.entries(withEmpty).filter(([key]) => key !== list));
      for (const event of [withEmpty, withoutEmpty]) {
        const res = await request(app)
          .post('/epcis/capture')
          .set('authorization', `Bearer ${await token()}`)
          .set('content-type', 'application/ld+json')
          .send(JSON.stringify(epcisDocument([event])));
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      }
      expect(hashIds).to.have.length(2);
      expect(hashIds[0]).to.match(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
      expect(hashIds[0]).to.equal(hashIds[1]);
      expect(eventHashId(withoutEmpty, EPCIS_CONTEXT)).to.equal(hashIds[0]);
    });
  }

  it('renders EPCIS errors through the one problem+json handler (415 with instance)', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .post('/epcis/capture')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'text/plain')
      .send('hello');
    expectProblem(res, 415, 'EPCIS_MEDIA_TYPE');
    expect(res.body.instance).to.equal('/epcis/capture');
  });

  it('answers 400 EPCIS_QUERY_PARAMETER naming an unknown EPCIS query parameter, without calling the ledger', async function () {
    const { app, token, calls } = await harness();
    const res = await request(app)
      .get('/epcis/events?MATCH_everything=x')
      .set('authorization', `Bearer ${await token()}`);
    expectProblem(res, 400, 'EPCIS_QUERY_PARAMETER');
    expect(res.body.errors).to.deep.equal([{ pointer: 'MATCH_everything', reason: res.body.errors[0].reason }]);
    expect(res.body.errors[0].reason).to.match(/not a query parameter/);
    expect(calls).to.deep.equal([]);
  });

  it('answers 400 for an invalid value of a known parameter, naming it', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .get('/epcis/events?GE_eventTime=yesterday')
      .set('authorization', `Bearer ${await token()}`);
    expectProblem(res, 400, 'EPCIS_QUERY_PARAMETER');
    expect(res.body.errors[0].pointer).to.equal('GE_eventTime');
  });

  it('without a read model, EPCIS queries answer 503 READ_MODEL_UNAVAILABLE saying how to configure one', async function () {
    const { app, token } = await harness();
    for (const path of ['/epcis/events?EQ_bizStep=shipping', '/epcis/events/ni%3Ax', '/epcis/bizSteps', '/epcis/queries']) {
      const res = await request(app)
        .get(path)
        .set('authorization', `Bearer ${await token()}`);
      expectProblem(res, 503, 'READ_MODEL_UNAVAILABLE');
      expect(res.body.detail).to.match(/LOTLINE_READ_DB_DIR/);
    }
  });

  it('answers Accept: application/xml with 406 problem+json and the GS1 version headers', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .get('/epcis/events')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept', 'application/xml');
    expectProblem(res, 406, 'EPCIS_NOT_ACCEPTABLE');
    expect(res.get('GS1-EPCIS-Version')).to.equal('2.0.0');
    expect(res.get('GS1-CBV-Version')).to.equal('2.0.0');
  });

  it('answers 406 when GS1-EPCIS-Min asks for a later EPCIS than 2.0.0', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .get('/epcis/events')
      .set('authorization', `Bearer ${await token()}`)
      .set('GS1-EPCIS-Min', '3.0.0');
    expectProblem(res, 406, 'EPCIS_VERSION');
  });

  it('answers 401 for EPCIS requests without a token, like every other route', async function () {
    const { app } = await harness();
    expectProblem(await request(app).get('/epcis/events'), 401, 'TOKEN_MISSING');
  });

  it('lists the EPCIS routes in /openapi.json, with their parameters and problem responses', async function () {
    const { app } = await harness();
    const res = await request(app).get('/openapi.json');
    expect(res.status).to.equal(200);
    const paths = res.body.paths as Record<string, Record<string, { parameters: { name: string }[]; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths)).to.include.members([
      '/epcis/capture',
      '/epcis/events',
      '/epcis/events/{hashId}',
      '/epcis/lots/{lotId}/trace',
      '/epcis/eventTypes',
      '/epcis/epcs',
      '/epcis/epcs/{value}/events',
      '/epcis/bizSteps',
      '/epcis/bizLocations',
      '/epcis/readPoints',
      '/epcis/dispositions',
      '/epcis/queries',
      '/epcis/queries/{name}',
      '/epcis/queries/{name}/events',
      '/epcis/queries/{name}/subscriptions',
      '/epcis/queries/{name}/subscriptions/{id}',
    ]);
    expect(paths['/epcis/events']?.get?.parameters.map((p) => p.name)).to.include.members([
      'MATCH_anyEPC',
      'EQ_bizStep',
      'WD_readPoint',
      'maxEventCount',
      'minBlock',
    ]);
    expect(paths['/epcis/capture']?.post?.responses).to.have.keys('201', '400', '401', '403', '404', '409', '413', '415', '503');
    expect(paths['/epcis/lots/{lotId}/trace']?.get?.parameters.map((p) => p.name)).to.deep.equal([
      'lotId',
      'direction',
      'maxDepth',
      'maxNodes',
      'events',
    ]);
  });
});

describe('API request headers', function () {
  const servers: Server[] = [];
  afterEach(function () {
    for (const server of servers.splice(0)) server.close();
  });

  async function listening(maxHeaderSize?: number): Promise<number> {
    const { app } = await harness();
    const server = createApiServer(app, maxHeaderSize === undefined ? {} : { maxHeaderSize });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Send a raw HTTP/1.1 request with one padding header of `size` bytes; resolve with the whole response text. */
  async function rawRequest(maxHeaderSize: number | undefined, size: number): Promise<string> {
    const port = await listening(maxHeaderSize);
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('answers a header section over 16 KiB with 431 problem+json (HEADERS_TOO_LARGE)', async function () {
    const text = await rawRequest(undefined, 20 * 1024);
    const [head = '', body = ''] = text.split('\r\n\r\n');
    expect(head).to.match(/^HTTP\/1\.1 431 /);
    expect(head).to.match(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body)).to.include({ status: 431, code: 'HEADERS_TOO_LARGE' });
  });

  it('takes the limit from its option: 6 KiB of headers pass at 16 KiB and are refused at 4 KiB', async function () {
    expect(await rawRequest(undefined, 6 * 1024)).to.match(/^HTTP\/1\.1 200 /);
    expect(await rawRequest(4096, 6 * 1024)).to.match(/^HTTP\/1\.1 431 /);
  });

  it('answers malformed HTTP with 400 problem+json', async function () {
    const port = await listening();
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost localhost\r\n\r\n'));
      let out = '';
      socket.on('data', (chunk) => (out += chunk.toString('utf8')));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(text).to.match(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(text.split('\r\n\r\n')[1] ?? '')).to.include({ status: 400, code: 'MALFORMED_REQUEST' });
  });
});

describe('API logs and echoed URLs', function () {
  function memoryLogger(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    return { logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }), lines };
  }

  it('refuses ?access_token= with 401 and keeps the token out of the problem and the log', async function () {
    const { logger, lines } = memoryLogger();
    const { app } = await harness({}, 'quality_manager', logger);
    const res = await request(app).get('/lots/PartsCoMSP%3AX?direction=up&access_token=SECRET123');
    expectProblem(res, 401, 'TOKEN_MISSING');
    expect(res.text).to.not.include('SECRET123');
    expect(res.body.instance).to.equal('/lots/PartsCoMSP%3AX?direction=up&access_token=[redacted]');
    expect(lines.join('')).to.include('access_token=[redacted]').and.not.include('SECRET123');
  });

  it('logs the Authorization header only as [redacted]', async function () {
    const { logger, lines } = memoryLogger();
    const { app, token } = await harness({}, 'quality_manager', logger);
    const jwt = await token();
    await request(app).get('/healthz').set('authorization', `Bearer ${jwt}`);
    const log = lines.join('');
    expect(log).to.include('"authorization":"[redacted]"');
    expect(log).to.not.include(jwt.split('.')[2] as string);
  });

  it('redacts every credential query parameter and bare JWTs, and nothing else', function () {
    expect(redactUrl('/a?code=1&state=2&client_secret=3&x_api_key=4&Password=5')).to.equal(
      '/a?code=[redacted]&state=2&client_secret=[redacted]&x_api_key=[redacted]&Password=[redacted]',
    );
    expect(redactUrl('/a?eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln&lotId=L')).to.equal('/a?[redacted]&lotId=L');
    expect(redactUrl('/lots/%E0%A4%A?depth=3')).to.equal('/lots/%E0%A4%A?depth=3');
    expect(redactUrl('/a?access%5Ftoken=s')).to.equal('/a?access%5Ftoken=[redacted]');
  });
});

describe('API problem languages (Accept-Language)', function () {
  const JA_TOKEN_MISSING = 'ベアラートークンを送ってください: Authorization: Bearer <jwt>';

  it('answers in English with Content-Language en when the request names no language', async function () {
    const { app } = await harness();
    const res = await request(app).get('/lots/PartsCoMSP:X');
    expectProblem(res, 401, 'TOKEN_MISSING');
    expect(res.body).to.include({ title: 'Unauthorized', detail: 'send a bearer token: Authorization: Bearer <jwt>' });
    expect(res.headers['content-language']).to.equal('en');
    expect(res.headers.vary).to.match(/Accept-Language/i);
  });

  it('answers a ja-JP request with a Japanese title and detail and the same code, type and status', async function () {
    const { app } = await harness();
    const english = await request(app).get('/lots/PartsCoMSP:X');
    const res = await request(app).get('/lots/PartsCoMSP:X').set('accept-language', 'ja-JP,ja;q=0.9,en;q=0.8');
    expectProblem(res, 401, 'TOKEN_MISSING');
    expect(res.body).to.include({ title: '認証されていません', detail: JA_TOKEN_MISSING, type: english.body.type });
    expect(res.headers['content-language']).to.equal('ja');
    expect(res.headers.vary).to.match(/Accept-Language/i);
    expect(res.headers['www-authenticate'], 'headers are not translated').to.equal(english.headers['www-authenticate']);
  });

  for (const [header, language] of [
    ['fr-FR, ja;q=0.5', 'ja'],
    ['en;q=1, ja;q=0.5', 'en'],
    ['ja;q=0.2, en-GB;q=0.8', 'en'],
    ['fr, de', 'en'],
    ['*', 'en'],
  ] as const) {
    it(`negotiates "${header}" to ${language}, by quality and among the languages Lotline has`, async function () {
      const { app } = await harness();
      const res = await request(app).get('/lots/PartsCoMSP:X').set('accept-language', header);
      expect(res.headers['content-language']).to.equal(language);
      expect(res.body.detail).to.equal(language === 'ja' ? JA_TOKEN_MISSING : 'send a bearer token: Authorization: Bearer <jwt>');
    });
  }

  it('translates a chaincode rule code by its meaning and quotes the ledger detail with the lot id', async function () {
    const { app, token } = await harness({
      evaluate: () => {
        throw gatewayError(GrpcStatus.UNKNOWN, 'evaluate call to endorser returned error', [
          'chaincode response 500, LOT_NOT_FOUND: lot PartsCoMSP:NOPE does not exist',
        ]);
      },
    });
    const res = await request(app)
      .get('/lots/PartsCoMSP:NOPE')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept-language', 'ja');
    expectProblem(res, 404, 'LOT_NOT_FOUND');
    expect(res.body.title).to.equal('見つかりません');
    expect(res.body.detail).to.equal('ロットが存在しません（台帳の応答: lot PartsCoMSP:NOPE does not exist）');
  });

  it('translates a schema violation with its issues, keeping the errors list as it is', async function () {
    const { app, token } = await harness();
    const body = { ...lot(), quantity: { amount: -1, unit: 'EA' } };
    const english = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .send(body);
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept-language', 'ja')
      .send(body);
    expectProblem(res, 400, 'INVALID_ARGUMENT');
    expect(res.body.title).to.equal('リクエストが不正です');
    expect(res.body.detail).to.match(/^リクエスト本文が不正です: body\.quantity/);
    expect(english.body.detail).to.match(/^the body is invalid: body\.quantity/);
    expect(res.body.errors).to.deep.equal(english.body.errors);
  });

  it('translates a role refusal with its parameters (organisation, role, needed roles)', async function () {
    const { app, token } = await harness({}, 'auditor');
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept-language', 'ja')
      .send(lot());
    expectProblem(res, 403, 'FORBIDDEN');
    expect(res.body.title).to.equal('権限がありません');
    expect(res.body.detail).to.match(
      /^PartsCoMSP の auditor はこの操作（.+）を行えません。必要なロール: admin or quality_manager or inspector$/,
    );
  });

  it('translates OUTCOME_UNKNOWN with its transaction id and lookup path', async function () {
    const { app, token } = await harness({ statusError: gatewayError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded', []) });
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept-language', 'ja')
      .send(lot());
    expectProblem(res, 504, 'OUTCOME_UNKNOWN');
    expect(res.body).to.include({ title: '結果が不明です', txId: 'tx1', lookup: '/transactions/tx1/proof' });
    expect(res.body.detail).to.include('トランザクション tx1').and.include('GET /transactions/tx1/proof');
  });

  it('keeps an English detail that has no catalogue entry, under a translated title', async function () {
    const { app, token } = await harness();
    const res = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('accept-language', 'ja')
      .send({ ...lot(), producer: 'CityMSP' });
    expectProblem(res, 403, 'FORBIDDEN');
    expect(res.body.title).to.equal('権限がありません');
    expect(res.body.detail).to.equal("producer is taken from the caller's certificate and may not be supplied");
  });

  it('translates body-parser problems (invalid JSON) and unknown routes', async function () {
    const { app, token } = await harness();
    const bad = await request(app)
      .post('/lots')
      .set('authorization', `Bearer ${await token()}`)
      .set('content-type', 'application/json')
      .set('accept-language', 'ja')
      .send('{"id": ');
    expectProblem(bad, 400, 'INVALID_JSON');
    expect(bad.body).to.include({ title: 'JSON が不正です', detail: 'リクエスト本文が正しい JSON ではありません' });
    const missing = await request(app).get('/nowhere').set('accept-language', 'ja');
    expectProblem(missing, 404, 'ROUTE_NOT_FOUND');
    expect(missing.body.detail).to.equal('GET /nowhere というリソースはありません');
  });
});

describe('WebSocket handshakes (routed through the app)', function () {
  const servers: Server[] = [];
  afterEach(function () {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function listening(): Promise<{ base: string; token: Harness['token'] }> {
    const { app, token } = await harness();
    const server = createApiServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { base: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, token };
  }

  /** Open a WebSocket that the server must refuse: the refusal's status, media type and body. */
  function refusal(
    url: string,
    protocols: string[],
    headers: Record<string, string> = {},
  ): Promise<{ status: number; type: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols, { headers });
      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      socket.on('open', () => reject(new Error('the handshake was accepted')));
      socket.on('error', reject);
    });
  }

  it('answers a handshake without a token with 401 problem+json (TOKEN_MISSING), as any request', async function () {
    const { base } = await listening();
    const res = await refusal(`${base}/epcis/queries/q/events?stream=true`, [WEBSOCKET_PROTOCOL]);
    expect(res.status).to.equal(401);
    expect(res.type).to.match(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).to.include({ status: 401, code: 'TOKEN_MISSING' });
  });

  it('takes a browser token from the lotline.bearer.<token> subprotocol: past authentication, this app without a read model answers 503', async function () {
    const { base, token } = await listening();
    const res = await refusal(`${base}/epcis/queries/q/events?stream=true`, [
      WEBSOCKET_PROTOCOL,
      `${BEARER_PROTOCOL_PREFIX}${await token()}`,
    ]);
    expect(res.status).to.equal(503);
    expect(JSON.parse(res.body)).to.include({ code: 'READ_MODEL_UNAVAILABLE' });
  });

  it('refuses a token in the subprotocol signed with another key (401 TOKEN_SIGNATURE_INVALID)', async function () {
    const { base, token } = await listening();
    const forged = await token({}, { key: (await generateKeyPair('ES256')).privateKey });
    const res = await refusal(`${base}/epcis/queries/q/events?stream=true`, [WEBSOCKET_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${forged}`]);
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.body)).to.include({ code: 'TOKEN_SIGNATURE_INVALID' });
  });

  it('answers an upgrade to a route that takes none as that route answers a GET, and closes the connection', async function () {
    const { base } = await listening();
    const res = await refusal(`${base}/healthz`, []);
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.include({ status: 'ok' });
  });
});
