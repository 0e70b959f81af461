/**
 * Lot labels and the GS1 Digital Link resolver, against `createServer` with a
 * scripted gateway holding a few lots: the rendered PNG's QR code is decoded
 * (jsQR) and followed through the resolver back to the lot.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GatewayError, type Gateway } from '@hyperledger/fabric-gateway';
import { checkDigit } from '@lotline/domain';
import { expect } from 'chai';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import jsQR from 'jsqr';
import { pino } from 'pino';
import { PNG } from 'pngjs';
import request from 'supertest';
import { createServer } from '../src/app';
import { createTokenVerifier } from '../src/auth/jwt';
import type { AuthConfig } from '../src/config';
import type { WalletIdentity } from '../src/identity/wallet';
import { defaultLabelFont } from '../src/labels/render';
import type { LabelOptions } from '../src/routes/labels';

const MSP = 'PartsCoMSP';
const AUTH: AuthConfig = {
  issuer: 'lotline-test',
  explorerClientId: 'lotline-explorer',
  cliClientId: 'lotline-cli',
  audience: 'lotline-api',
  algorithms: ['ES256'],
  clockToleranceSeconds: 5,
};

/** GTIN-14 of indicator 0, company prefix 4912345, item reference 12345. */
const GTIN_BODY = '0491234512345';
const GTIN = GTIN_BODY + checkDigit(GTIN_BODY);
const LGTIN_LOT = 'urn:epc:class:lgtin:4912345.012345.LOT-A1';
/** The same GTIN with a 9-digit company prefix field (a lot created natively with another split). */
const LGTIN_OTHER_SPLIT = 'urn:epc:class:lgtin:491234512.0345.LOT-B2';
const ORG_LOT = 'PartsCoMSP:COIL-7';

function lotDoc(id: string, name: string): Record<string, unknown> {
  return {
    id,
    product: { code: 'BRK-7', name },
    quantity: { amount: 12.5, unit: 'KGM' },
    producer: MSP,
    custodian: MSP,
    status: 'active',
    inputs: [],
    process: { site: 'S', line: 'L' },
    attributes: {},
    createdAt: '2026-01-01T00:00:00Z',
    createdTxId: 'tx1',
    holds: [],
    recall: null,
  };
}

const LOTS = new Map<string, Record<string, unknown>>([
  [LGTIN_LOT, lotDoc(LGTIN_LOT, 'ブレーキパッド Brake pad')],
  [LGTIN_OTHER_SPLIT, lotDoc(LGTIN_OTHER_SPLIT, 'Brake disc')],
  [ORG_LOT, lotDoc(ORG_LOT, '鋼板コイル')],
]);

function notFoundError(id: string): GatewayError {
  const message = 'evaluate call to endorser returned error';
  const cause = Object.assign(new Error(message), { code: GrpcStatus.UNKNOWN, details: message, metadata: new Metadata() }) as ServiceError;
  return new GatewayError({
    code: GrpcStatus.UNKNOWN,
    message,
    cause,
    details: [{ address: 'peer0', mspId: MSP, message: `chaincode response 500, LOT_NOT_FOUND: lot ${id} does not exist` }],
  });
}

/** A gateway whose every evaluation reads the lot named by its first argument. */
function lotGateway(reads: string[]): Gateway {
  const contract = {
    getChaincodeName: () => 'lotline',
    getContractName: () => 'Lot',
    evaluateTransaction: (_name: string, id: string) => {
      reads.push(id);
      const lot = LOTS.get(id);
      return lot === undefined ? Promise.reject(notFoundError(id)) : Promise.resolve(new TextEncoder().encode(JSON.stringify(lot)));
    },
  };
  return { getNetwork: () => ({ getContract: () => contract }) } as unknown as Gateway;
}

let signingKey: KeyLike;
let publicJwk: JWK;

before(async function () {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
});

function app(labels: LabelOptions = {}, reads: string[] = []): ReturnType<typeof createServer> {
  const identity = {
    user: 'qm1',
    mspId: MSP,
    role: 'inspector',
    subject: 'CN=qm1',
    certificate: new Uint8Array(),
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  } as WalletIdentity;
  const font = defaultLabelFont();
  return createServer({
    org: { name: 'PartsCo', mspId: MSP },
    channel: 'lotline',
    chaincode: 'lotline',
    memberMsps: [MSP],
    tokens: createTokenVerifier(AUTH, [MSP], createLocalJWKSet({ keys: [publicJwk] })),
    wallet: (user) => (user === 'qm1' ? identity : undefined),
    gateways: { get: () => lotGateway(reads) },
    ready: () => Promise.resolve(true),
    logger: pino({ level: 'silent' }),
    labels: { ...(font !== undefined ? { font } : {}), ...labels },
  });
}

async function bearer(): Promise<string> {
  const token = await new SignJWT({ org: MSP })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(AUTH.issuer)
    .setAudience(AUTH.audience)
    .setSubject('qm1')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);
  return `Bearer ${token}`;
}

/** Collects a binary answer (PDF, PNG) into a Buffer (superagent's parser signature wants its own stream type). */
const binary = ((res: NodeJS.ReadableStream, done: (error: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}) as unknown as Parameters<request.Test['parse']>[0];

function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (code === null) throw new Error('no QR code found in the label PNG');
  return code.data;
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status, code });
}

async function labelPng(server: ReturnType<typeof createServer>, id: string, query = 'format=png'): Promise<Buffer> {
  const res = await request(server)
    .get(`/lots/${encodeURIComponent(id)}/label?${query}`)
    .set('authorization', await bearer())
    .buffer(true)
    .parse(binary);
  expect(res.status, String(res.body)).to.equal(200);
  expect(res.headers['content-type']).to.equal('image/png');
  return res.body as Buffer;
}

describe('lot labels', function () {
  this.timeout(20_000);

  it('is rendered with Debian Noto Sans CJK (fonts-noto-cjk, installed by network/scripts/ensure-chromium.sh)', function () {
    expect(defaultLabelFont(), 'install fonts-noto-cjk: network/scripts/ensure-chromium.sh').to.not.equal(undefined);
  });

  describe('for an LGTIN lot', function () {
    it('carries a GS1 Digital Link QR code that the resolver redirects (307) to the lot in the explorer', async function () {
      const server = app();
      const url = new URL(decodeQr(await labelPng(server, LGTIN_LOT)));
      expect(url.pathname).to.equal(`/01/${GTIN}/10/LOT-A1`);
      const res = await request(server)
        .get(url.pathname + url.search)
        .set('authorization', await bearer());
      expect(res.status).to.equal(307);
      const target = new URL(res.headers.location as string, 'http://api.test');
      expect(target.pathname).to.equal('/explorer/');
      expect(target.searchParams.get('lot')).to.equal(LGTIN_LOT);
    });

    it('encodes the configured resolver base', async function () {
      const url = decodeQr(await labelPng(app({ resolverBase: 'https://id.example.jp/dl/' }), LGTIN_LOT, 'format=png&size=a4'));
      expect(url).to.equal(`https://id.example.jp/dl/01/${GTIN}/10/LOT-A1`);
    });

    it('is also found when it was created with another company prefix split', async function () {
      const reads: string[] = [];
      const server = app({}, reads);
      const url = new URL(decodeQr(await labelPng(server, LGTIN_OTHER_SPLIT)));
      expect(url.pathname).to.equal(`/01/${GTIN}/10/LOT-B2`);
      const res = await request(server)
        .get(url.pathname)
        .set('authorization', await bearer());
      expect(res.status).to.equal(307);
      expect(new URL(res.headers.location as string, 'http://api.test').searchParams.get('lot')).to.equal(LGTIN_OTHER_SPLIT);
      expect(reads).to.include('urn:epc:class:lgtin:4912345.012345.LOT-B2');
    });
  });

  describe('for an organisation-qualified lot', function () {
    it("carries the explorer's lot URL", async function () {
      const url = new URL(decodeQr(await labelPng(app(), ORG_LOT)));
      expect(url.pathname).to.equal('/explorer/');
      expect(url.searchParams.get('lot')).to.equal(ORG_LOT);
    });
  });

  describe('as PDF', function () {
    it('answers a PDF for Accept: application/pdf, titled with the lot id, with the CJK font embedded', async function () {
      const res = await request(app())
        .get(`/lots/${encodeURIComponent(ORG_LOT)}/label?size=a4`)
        .set('authorization', await bearer())
        .set('accept', 'application/pdf')
        .buffer(true)
        .parse(binary);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/pdf');
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
      expect(pdf.toString('latin1')).to.include(`(Lot label ${ORG_LOT})`);
      expect(pdf.toString('latin1')).to.match(/\/BaseFont \/[A-Z]{6}\+NotoSansCJKjp-Regular/);
    });

    it('answers a PNG for Accept: image/png', async function () {
      const res = await request(app())
        .get(`/lots/${encodeURIComponent(ORG_LOT)}/label`)
        .set('authorization', await bearer())
        .set('accept', 'image/png')
        .buffer(true)
        .parse(binary);
      expect(res.status).to.equal(200);
      expect((res.body as Buffer).subarray(1, 4).toString('latin1')).to.equal('PNG');
    });
  });

  describe('bad requests', function () {
    it('answers 404 LOT_NOT_FOUND for an unknown lot', async function () {
      const res = await request(app())
        .get('/lots/PartsCoMSP%3ANOPE/label')
        .set('authorization', await bearer());
      expectProblem(res, 404, 'LOT_NOT_FOUND');
    });

    it('answers 400 INVALID_ARGUMENT for an unknown size or format', async function () {
      expectProblem(
        await request(app())
          .get(`/lots/${encodeURIComponent(ORG_LOT)}/label?size=a3`)
          .set('authorization', await bearer()),
        400,
        'INVALID_ARGUMENT',
      );
      expectProblem(
        await request(app())
          .get(`/lots/${encodeURIComponent(ORG_LOT)}/label?format=gif`)
          .set('authorization', await bearer()),
        400,
        'INVALID_ARGUMENT',
      );
    });

    it('answers 406 NOT_ACCEPTABLE when Accept allows neither PDF nor PNG', async function () {
      const res = await request(app())
        .get(`/lots/${encodeURIComponent(ORG_LOT)}/label`)
        .set('authorization', await bearer())
        .set('accept', 'text/html');
      expectProblem(res, 406, 'NOT_ACCEPTABLE');
    });

    it('answers 401 without a token', async function () {
      expectProblem(await request(app()).get(`/lots/${encodeURIComponent(ORG_LOT)}/label`), 401, 'TOKEN_MISSING');
    });
  });
});

describe('GS1 Digital Link resolver', function () {
  it('ignores further qualifiers and query parameters', async function () {
    const res = await request(app())
      .get(`/01/${GTIN}/10/LOT-A1/21/SERIAL9?linkType=all`)
      .set('authorization', await bearer());
    expect(res.status).to.equal(307);
    expect(new URL(res.headers.location as string, 'http://api.test').searchParams.get('lot')).to.equal(LGTIN_LOT);
  });

  it('sends a caller without a token to the explorer, which resolves the link after sign-in', async function () {
    const res = await request(app()).get(`/01/${GTIN}/10/LOT-A1`);
    expect(res.status).to.equal(307);
    const target = new URL(res.headers.location as string, 'http://api.test');
    expect(target.pathname).to.equal('/explorer/');
    expect(target.searchParams.get('dl')).to.equal(`/01/${GTIN}/10/LOT-A1`);
  });

  it('answers 404 LOT_NOT_FOUND for a GTIN and lot number no lot has', async function () {
    const res = await request(app())
      .get(`/01/${GTIN}/10/NOPE`)
      .set('authorization', await bearer());
    expectProblem(res, 404, 'LOT_NOT_FOUND');
    expect(res.body.detail).to.include(GTIN);
  });

  it('answers 400 INVALID_ARGUMENT for a GTIN with a wrong check digit or length, token or not', async function () {
    const wrong = GTIN_BODY + String((Number(checkDigit(GTIN_BODY)) + 1) % 10);
    const res = await request(app())
      .get(`/01/${wrong}/10/LOT-A1`)
      .set('authorization', await bearer());
    expectProblem(res, 400, 'INVALID_ARGUMENT');
    expect(res.body.detail).to.include('check digit');
    expectProblem(await request(app()).get(`/01/${GTIN.slice(1)}/10/LOT-A1`), 400, 'INVALID_ARGUMENT');
  });

  it('answers 400 for a lot number longer than GS1 allows (20 characters)', async function () {
    expectProblem(await request(app()).get(`/01/${GTIN}/10/${'X'.repeat(21)}`), 400, 'INVALID_ARGUMENT');
  });
});
