import { expect } from 'chai';
import { languageFromEnvironment } from '@lotline/i18n';
import { ApiError } from '../src/api-client';
import { adviceFor } from '../src/cli/exit-codes';
import { runCli } from '../src/cli/main';
import { cliLanguage, displayWidth, setCliLanguage } from '../src/render/language';
import { lotLines, recallText } from '../src/render/text';
import { renderTree } from '../src/render/tree';
import type { Lot } from '../src/api-types';
import { diamond, report } from './fixtures';

const lot: Lot = {
  id: 'PartsCoMSP:ZN-2026-0001',
  product: { code: 'ZN-BRK', name: '亜鉛めっきブラケット' },
  quantity: { amount: 500, unit: 'EA' },
  remaining: { amount: 120, unit: 'EA' },
  producer: 'PartsCoMSP',
  custodian: 'PartsCoMSP',
  status: 'on_hold',
  inputs: [],
  process: { site: '浜松工場', line: '第2ライン' },
  createdAt: '2026-03-31T15:30:00.000Z',
  createdTxId: 'tx1',
  affectedBy: [],
} as unknown as Lot;

describe('the CLI in Japanese and English', () => {
  afterEach(() => setCliLanguage('en'));

  it('prints a lot with Japanese labels, the product and site as entered, and the time in Asia/Tokyo', () => {
    setCliLanguage('ja');
    const lines = lotLines(lot);
    expect(lines[0]).to.equal('PartsCoMSP:ZN-2026-0001  亜鉛めっきブラケット (ZN-BRK)');
    expect(lines[1]).to.match(/^ {2}状態 {8}保留中 {2}\[保留中\]$/);
    expect(lines.join('\n')).to.include('残り 120 EA').and.include('浜松工場, 第2ライン');
    const created = lines.find((l) => l.includes('作成')) ?? '';
    expect(created).to.include('2026/04/01').and.include('00:30:00').and.include('JST');
  });

  it('prints the same lot in English, with the time in UTC', () => {
    setCliLanguage('en');
    const lines = lotLines(lot);
    expect(lines[1]).to.equal('  status      on_hold  [on hold]');
    expect(lines.find((l) => l.startsWith('  created')))
      .to.include('31 Mar 2026')
      .and.include('15:30:00');
  });

  it('aligns Japanese labels by terminal columns (a wide character takes two)', () => {
    expect(displayWidth('状態')).to.equal(4);
    expect(displayWidth('abc')).to.equal(3);
    setCliLanguage('ja');
    const [, status = '', quantity = '', producer = ''] = lotLines(lot);
    const column = (line: string, value: string): number => displayWidth(line.slice(0, line.indexOf(value)));
    expect(column(status, '保留中')).to.equal(14);
    expect(column(quantity, '500 EA')).to.equal(14);
    expect(column(producer, 'PartsCoMSP')).to.equal(14);
  });

  it('draws a trace tree and a recall report in Japanese', () => {
    setCliLanguage('ja');
    const tree = renderTree(diamond);
    expect(tree[0]).to.include('保管者 PartsCoMSP').and.include('[リコール済み]');
    expect(tree[1]).to.include('（5 EA を使用）');
    expect(tree.join('\n')).to.include('^ 上記参照');
    const lines = recallText(report);
    expect(lines[0]).to.equal('PartsCoMSP:PLATE-1 のリコール RCL-1: coating, "thin"');
    expect(lines[2]).to.equal('影響ロット 2 件。連絡先: AssemblyCoMSP, PartsCoMSP');
  });

  it('gives its advice in the chosen language', () => {
    const error = new ApiError({ status: 409, code: 'LOT_ON_HOLD', message: 'LOT_ON_HOLD: x' });
    setCliLanguage('ja');
    expect(adviceFor(error)).to.match(/^このロット/);
    setCliLanguage('en');
    expect(adviceFor(error)).to.match(/^The lot, or an ancestor/);
  });

  it('takes its language from LOTLINE_LANG, LC_ALL, LC_MESSAGES and LANG', () => {
    expect(languageFromEnvironment({ LANG: 'ja_JP.UTF-8' })).to.equal('ja');
    expect(languageFromEnvironment({ LC_MESSAGES: 'en_US.UTF-8', LANG: 'ja_JP.UTF-8' })).to.equal('en');
  });

  it('sets the language from --lang, and refuses a language it does not have with a usage error', async () => {
    const write = process.stderr.write.bind(process.stderr);
    let stderr = '';
    process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
    try {
      expect(await runCli(['node', 'lotline', '--lang', 'fr', 'lots', 'show', 'X'])).to.equal(1);
      expect(stderr).to.include('--lang fr');
      // A known language reaches the action (which then fails: no API listens on port 9).
      await runCli(['node', 'lotline', '--lang', 'ja', '--api-url', 'http://127.0.0.1:9', 'lots', 'show', 'X']);
      expect(cliLanguage()).to.equal('ja');
    } finally {
      process.stderr.write = write;
    }
  });
});
