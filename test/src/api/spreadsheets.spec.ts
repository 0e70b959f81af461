/**
 * Excel and CSV in and out, on the real network: the lots template is
 * downloaded in Japanese, filled with Japanese text and bad rows (a missing
 * input, a wrong unit, a duplicate id, an input held by another firm),
 * imported (422 with every problem by row and column, in Japanese; nothing
 * written), imported with partial=true (the valid rows written, with their
 * transaction ids), and imported again (nothing new: rows reported present).
 * The ledger is read afterwards. Inspections go the same way. Exports are
 * re-read with exceljs (xlsx) and as UTF-8 CSV with a BOM.
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { expect } from 'chai';
import request from 'supertest';
import { apiFor, bearer, binary, closeApis, newLot, problemOf, uniqueId, type TestApi } from './support';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface ImportErrorBody {
  row: number;
  column?: string;
  header?: string;
  field?: string;
  code: string;
  message: string;
}
interface ImportRowBody {
  row: number;
  id?: string;
  status: string;
  txId?: string;
}

async function workbookOf(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  return workbook;
}

function headerTexts(sheet: ExcelJS.Worksheet): string[] {
  const texts: string[] = [];
  sheet.getRow(1).eachCell((cell) => texts.push(cell.text));
  return texts;
}

/** The rows of the first sheet as objects keyed by header text. */
function recordsOf(sheet: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = headerTexts(sheet);
  const records: Record<string, unknown>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const record: Record<string, unknown> = {};
    header.forEach((h, i) => (record[h] = row.getCell(i + 1).value));
    records.push(record);
  });
  return records;
}

describe('API spreadsheet import and export (Excel, CSV)', function () {
  this.timeout(240_000);
  let parts: TestApi;
  let assembly: TestApi;
  const run = uniqueId('x')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-10);
  const coil = newLot('PartsCoMSP', { product: { code: 'SPCC-1.2', name: '冷間圧延鋼板コイル' }, quantity: { amount: 10, unit: 'TNE' } });
  const foreign = newLot('AssemblyCoMSP', { product: { code: 'FRAME', name: 'フレーム' } });
  const bracket = `PartsCoMSP:BR-${run}`;
  const plated = `PartsCoMSP:PL-${run}`;
  const csvLot = `PartsCoMSP:CSV-${run}`;

  const upload = async (path: string, body: Buffer, type: string, user = 'qm1', language = 'ja'): Promise<request.Response> =>
    request(parts.app)
      .post(path)
      .set('Authorization', await bearer('PartsCo', user))
      .set('Accept-Language', language)
      .set('Content-Type', type)
      .send(body);

  const download = async (app: TestApi, path: string, headers: Record<string, string> = {}): Promise<request.Response> => {
    const req = request(app.app)
      .get(path)
      .set('Authorization', await bearer(app === parts ? 'PartsCo' : 'AssemblyCo', 'auditor1'));
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    const res = await req.buffer(true).parse(binary);
    // Problems are JSON: parse them back for problemOf.
    if (/json/.test(res.headers['content-type'] ?? '')) res.body = JSON.parse((res.body as Buffer).toString('utf8')) as unknown;
    return res;
  };

  const readLot = async (id: string): Promise<request.Response> =>
    request(parts.app)
      .get(`/lots/${encodeURIComponent(id)}`)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));

  /** The Japanese lots template, filled: two good rows and four bad ones. */
  let filled: Buffer;

  before(async function () {
    [parts, assembly] = await Promise.all([apiFor('PartsCo'), apiFor('AssemblyCo')]);
    const made = await request(parts.app)
      .post('/lots')
      .set('Authorization', await bearer('PartsCo', 'qm1'))
      .send(coil);
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const other = await request(assembly.app)
      .post('/lots')
      .set('Authorization', await bearer('AssemblyCo', 'qm1'))
      .send(foreign);
    expect(other.status, JSON.stringify(other.body)).to.equal(201);
  });
  after(closeApis);

  it('the lots template has Japanese headers with notes, and English ones with ?lang=en', async function () {
    const ja = await download(parts, '/templates/lots.xlsx', { 'Accept-Language': 'ja,en;q=0.5' });
    expect(ja.status).to.equal(200);
    expect(ja.headers['content-type']).to.equal(XLSX);
    const book = await workbookOf(ja.body as Buffer);
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    expect(headerTexts(sheet).slice(0, 8)).to.deep.equal(['ロットID', '品番', '品名', '数量', '単位', '工場', 'ライン', '変化点']);
    expect(headerTexts(sheet)).to.include('投入ロット3 単位');
    expect(JSON.stringify(sheet.getRow(1).getCell(5).note)).to.include('KGM');
    expect(book.worksheets[1]?.name).to.equal('記入方法');
    const en = await workbookOf((await download(parts, '/templates/lots.xlsx?lang=en')).body as Buffer);
    expect(headerTexts(en.worksheets[0] as ExcelJS.Worksheet).slice(0, 3)).to.deep.equal(['Lot ID', 'Product code', 'Product name']);
    filled = await fillLots(ja.body as Buffer);
  });

  async function fillLots(template: Buffer): Promise<Buffer> {
    const book = await workbookOf(template);
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const local = (id: string): string => id.split(':')[1] ?? id;
    const rows: (string | number)[][] = [
      // 2: a bracket from 2.5 t of the coil (a local id: qualified with PartsCoMSP).
      [local(bracket), 'BR-100', 'プレス部品 ブラケット（右）', 400, 'EA', '第一工場', 'プレス2号', '金型再研磨', coil.id, 2.5, 'TNE'],
      // 3: plated from the bracket of row 2, in full-width digits.
      [plated, 'BR-100-ZN', '亜鉛めっきブラケット', '３９０', 'EA', '第一工場', 'めっき1号', '', bracket, '３９０', 'EA'],
      // 4: a missing input.
      [`NOINPUT-${run}`, 'BR-200', '存在しない投入', 10, 'EA', '第一工場', 'L1', '', `PartsCoMSP:NOSUCH-${run}`, 1, 'EA'],
      // 5: a wrong unit.
      [`UNIT-${run}`, 'BR-300', '単位の誤り', 5, 'kg', '第一工場', 'L1'],
      // 6: the id of row 2 again.
      [local(bracket), 'BR-100', '重複', 1, 'EA', '第一工場', 'L1'],
      // 7: an input held by another firm.
      [`FOREIGN-${run}`, 'BR-400', '他社の在庫', 1, 'EA', '第一工場', 'L1', '', foreign.id, 1, 'EA'],
    ];
    rows.forEach((values, i) => {
      const row = sheet.getRow(i + 2);
      values.forEach((v, c) => (row.getCell(c + 1).value = v));
      row.commit();
    });
    return Buffer.from(await book.xlsx.writeBuffer());
  }

  it('a file with bad rows is refused with 422: every problem by row and column, in Japanese, and nothing is written', async function () {
    const res = await upload('/imports/lots', filled, XLSX);
    const problem = problemOf(res);
    expect(problem).to.include({ status: 422, code: 'IMPORT_INVALID', contentType: 'application/problem+json; charset=utf-8' });
    expect(String(problem.body.detail)).to.include('何も登録していません');
    const errors = problem.body.errors as ImportErrorBody[];
    const at = (row: number): ImportErrorBody[] => errors.filter((e) => e.row === row);
    expect(at(2)).to.deep.equal([]);
    expect(at(3)).to.deep.equal([]);
    expect(at(4).map((e) => [e.code, e.column, e.header])).to.deep.equal([['INPUT_NOT_FOUND', 'I', '投入ロット1 ID']]);
    expect(at(4)[0]?.message).to.include('台帳にありません');
    expect(at(5).map((e) => [e.code, e.column, e.header])).to.deep.equal([['UNIT_INVALID_SUGGEST', 'E', '単位']]);
    expect(at(5)[0]?.message).to.include('KGM');
    expect(at(6).map((e) => [e.code, e.column])).to.deep.equal([['DUPLICATE_ID', 'A']]);
    expect(at(6)[0]?.message).to.include('2行目');
    expect(at(7).map((e) => [e.code, e.column])).to.deep.equal([['INPUT_NOT_IN_CUSTODY', 'I']]);
    expect(at(7)[0]?.message).to.include('AssemblyCoMSP');
    expect((await readLot(bracket)).status).to.equal(404);
    expect((await readLot(coil.id)).body.remaining).to.deep.equal({ amount: 10, unit: 'TNE' });
  });

  it('the same problems in English with Accept-Language: en', async function () {
    const res = await upload('/imports/lots', filled, XLSX, 'qm1', 'en');
    const errors = problemOf(res).body.errors as ImportErrorBody[];
    expect(errors.find((e) => e.row === 7)?.message).to.match(/is held by AssemblyCoMSP, not by PartsCoMSP/);
  });

  it('with partial=true the valid rows are written (with their transaction ids) and the ledger has them as entered', async function () {
    const res = await upload('/imports/lots?partial=true', filled, XLSX);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ kind: 'lots', total: 6, written: 2, present: 0, invalid: 4 });
    const rows = res.body.rows as ImportRowBody[];
    expect(rows.filter((r) => r.status === 'written').map((r) => [r.row, r.id])).to.deep.equal([
      [2, bracket],
      [3, plated],
    ]);
    expect(rows[0]?.txId).to.match(/^[0-9a-f]{64}$/);
    expect(res.body.txIds).to.deep.equal([rows[0]?.txId]);
    const lot = (await readLot(bracket)).body;
    expect(lot.product).to.deep.equal({ code: 'BR-100', name: 'プレス部品 ブラケット（右）' });
    expect(lot.process).to.deep.equal({ site: '第一工場', line: 'プレス2号', changePoint: '金型再研磨' });
    expect(lot.inputs).to.deep.equal([{ lotId: coil.id, quantity: { amount: 2.5, unit: 'TNE' } }]);
    expect(lot.remaining).to.deep.equal({ amount: 10, unit: 'EA' });
    expect((await readLot(plated)).body.quantity).to.deep.equal({ amount: 390, unit: 'EA' });
    expect((await readLot(coil.id)).body.remaining).to.deep.equal({ amount: 7.5, unit: 'TNE' });
    expect((await readLot(`PartsCoMSP:UNIT-${run}`)).status).to.equal(404);
  });

  it('importing the same file again writes nothing: the rows are reported as already present', async function () {
    const res = await upload('/imports/lots?partial=true', filled, XLSX);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ written: 0, present: 2, invalid: 4 });
    expect(res.body.txIds).to.deep.equal([]);
    expect((await readLot(coil.id)).body.remaining).to.deep.equal({ amount: 7.5, unit: 'TNE' });
    expect((await readLot(bracket)).body.remaining).to.deep.equal({ amount: 10, unit: 'EA' });
  });

  it('a UTF-8 CSV with a BOM and English headers imports the same way', async function () {
    const csv = [
      'Lot ID,Product code,Product name,Quantity,Unit,Site,Line,Input 1 lot ID,Input 1 quantity,Input 1 unit',
      `${plated},BR-100-ZN,亜鉛めっきブラケット,390,EA,第一工場,めっき1号,${bracket},390,EA`,
      `${csvLot},BR-100-PK,"梱包済み, 10個入り",39,EA,第一工場,梱包,${plated},390,EA`,
    ].join('\r\n');
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv, 'utf8')]);
    const res = await upload('/imports/lots', body, 'text/csv', 'qm1', 'en');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect((res.body.rows as ImportRowBody[]).map((r) => r.status)).to.deep.equal(['present', 'written']);
    expect((await readLot(csvLot)).body.product.name).to.equal('梱包済み, 10個入り');
  });

  it('inspection results import from the template; again, nothing is recorded twice; a lot held by another firm is refused', async function () {
    const template = await download(parts, '/templates/inspections.xlsx', { 'Accept-Language': 'ja' });
    const book = await workbookOf(template.body as Buffer);
    const sheet = book.worksheets[0] as ExcelJS.Worksheet;
    const header = headerTexts(sheet);
    expect(header.slice(0, 5)).to.deep.equal(['ロットID', '判定', '成績書 SHA-256', '成績書 URI', '備考']);
    const sha = createHash('sha256').update(`certificate ${run}`).digest('hex');
    const values: (string | number)[][] = [
      [plated, '合格', sha, 'https://lab.example/certs/1.pdf', 'めっき厚さ良好', 'めっき厚さ', 8.2, 'um', 5, 12],
      [foreign.id, '不合格', sha, 'https://lab.example/certs/2.pdf', '', '', '', '', '', ''],
    ];
    values.forEach((v, i) => {
      const row = sheet.getRow(i + 2);
      v.forEach((value, c) => (row.getCell(c + 1).value = value));
      row.commit();
    });
    const file = Buffer.from(await book.xlsx.writeBuffer());
    const refused = await upload('/imports/inspections', file, XLSX, 'inspector1');
    const errors = problemOf(refused).body.errors as ImportErrorBody[];
    expect(errors.map((e) => [e.row, e.code, e.column])).to.deep.equal([[3, 'LOT_NOT_IN_CUSTODY', 'A']]);
    const first = await upload('/imports/inspections?partial=true', file, XLSX, 'inspector1');
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body, JSON.stringify(first.body)).to.include({ written: 1, invalid: 1 });
    const again = await upload('/imports/inspections?partial=true', file, XLSX, 'inspector1');
    expect(again.body).to.include({ written: 0, present: 1 });
    const events = await request(parts.app)
      .get(`/lots/${encodeURIComponent(plated)}/quality-events`)
      .set('Authorization', await bearer('PartsCo', 'auditor1'));
    const inspections = (
      events.body.events as { type: string; certificate?: { sha256: string }; measurements?: unknown[]; notes?: string }[]
    ).filter((e) => e.type === 'inspection');
    expect(inspections).to.have.length(1);
    expect(inspections[0]).to.deep.include({ notes: 'めっき厚さ良好', verdict: 'pass' });
    expect(inspections[0]?.measurements).to.deep.equal([{ characteristic: 'めっき厚さ', value: 8.2, unit: 'um', lower: 5, upper: 12 }]);
    const qm = await upload('/imports/inspections', file, XLSX, 'qm1');
    expect(problemOf(qm)).to.include({ status: 403, code: 'FORBIDDEN' });
  });

  it('a file that is not a spreadsheet, or has unknown columns, is a precise 4xx', async function () {
    expect(problemOf(await upload('/imports/lots', Buffer.from('PK\u0003\u0004garbage'), XLSX))).to.include({
      status: 400,
      code: 'INVALID_BODY',
    });
    const res = await upload('/imports/lots', Buffer.from('ロットID,品番,色\r\nA,B,C\r\n'), 'text/csv');
    const problem = problemOf(res);
    expect(problem).to.include({ status: 422, code: 'IMPORT_INVALID' });
    const codes = (problem.body.errors as ImportErrorBody[]).map((e) => e.code);
    expect(codes).to.include('UNKNOWN_COLUMN');
    expect(codes).to.include('MISSING_COLUMN');
    expect(problemOf(await upload('/imports/lots', Buffer.from('{}'), 'application/json'))).to.include({ status: 415 });
  });

  it('a backward trace exports as .xlsx (lots and edges, re-read with exceljs) and as CSV with a BOM', async function () {
    const res = await download(parts, `/exports/lots/${encodeURIComponent(csvLot)}/trace?direction=backward&depth=5`, {
      'Accept-Language': 'ja',
    });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal(XLSX);
    const book = await workbookOf(res.body as Buffer);
    expect(book.worksheets.map((s) => s.name)).to.deep.equal(['トレース', 'つながり']);
    const lots = recordsOf(book.worksheets[0] as ExcelJS.Worksheet);
    expect(lots.map((r) => r['ロットID'])).to.have.members([csvLot, plated, bracket, coil.id]);
    expect(lots.find((r) => r['ロットID'] === bracket)).to.include({ 品名: 'プレス部品 ブラケット（右）', 数量: 400, 単位: 'EA', 深さ: 2 });
    const edges = recordsOf(book.worksheets[1] as ExcelJS.Worksheet);
    expect(edges).to.deep.include({ 投入元ロット: coil.id, 投入先ロット: bracket, 数量: 2.5, 単位: 'TNE' });

    const csv = await download(parts, `/exports/lots/${encodeURIComponent(csvLot)}/trace?direction=backward&format=csv&lang=en`);
    expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
    const bytes = csv.body as Buffer;
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
    expect(lines[0]).to.match(/^Lot ID,Product code,Product name,Quantity,Unit/);
    expect(lines).to.have.length(5);
    expect(lines.some((l) => l.startsWith(`${csvLot},BR-100-PK,"梱包済み, 10個入り",39,EA`))).to.equal(true);
  });

  it("a lot list and a lot's quality events export as .xlsx and CSV", async function () {
    const list = await download(parts, `/exports/lots?id=${encodeURIComponent(bracket)}&id=${encodeURIComponent(coil.id)}`, {
      Accept: 'text/csv',
      'Accept-Language': 'ja',
    });
    expect(list.status).to.equal(200);
    const text = (list.body as Buffer).toString('utf8');
    expect(text.charCodeAt(0)).to.equal(0xfeff);
    expect(text).to.include('ロットID,品番,品名,数量,単位,残数量');
    expect(text).to.include(`${coil.id},SPCC-1.2,冷間圧延鋼板コイル,10,TNE,7.5,PartsCoMSP,PartsCoMSP,active`);
    const events = await download(parts, `/exports/lots/${encodeURIComponent(plated)}/quality-events?format=xlsx&lang=en`);
    const rows = recordsOf((await workbookOf(events.body as Buffer)).worksheets[0] as ExcelJS.Worksheet);
    expect(rows.find((r) => r.Type === 'inspection')).to.include({ Verdict: 'pass', Measurements: 'めっき厚さ=8.2 um [5..12]' });
    expect(problemOf(await download(parts, `/exports/lots?id=${encodeURIComponent(bracket)}`, { Accept: 'application/pdf' }))).to.include({
      status: 406,
    });
  });
});
