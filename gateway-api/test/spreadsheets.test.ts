/**
 * The file-format and cell-reading parts of imports and exports, without a
 * ledger: CSV (BOM, quotes) and .xlsx read back as text, Japanese and English
 * headers mapped to the template's columns, typed cells with precise
 * problems in the caller's language, and CSV exports with a BOM.
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { columnLetter, templateColumns } from '../src/imports/columns';
import { Columns, RowCells } from '../src/imports/rows';
import { readSheet, UnreadableSheetError, writeTables } from '../src/spreadsheets/sheets';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('spreadsheets', function () {
  describe('reading an upload', function () {
    it('reads a UTF-8 CSV with a BOM, quoted commas and Japanese text as text cells; empty rows are skipped', async function () {
      const csv = Buffer.concat([BOM, Buffer.from('ロットID,品名,数量\r\nA-1,"梱包済み, 10個入り",0012.50\r\n,,\r\nA-2,ブラケット,3\r\n')]);
      const sheet = await readSheet(csv, 'csv');
      expect(sheet.header).to.deep.equal(['ロットID', '品名', '数量']);
      expect(sheet.rows).to.deep.equal([
        { row: 2, cells: ['A-1', '梱包済み, 10個入り', '0012.50'] },
        { row: 4, cells: ['A-2', 'ブラケット', '3'] },
      ]);
    });

    it('refuses a CSV that is not UTF-8, and bytes that are not an .xlsx workbook', async function () {
      const sjis = Buffer.from([0x83, 0x8d, 0x83, 0x62, 0x83, 0x67, 0x2c, 0x41, 0x0d, 0x0a]);
      await readSheet(sjis, 'csv').then(
        () => expect.fail('read'),
        (e: unknown) => expect(e).to.be.instanceOf(UnreadableSheetError).and.have.property('message').that.includes('UTF-8'),
      );
      await readSheet(Buffer.from('not a zip'), 'xlsx').then(
        () => expect.fail('read'),
        (e: unknown) => expect(e).to.be.instanceOf(UnreadableSheetError),
      );
    });

    it('reads numbers of an .xlsx in their shortest exact form and rich text as its text', async function () {
      const book = new ExcelJS.Workbook();
      const ws = book.addWorksheet('x');
      ws.addRow(['a', 'b']);
      ws.addRow([16384.005, { richText: [{ text: '鋼板' }, { text: 'コイル' }] }]);
      const sheet = await readSheet(Buffer.from(await book.xlsx.writeBuffer()), 'xlsx');
      expect(sheet.rows[0]?.cells).to.deep.equal(['16384.005', '鋼板コイル']);
    });
  });

  describe('headers', function () {
    it('maps Japanese and English headers (and full-width or spaced variants) to the same columns', async function () {
      const ja = templateColumns('lots', 'ja').map((c) => c.header);
      const en = templateColumns('lots', 'en').map((c) => c.header);
      expect(ja.slice(0, 3)).to.deep.equal(['ロットID', '品番', '品名']);
      expect(en[8]).to.equal('Input 1 lot ID');
      const sheet = await readSheet(
        Buffer.from(`ロットＩＤ,Product code,品名,数量,単位,工場,ライン,input 7 lot id\r\nX,Y,Z,1,EA,S,L,P\r\n`),
        'csv',
      );
      const columns = new Columns('lots', sheet, 'en');
      expect(columns.errors).to.deep.equal([]);
      expect(columns.groups).to.deep.equal([7]);
      expect(new RowCells(columns, sheet.rows[0]!).text({ field: 'inputLot', group: 7 })).to.equal('P');
    });

    it('reports unknown, duplicate and missing columns in the chosen language', async function () {
      const sheet = await readSheet(Buffer.from('ロットID,色,ロットID\r\nX,Y,Z\r\n'), 'csv');
      const columns = new Columns('lots', sheet, 'ja');
      const byCode = (code: string) => columns.errors.filter((e) => e.code === code);
      expect(byCode('UNKNOWN_COLUMN').map((e) => e.column)).to.deep.equal(['B']);
      expect(byCode('DUPLICATE_COLUMN')[0]).to.include({ column: 'C' });
      expect(byCode('MISSING_COLUMN').map((e) => e.field)).to.deep.equal(['productCode', 'productName', 'amount', 'unit', 'site', 'line']);
      expect(byCode('MISSING_COLUMN')[0]?.message).to.include('「品番」の列がありません');
    });

    it('names columns as the spreadsheet does', function () {
      expect([0, 25, 26, 27, 701, 702].map(columnLetter)).to.deep.equal(['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
    });
  });

  describe('cells', function () {
    async function cellsOf(header: string, value: string, language: 'en' | 'ja' = 'en'): Promise<RowCells> {
      const sheet = await readSheet(Buffer.from(`${header}\r\n"${value}"\r\n`), 'csv');
      return new RowCells(new Columns('lots', sheet, language), sheet.rows[0]!);
    }

    it('reads amounts with full-width digits and thousands separators exactly', async function () {
      expect((await cellsOf('Quantity', '１，２３４.５')).amount({ field: 'amount' })).to.equal(1234.5);
      expect((await cellsOf('Quantity', '0.000001')).amount({ field: 'amount' })).to.equal(0.000001);
    });

    it('refuses amounts that are not numbers, not positive or too precise, saying so', async function () {
      for (const [value, code] of [
        ['12kg', 'NOT_A_NUMBER'],
        ['0', 'AMOUNT_NOT_POSITIVE'],
        ['1.0000001', 'AMOUNT_DECIMALS'],
        ['2000000000', 'AMOUNT_TOO_LARGE'],
      ] as const) {
        const cells = await cellsOf('Quantity', value);
        expect(cells.amount({ field: 'amount' }), value).to.equal(undefined);
        expect(cells.errors.map((e) => [e.code, e.column, e.row])).to.deep.equal([[code, 'A', 2]]);
      }
    });

    it('suggests the UN/CEFACT code for a unit typed the usual way, in Japanese', async function () {
      const cells = await cellsOf('単位', 'kg', 'ja');
      expect(cells.unit({ field: 'unit' })).to.equal(undefined);
      expect(cells.errors[0]).to.include({ code: 'UNIT_INVALID_SUGGEST', header: '単位' });
      expect(cells.errors[0]?.message).to.include('KGM と入力してください');
      expect((await cellsOf('Unit', 'ＫＧＭ')).unit({ field: 'unit' })).to.equal('KGM');
    });
  });

  describe('writing an export', function () {
    it('writes CSV as UTF-8 with a BOM (first table only) and .xlsx with one sheet per table', async function () {
      const tables = [
        {
          name: 'lots',
          columns: [
            { key: 'id', header: 'ロットID' },
            { key: 'name', header: '品名' },
          ],
          rows: [{ id: 'A-1', name: '梱包済み, 10個入り' }],
        },
        { name: 'edges', columns: [{ key: 'from', header: 'from' }], rows: [{ from: 'A-0' }] },
      ];
      const csv = await writeTables(tables, 'csv');
      expect([...csv.subarray(0, 3)]).to.deep.equal([...BOM]);
      expect(csv.subarray(3).toString('utf8').trim().split(/\r?\n/)).to.deep.equal(['ロットID,品名', 'A-1,"梱包済み, 10個入り"']);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await writeTables(tables, 'xlsx')) as unknown as ExcelJS.Buffer);
      expect(book.worksheets.map((w) => w.name)).to.deep.equal(['lots', 'edges']);
      expect(book.worksheets[0]?.getRow(2).getCell(2).value).to.equal('梱包済み, 10個入り');
    });
  });
});
