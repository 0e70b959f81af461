/**
 * Lot labels on the real network: the PNG label of a real lot is rendered,
 * its QR code decoded (jsQR) and followed through the API's GS1 Digital Link
 * resolver back to that lot, for an LGTIN lot and an organisation-qualified
 * lot; the PDF is a PDF titled with the lot id; bad inputs are 4xx problems.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkDigit, parseLgtin } from '@lotline/domain';
import { expect } from 'chai';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import request from 'supertest';
import { registerPrefixes } from '../epcis/support';
import { config } from '../support/network';
import { apiFor, bearer, binary, closeApis, newLot, problemOf, uniqueId, type TestApi } from './support';

function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (code === null) throw new Error('no QR code found in the label PNG');
  return code.data;
}

describe('API lot labels and the GS1 Digital Link resolver', function () {
  this.timeout(120_000);
  let parts: TestApi;
  const lgtinId = `urn:epc:class:lgtin:4912345.012345.${uniqueId('L')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-20)}`;
  const orgLot = newLot('PartsCoMSP', { product: { code: 'SPCC-7', name: '鋼板コイル SPCC' }, quantity: { amount: 2.5, unit: 'TNE' } });

  before(async function () {
    parts = await apiFor('PartsCo');
    await registerPrefixes('PartsCo', ['4912345']);
    for (const lot of [newLot('PartsCoMSP', { id: lgtinId }), orgLot]) {
      const res = await request(parts.app)
        .post('/lots')
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send(lot);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
  });
  after(closeApis);

  async function label(id: string, query: string, accept?: string): Promise<request.Response> {
    const req = request(parts.app)
      .get(`/lots/${encodeURIComponent(id)}/label${query}`)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));
    if (accept !== undefined) req.set('Accept', accept);
    const res = await req.buffer(true).parse(binary);
    // Problems are JSON: parse them back for problemOf.
    if (/json/.test(res.headers['content-type'] ?? '')) res.body = JSON.parse((res.body as Buffer).toString('utf8')) as unknown;
    return res;
  }

  it("an LGTIN lot's PNG label carries its GS1 Digital Link, which the resolver redirects to the lot", async function () {
    const res = await label(lgtinId, '?format=png');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('image/png');
    const url = new URL(decodeQr(res.body as Buffer));
    const lgtin = parseLgtin(lgtinId);
    expect(url.pathname).to.equal(`/01/${lgtin?.gtin}/10/${lgtin?.lot}`);
    expect(lgtin?.gtin.slice(13)).to.equal(checkDigit(lgtin?.gtin.slice(0, 13) ?? ''));
    const resolved = await request(parts.app)
      .get(url.pathname)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));
    expect(resolved.status).to.equal(307);
    const target = new URL(resolved.headers.location as string, 'http://api.test');
    expect(target.pathname).to.equal('/explorer/');
    const read = await request(parts.app)
      .get(`/lots/${encodeURIComponent(target.searchParams.get('lot') ?? '')}`)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));
    expect(read.status).to.equal(200);
    expect(read.body.id).to.equal(lgtinId);
  });

  it("an organisation-qualified lot's label carries the explorer URL of the lot", async function () {
    const res = await label(orgLot.id, '?size=a4', 'image/png');
    expect(res.status).to.equal(200);
    const url = new URL(decodeQr(res.body as Buffer));
    expect(url.pathname).to.equal('/explorer/');
    expect(url.searchParams.get('lot')).to.equal(orgLot.id);
  });

  it('a 62 mm roll label of a Japanese product decodes to its lot (saved for the README: docs/screenshots/label-ja.png)', async function () {
    const res = await label(orgLot.id, '?format=png&size=62mm');
    expect(res.status).to.equal(200);
    const url = new URL(decodeQr(res.body as Buffer));
    expect(url.searchParams.get('lot')).to.equal(orgLot.id);
    const dir = path.join(config.repoRoot, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'label-ja.png'), res.body as Buffer);
  });

  it('the PDF label is a PDF titled with the lot id', async function () {
    const res = await label(orgLot.id, '', 'application/pdf');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    const pdf = (res.body as Buffer).toString('latin1');
    expect(pdf.startsWith('%PDF-')).to.equal(true);
    expect(pdf).to.include(`(Lot label ${orgLot.id})`);
  });

  it('answers an unknown lot, a bad size and a malformed or unknown Digital Link with 4xx problem+json', async function () {
    expect(problemOf(await label('PartsCoMSP:NO-SUCH-LOT', '?format=png'))).to.include({ status: 404, code: 'LOT_NOT_FOUND' });
    expect(problemOf(await label(orgLot.id, '?size=a3'))).to.include({ status: 400, code: 'INVALID_ARGUMENT' });
    const gtin = parseLgtin(lgtinId)?.gtin ?? '';
    const badCheck = gtin.slice(0, 13) + String((Number(gtin[13]) + 1) % 10);
    const auth = await bearer('PartsCo', 'auditor1');
    expect(problemOf(await request(parts.app).get(`/01/${badCheck}/10/X1`).set('Authorization', auth))).to.include({
      status: 400,
      code: 'INVALID_ARGUMENT',
    });
    expect(
      problemOf(
        await request(parts.app)
          .get(`/01/${gtin}/10/NOLOT${uniqueId('x').slice(-6)}`)
          .set('Authorization', auth),
      ),
    ).to.include({
      status: 404,
      code: 'LOT_NOT_FOUND',
    });
  });
});
