/**
 * The explorer's import panel and recall notices in Debian's chromium, and
 * `lotline import`, against the real network: the same import endpoint from
 * the page and from the CLI (a Japanese CSV; a bad file's problems shown by
 * row and column), and the notices button of the recall view, reached through
 * a notice's `?recall=` link.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../../clients/src/api-client';
import { mintToken } from '../../../clients/src/token';
import { cli } from '../support/cli';
import { apiUrl } from '../../../network/src/network';
import { config, org, uniqueId } from '../support/network';
import { ensureExplorerBuilt } from './support/api';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { signInAtProvider } from './support/sign-in';

describe('clients: spreadsheet import and recall notices from the explorer and the CLI', function () {
  this.timeout(300_000);
  // PartsCo's API process serves the explorer at the redirect URI that PartsCo's provider registers.
  const apiBase = apiUrl(org('PartsCo'));
  const base = `${apiBase}/`;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let token: string;
  let client: ApiClient;
  const run = uniqueId('ui')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-10);
  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-import-'));
  const csv = (rows: string[]): string => `\uFEFF${['ロットID,品番,品名,数量,単位,工場,ライン', ...rows].join('\r\n')}\r\n`;

  before(async () => {
    ensureExplorerBuilt();
    token = await mintToken(config, { org: 'PartsCo', user: 'qm1' });
    client = new ApiClient({ baseUrl: apiBase, token });
    browser = await launchChromium();
    page = await browser.browser.newPage();
    // A Japanese browser: the panel's messages and the API's report follow navigator.language.
    await page.addInitScript("Object.defineProperty(navigator, 'language', { get: () => 'ja-JP' })");
    await page.goto(`${base}explorer/`);
    await page.click('#signin button');
    await signInAtProvider(page, org('PartsCo'), 'qm1');
  });

  after(async () => {
    await browser?.close();
  });

  it('the import panel uploads a CSV to POST /imports/lots and shows the rows written', async () => {
    const id = `PartsCoMSP:UI-${run}`;
    const file = path.join(dir, 'lots.csv');
    writeFileSync(file, csv([`UI-${run},UI-1,画面から取り込んだロット,12,EA,第二工場,組立1`]));
    await page.click('#import summary');
    await page.setInputFiles('#import-file', file);
    await page.click('#import-submit');
    await page.waitForSelector('#import-rows tr[data-status="written"]', { timeout: 120_000 });
    expect(await page.textContent('#import-rows')).to.contain(id);
    expect((await client.getLot(id)).product.name).to.equal('画面から取り込んだロット');
  });

  it('a file with problems shows each problem by row and column, in Japanese, and writes nothing', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(file, csv([`BAD-${run},UI-2,単位の誤り,1,kg,第二工場,組立1`]));
    await page.setInputFiles('#import-file', file);
    await page.click('#import-submit');
    await page.waitForSelector('#import-problems tr[data-code="UNIT_INVALID_SUGGEST"]', { timeout: 60_000 });
    const row = await page.textContent('#import-problems tr[data-code="UNIT_INVALID_SUGGEST"]');
    expect(row).to.contain('2').and.contain('E').and.contain('KGM と入力してください');
    expect(await page.textContent('#status-line')).to.contain('何も登録していません');
  });

  it('`lotline import` uses the same endpoint: the rows of the same file are reported as already present', async () => {
    const file = path.join(dir, 'lots.csv');
    const res = await cli(['--api-url', apiBase, '--token', token, '--json', 'import', file]);
    expect(res.code, res.out).to.equal(0);
    const report = JSON.parse(res.out) as { written: number; present: number; rows: { status: string }[] };
    expect(report).to.include({ written: 0, present: 1 });
    const bad = await cli(['--api-url', apiBase, '--token', token, 'import', path.join(dir, 'bad.csv')], { LANG: 'en_US.UTF-8' });
    expect(bad.code).to.equal(1);
  });

  it("a notice's ?recall= link opens the recall's lot, whose panel downloads the notices of every holder", async () => {
    const lotId = `PartsCoMSP:RC-${run}`;
    await client.createLot({
      id: lotId,
      product: { code: 'RC-1', name: 'リコール対象ロット' },
      quantity: { amount: 3, unit: 'EA' },
      process: { site: '第二工場', line: '組立1' },
    });
    const recallId = `UI-${run}`;
    await client.startRecall({ lotId, reason: '異物混入の疑い', recallId });
    await page.goto(`${base}explorer/?recall=${recallId}`);
    await page.waitForSelector(`button.recall-notices[data-recall="${recallId}"]`, { timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button.recall-notices[data-recall="${recallId}"]`)]);
    const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
    expect(Object.keys(files)).to.deep.equal([`notice-${recallId}-PartsCoMSP.pdf`]);
    expect(
      Buffer.from(files[`notice-${recallId}-PartsCoMSP.pdf`] ?? [])
        .subarray(0, 5)
        .toString(),
    ).to.equal('%PDF-');
  });
});
