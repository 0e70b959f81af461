/**
 * Printable recall notices on the real network: a coil of PartsCo feeds a
 * bracket that AssemblyCo now holds; PartsCo recalls the coil. The notices
 * are one PDF per holder, each in the holder's language (AssemblyCo's
 * participant record says English; PartsCo has none: Japanese). A notice page
 * is rendered to PNG with MuPDF, its QR code decoded (jsQR) back to the recall
 * in the explorer, and its text extracted; the Japanese page is saved for the
 * README (docs/screenshots/recall-notice-ja.png). The recall report also
 * exports as .xlsx.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import request from 'supertest';
import { config } from '../support/network';
import { renderPdfPage } from '../support/pdf';
import { apiFor, bearer, binary, closeApis, newLot, problemOf, uniqueId, type TestApi } from './support';

const SCREENSHOTS = path.join(config.repoRoot, 'docs', 'screenshots');

function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height);
  if (code === null) throw new Error('no QR code found in the rendered notice');
  return code.data;
}

describe('API printable recall notices', function () {
  this.timeout(240_000);
  let city: TestApi;
  let parts: TestApi;
  let assembly: TestApi;
  const coil = newLot('PartsCoMSP', {
    product: { code: 'SPCC-2.0', name: '冷間圧延鋼板コイル 2.0mm' },
    quantity: { amount: 10, unit: 'TNE' },
  });
  const bracket = newLot('PartsCoMSP', {
    product: { code: 'BR-220', name: 'シートフレーム用ブラケット' },
    quantity: { amount: 800, unit: 'EA' },
    inputs: [{ lotId: coil.id, quantity: { amount: 4, unit: 'TNE' } }],
  });
  const reason = 'めっき厚さ不足（市の公設試験場の検査で不合格）';
  const recallId = uniqueId('RC').replace(/[^A-Za-z0-9._:-]/g, '-');

  const get = async (app: TestApi, orgRef: string, url: string): Promise<request.Response> => {
    const res = await request(app.app)
      .get(url)
      .set('Authorization', await bearer(orgRef, 'auditor1'))
      .buffer(true)
      .parse(binary);
    if (/json/.test(res.headers['content-type'] ?? '')) res.body = JSON.parse((res.body as Buffer).toString('utf8')) as unknown;
    return res;
  };

  /** Give AssemblyCo's participant record `language: en`, keeping the rest (or a minimal record when it has none). */
  async function speakEnglish(): Promise<void> {
    const existing = await request(city.app)
      .get('/participants/AssemblyCoMSP')
      .set('Authorization', await bearer('City', 'admin1'));
    const record =
      existing.status === 200
        ? Object.fromEntries(
            Object.entries(existing.body as Record<string, unknown>).filter(
              ([k]) => !['docType', 'createdAt', 'updatedAt', 'updatedBy'].includes(k),
            ),
          )
        : {
            msp: 'AssemblyCoMSP',
            name: 'AssemblyCoMSP (integration tests)',
            kind: 'other',
            location: { city: 'Riverside', country: 'DE' },
            capabilities: [],
            certifications: [],
          };
    const res = await request(city.app)
      .put('/participants/AssemblyCoMSP')
      .set('Authorization', await bearer('City', 'admin1'))
      .send({ ...record, language: 'en' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }

  before(async function () {
    [city, parts, assembly] = await Promise.all([apiFor('City'), apiFor('PartsCo'), apiFor('AssemblyCo')]);
    for (const lot of [coil, bracket]) {
      const res = await request(parts.app)
        .post('/lots')
        .set('Authorization', await bearer('PartsCo', 'qm1'))
        .send(lot);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    const proposed = await request(parts.app)
      .post(`/lots/${encodeURIComponent(bracket.id)}/transfers`)
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send({ to: 'AssemblyCoMSP' });
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    const accepted = await request(assembly.app)
      .post(`/lots/${encodeURIComponent(bracket.id)}/transfers/current/acceptance`)
      .set('Authorization', await bearer('AssemblyCo', 'qm1'))
      .send({});
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
    await speakEnglish();
    const recall = await request(parts.app)
      .post('/recalls')
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send({ lotId: coil.id, reason, recallId });
    expect(recall.status, JSON.stringify(recall.body)).to.equal(201);
  });
  after(closeApis);

  it('answers a zip with one notice per holder organisation', async function () {
    const res = await get(parts, 'PartsCo', `/recalls/${recallId}/notices`);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/zip');
    const files = unzipSync(new Uint8Array(res.body as Buffer));
    expect(Object.keys(files).sort()).to.deep.equal([`notice-${recallId}-AssemblyCoMSP.pdf`, `notice-${recallId}-PartsCoMSP.pdf`]);
    const assemblyNotice = await renderPdfPage(Buffer.from(files[`notice-${recallId}-AssemblyCoMSP.pdf`] as Uint8Array));
    expect(assemblyNotice.text).to.include('Recall notice');
    // A long lot id may wrap in the table's cell: compare without the line breaks.
    const compact = assemblyNotice.text.replace(/\s+/g, '');
    expect(compact).to.include(bracket.id);
    // Only the holder's own lots: AssemblyCo holds the bracket, not the coil.
    expect(compact).to.include('800/800EA');
    expect(assemblyNotice.text).to.not.include('TNE');
  });

  it("the holder's notice, rendered to PNG, shows the reason, its lots with quantities, what to do and a contact, and its QR code opens the recall", async function () {
    const res = await get(parts, 'PartsCo', `/recalls/${recallId}/notices?holder=PartsCoMSP`);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/pdf');
    expect(res.headers['content-language']).to.equal('ja');
    const page = await renderPdfPage(res.body as Buffer, 0, 150);
    mkdirSync(SCREENSHOTS, { recursive: true });
    writeFileSync(path.join(SCREENSHOTS, 'recall-notice-ja.png'), page.png);
    expect(page.title).to.include(recallId);
    const text = page.text.replace(/\s+/g, '');
    for (const expected of [
      'リコールのお知らせ',
      reason,
      coil.id,
      '冷間圧延鋼板コイル2.0mm',
      '6/10TNE',
      'お願いする対応',
      '連絡先',
      'PartsCoMSP',
    ])
      expect(text, `the notice shows ${expected}`).to.include(expected.replace(/\s+/g, ''));
    expect(text).to.not.include(bracket.id);
    const url = new URL(decodeQr(page.png));
    expect(url.pathname).to.equal('/explorer/');
    expect(url.searchParams.get('recall')).to.equal(recallId);
    const report = await get(parts, 'PartsCo', `/recalls/${encodeURIComponent(url.searchParams.get('recall') ?? '')}`);
    expect(report.body.sourceLotId).to.equal(coil.id);
  });

  it("is in the holder's language: English for AssemblyCo (its participant record), unless ?lang= says otherwise", async function () {
    const en = await get(assembly, 'AssemblyCo', `/recalls/${recallId}/notices?holder=AssemblyCoMSP`);
    expect(en.headers['content-language']).to.equal('en');
    const page = await renderPdfPage(en.body as Buffer);
    const text = page.text.replace(/\s+/g, ' ');
    expect(text).to.include('Recall notice');
    expect(text).to.include('What to do');
    expect(page.text.replace(/\s+/g, '')).to.include(reason);
    expect(text).to.include('800 / 800 EA');
    const ja = await get(assembly, 'AssemblyCo', `/recalls/${recallId}/notices?holder=AssemblyCoMSP&lang=ja`);
    expect((await renderPdfPage(ja.body as Buffer)).text).to.include('リコールのお知らせ');
  });

  it('a holder without affected lots is 404, a malformed holder 400', async function () {
    expect(problemOf(await get(parts, 'PartsCo', `/recalls/${recallId}/notices?holder=BankMSP`))).to.include({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(problemOf(await get(parts, 'PartsCo', `/recalls/${recallId}/notices?holder=${encodeURIComponent('no such!')}`))).to.include({
      status: 400,
    });
  });

  it('the recall report exports as .xlsx with every affected lot and its custodian', async function () {
    const res = await get(parts, 'PartsCo', `/exports/recalls/${recallId}?lang=en`);
    expect(res.status).to.equal(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
    const rows: string[][] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) rows.push([row.getCell(4).text, row.getCell(5).text, row.getCell(3).text]);
    });
    expect(rows).to.have.deep.members([
      [coil.id, 'PartsCoMSP', reason],
      [bracket.id, 'AssemblyCoMSP', reason],
    ]);
  });
});
