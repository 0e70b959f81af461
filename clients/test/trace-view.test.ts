import { expect } from 'chai';
import { stringify } from 'csv-stringify/sync';
import { csvRows, CSV_COLUMNS, filterRows, groupRows, sortRows, summarize, traceRow, UTF8_BOM } from '../src/trace-view';
import { node } from './fixtures';

const rows = [
  traceRow(node('X:ROOT', 0, { product: { code: 'ZN-1', name: '亜鉛めっきブラケット' } }), 0),
  traceRow(node('X:UP', 1, { custodian: 'CityMSP' }), -1),
  traceRow(node('X:HELD', 1, { status: 'on_hold', custodian: 'AssemblyCoMSP' }), 1),
  traceRow(node('X:R', 1, { status: 'recalled', custodian: 'AssemblyCoMSP' }), 1),
  traceRow(node('X:AFF', 2, { affectedBy: [{ kind: 'recall', sourceLotId: 'X:R', eventId: 'e', recallId: 'R1' }] }), 2),
  traceRow(node('X:H2', 2, { affectedBy: [{ kind: 'hold', sourceLotId: 'X:HELD', eventId: 'h' }] }), 2),
];

describe('the trace table (trace-view)', () => {
  it('summarises a trace: lots, distinct holders, on hold (own or inherited), recalled (own or affected)', () => {
    expect(summarize(rows)).to.deep.equal({ lots: 6, holders: 3, onHold: 2, recalled: 2 });
  });

  it('filters by display category, by custodian and by depth, each alone and together', () => {
    expect(filterRows(rows, { category: 'on_hold' }).map((r) => r.id)).to.deep.equal(['X:HELD', 'X:H2']);
    expect(filterRows(rows, { custodian: 'AssemblyCoMSP' }).map((r) => r.id)).to.deep.equal(['X:HELD', 'X:R']);
    expect(filterRows(rows, { custodian: 'AssemblyCoMSP', category: 'recalled' }).map((r) => r.id)).to.deep.equal(['X:R']);
    expect(filterRows(rows, { depth: -1 }).map((r) => r.id)).to.deep.equal(['X:UP']);
  });

  it('searches ids, products and organisations case-insensitively, Japanese and full-width text included', () => {
    expect(filterRows(rows, { search: 'めっき' }).map((r) => r.id)).to.deep.equal(['X:ROOT']);
    expect(
      filterRows(rows, { search: 'ｚｎ-1' }).map((r) => r.id),
      'full-width ZN-1 matches',
    ).to.deep.equal(['X:ROOT']);
    expect(filterRows(rows, { search: 'citymsp' }).map((r) => r.id)).to.deep.equal(['X:UP']);
    expect(filterRows(rows, { search: '  ' })).to.have.length(rows.length);
  });

  it('sorts by any column both ways, ties broken by lot id', () => {
    expect(sortRows(rows, 'depth').map((r) => r.depth)).to.deep.equal([-1, 0, 1, 1, 2, 2]);
    expect(sortRows(rows, 'depth', true).map((r) => r.id)).to.deep.equal(['X:AFF', 'X:H2', 'X:HELD', 'X:R', 'X:ROOT', 'X:UP']);
    expect(sortRows(rows, 'category').map((r) => r.category)).to.deep.equal(['recalled', 'affected', 'on_hold', 'on_hold', 'none', 'none']);
    expect(sortRows(rows, 'custodian')[0]?.custodian).to.equal('AssemblyCoMSP');
  });

  it('groups by depth (upstream first) and by organisation, each group with its most urgent category', () => {
    const byDepth = groupRows(rows, 'depth');
    expect(byDepth.map((g) => [g.depth, g.lots, g.category])).to.deep.equal([
      [-1, 1, 'none'],
      [0, 1, 'none'],
      [1, 2, 'recalled'],
      [2, 2, 'affected'],
    ]);
    const byOrg = groupRows(rows, 'org');
    expect(byOrg.map((g) => [g.custodian, g.lots])).to.deep.equal([
      ['AssemblyCoMSP', 2],
      ['CityMSP', 1],
      ['PartsCoMSP', 3],
    ]);
  });

  it('exports CSV rows, UTF-8 after a BOM, with the Japanese product name as entered', () => {
    const headers = Object.fromEntries(CSV_COLUMNS.map((c) => [c, `h-${c}`])) as Record<(typeof CSV_COLUMNS)[number], string>;
    const text = UTF8_BOM + stringify(csvRows(rows, headers));
    const bytes = Buffer.from(text, 'utf8');
    expect([...bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\n');
    expect(lines[0]).to.equal(CSV_COLUMNS.map((c) => `h-${c}`).join(','));
    expect(lines[1]?.split(',')[CSV_COLUMNS.indexOf('productName')]).to.equal('亜鉛めっきブラケット');
    expect(lines).to.have.length(rows.length + 1);
  });
});
