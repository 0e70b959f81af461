/**
 * The web explorer in Japanese and English, and its table view for big traces,
 * in Debian's chromium (with fonts-noto-cjk) against the real network: a ja-JP
 * browser gets the Japanese page; a Japanese product name and hold reason are
 * shown exactly as entered, dates in Asia/Tokyo, API errors in Japanese; the
 * language switch is kept across a reload; the demo trace's table filters,
 * sorts, searches, collapses and exports a UTF-8 CSV with a BOM. Saves
 * docs/screenshots/explorer-ja.png for the README.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { formatDateTime } from '@lotline/i18n';
import { ApiClient } from '../../../clients/src/api-client';
import { seedDemo } from '../../../clients/src/demo/seed';
import { DEFECTIVE_LOT } from '../../../clients/src/demo/scenario';
import { mintToken } from '../../../clients/src/token';
import { apiUrl } from '../../../network/src/network';
import { config, org, uniqueId } from '../support/network';
import { ensureExplorerBuilt } from './support/api';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { signInAtProvider } from './support/sign-in';

/** What the page code below touches (the tests are compiled without the DOM library). */
type Dataset = Record<string, string | undefined>;
interface PageElement {
  dataset: Dataset;
  value: string;
  getBoundingClientRect(): { width: number };
  dispatchEvent(event: unknown): boolean;
}
interface PageGlobals {
  document: { body: { dataset: Dataset }; getElementById: (id: string) => PageElement | null };
  navigator: { languages: readonly string[] };
  performance: { now: () => number };
  requestAnimationFrame: (callback: () => void) => number;
  Event: new (type: string) => unknown;
}

const SCREENSHOTS = path.join(config.repoRoot, 'docs', 'screenshots');
const PRODUCT = '亜鉛めっきブラケット（第２ライン）';
const REASON = '膜厚不足のため出荷停止（ロット全数を再検査）';

type Row = { id: string; custodian: string; category: string; depth: number };

async function rows(page: Page): Promise<Row[]> {
  return page.evaluate(() => (globalThis as unknown as { lotline: { rows(): Row[] } }).lotline.rows());
}

async function drawn(page: Page): Promise<{ collapse: string; nodes: number; edges: number }> {
  return page.evaluate(() =>
    (globalThis as unknown as { lotline: { drawn(): { collapse: string; nodes: number; edges: number } } }).lotline.drawn(),
  );
}

async function traceFromPage(page: Page, lotId: string): Promise<void> {
  const before = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.traced ?? '');
  await page.fill('#lot-id', lotId);
  await page.click('#search button');
  await page.waitForFunction(
    (previous) => ((globalThis as unknown as PageGlobals).document.body.dataset.traced ?? '') !== previous,
    before,
    { timeout: 60_000 },
  );
  await page.locator('#panel-lot', { hasText: lotId }).waitFor({ timeout: 60_000 });
}

describe('clients: the explorer in Japanese and English, and big traces as a table', function () {
  this.timeout(300_000);
  // PartsCo's API process serves the explorer at the redirect URI that PartsCo's provider registers.
  const apiBase = apiUrl(org('PartsCo'));
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let token: string;
  let client: ApiClient;
  const lotA = `PartsCoMSP:${uniqueId('JA-A')}`;
  const lotB = `PartsCoMSP:${uniqueId('JA-B')}`;

  before(async () => {
    await seedDemo({ config });
    ensureExplorerBuilt();
    token = await mintToken(config, { org: 'PartsCo', user: 'qm1' });
    client = new ApiClient({ baseUrl: apiBase, token });
    const lot = (id: string, input?: string) => ({
      id,
      product: { code: 'ZN-BRK-02', name: PRODUCT },
      quantity: { amount: 500, unit: 'EA' },
      inputs: input ? [{ lotId: input, quantity: { amount: 200, unit: 'EA' } }] : [],
      process: { site: '浜松工場', line: '第２ライン' },
    });
    await client.createLot(lot(lotA));
    await client.createLot(lot(lotB, lotA));
    await client.placeHold(lotA, { reason: REASON, includeDescendants: true });
    browser = await launchChromium({ locale: 'ja-JP' });
    page = await browser.browser.newPage();
  });

  after(async () => {
    await browser?.close();
  });

  it('follows navigator.languages: a ja-JP browser gets the page in Japanese', async () => {
    await page.goto(`${apiBase}/explorer/`);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.languages[0])).to.equal('ja-JP');
    expect(await page.getAttribute('html', 'lang')).to.equal('ja');
    expect(await page.textContent('#signin [data-i18n="signin.button"]')).to.equal('サインイン');
    expect(await page.inputValue('#language')).to.equal('ja');
    await page.click('#signin button');
    await signInAtProvider(page, org('PartsCo'), 'qm1');
    expect(await page.textContent('#status-line')).to.equal('サインインしました。トレースするロットを検索してください。');
  });

  it('shows a Japanese product name and hold reason exactly as entered, and dates in Asia/Tokyo', async () => {
    await traceFromPage(page, lotA);
    expect(await page.textContent('#lot-product')).to.equal(`${PRODUCT} (ZN-BRK-02)`);
    await page.locator('#events .reason', { hasText: REASON }).waitFor({ timeout: 30_000 });
    expect(await page.textContent('#events .reason')).to.equal(REASON);
    const lot = await client.getLot(lotA);
    const created = (await page.textContent('#lot-created')) ?? '';
    expect(created).to.equal(formatDateTime(lot.createdAt, 'ja'));
    expect(created).to.contain('JST');
    expect(await page.textContent('#trace-summary')).to.equal('2 ロット、保管者 1 社、保留 2 件、リコール 0 件');
    expect(await page.textContent(`#trace-table tr[data-lot="${lotB}"] td.product`)).to.equal(PRODUCT);
    // The rendered glyphs need a CJK font: the product name is wider than the same number of Latin letters.
    const width = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.getElementById('lot-product')?.getBoundingClientRect().width ?? 0,
    );
    expect(width).to.be.greaterThan(150);
    await page.waitForSelector('#events .badge.ok', { timeout: 30_000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'explorer-ja.png') });
  });

  it('the API answers a ja request with a Japanese problem title and detail, and the same code', async () => {
    const missing = `PartsCoMSP:${uniqueId('JA-NONE')}`;
    const ask = (language: string) =>
      fetch(new URL(`lots/${encodeURIComponent(missing)}`, `${apiBase}/`), {
        headers: { authorization: `Bearer ${token}`, 'accept-language': language },
      });
    const [ja, en] = await Promise.all([ask('ja-JP,ja;q=0.9'), ask('en')]);
    const [jaBody, enBody] = (await Promise.all([ja.json(), en.json()])) as Record<string, string>[];
    expect(ja.status).to.equal(404);
    expect(ja.headers.get('content-language')).to.equal('ja');
    expect(ja.headers.get('vary')).to.match(/accept-language/i);
    expect(jaBody).to.include({ code: 'LOT_NOT_FOUND', title: '見つかりません', type: enBody?.type });
    expect(jaBody?.detail)
      .to.match(/^ロットが存在しません（台帳の応答: /)
      .and.include(missing);
    expect(enBody).to.include({ code: 'LOT_NOT_FOUND', title: 'Not found' });
    // The explorer asks in the user's language, so the page shows the Japanese detail.
    await page.fill('#lot-id', missing);
    await page.click('#search button');
    await page.locator('#status-line.error', { hasText: 'ロットが存在しません' }).waitFor({ timeout: 60_000 });
  });

  it('switches to English with the language switch, and keeps the choice across a reload', async () => {
    await traceFromPage(page, lotA);
    await page.selectOption('#language', 'en');
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    expect(await page.textContent('#search button')).to.equal('Trace');
    expect(await page.textContent('#trace-summary')).to.equal('2 lots, 1 holders, 2 on hold, 0 recalled');
    const lot = await client.getLot(lotA);
    await page.locator('#lot-created', { hasText: 'UTC' }).waitFor({ timeout: 30_000 });
    expect(await page.textContent('#lot-created')).to.equal(formatDateTime(lot.createdAt, 'en'));
    expect(await page.textContent('#lot-product'), 'the product name is not translated').to.equal(`${PRODUCT} (ZN-BRK-02)`);
    await page.reload();
    expect(await page.textContent('#signin [data-i18n="signin.button"]')).to.equal('Sign in');
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    expect(await page.inputValue('#language')).to.equal('en');
  });

  it('lists the demo trace in the table: filtered by status and custodian, sorted, searched, collapsed, exported with a BOM', async () => {
    await page.waitForSelector('#who:not([hidden])');
    await traceFromPage(page, DEFECTIVE_LOT);
    const [backward, forward] = await Promise.all([
      client.traceLot(DEFECTIVE_LOT, { direction: 'backward', depth: 10, maxNodes: 5000 }),
      client.traceLot(DEFECTIVE_LOT, { direction: 'forward', depth: 10, maxNodes: 5000 }),
    ]);
    const lots = new Map([...forward.nodes, ...backward.nodes].map((n) => [n.id, n]));
    const holders = new Set([...lots.values()].map((n) => n.custodian));
    const summary = await page.locator('#trace-summary').evaluate((el) => ({ ...(el as unknown as PageElement).dataset }));
    expect(summary).to.include({ lots: String(lots.size), holders: String(holders.size) });
    expect(Number(summary.recalled)).to.be.greaterThan(0);
    expect(await rows(page)).to.have.length(lots.size);

    await page.selectOption('#filter-custodian', 'AssemblyCoMSP');
    const assembly = [...lots.values()].filter((n) => n.custodian === 'AssemblyCoMSP').map((n) => n.id);
    expect((await rows(page)).map((r) => r.id).sort()).to.deep.equal(assembly.sort());
    await page.selectOption('#filter-category', 'affected');
    const affected = await rows(page);
    expect(affected.length).to.be.greaterThan(0);
    expect(affected.every((r) => r.category === 'affected' && r.custodian === 'AssemblyCoMSP')).to.equal(true);
    await page.selectOption('#filter-category', '');
    await page.selectOption('#filter-custodian', '');

    await page.click('#trace-table th[data-column="id"]');
    const ascending = (await rows(page)).map((r) => r.id);
    expect(ascending).to.deep.equal([...ascending].sort());
    await page.click('#trace-table th[data-column="id"]');
    expect((await rows(page)).map((r) => r.id)).to.deep.equal([...ascending].reverse());

    await page.fill('#trace-search', 'ship');
    const shipped = [...lots.values()]
      .filter((n) => [n.id, n.product.code, n.product.name, n.producer, n.custodian].some((f) => f.toLowerCase().includes('ship')))
      .map((n) => n.id);
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.getElementById('search-hits')?.dataset.hits === String(n),
      shipped.length,
    );
    expect((await rows(page)).map((r) => r.id).sort()).to.deep.equal(shipped.sort());
    const matched = await page.evaluate(
      () => (globalThis as unknown as { lotline: { cy: { nodes(s: string): { length: number } } } }).lotline.cy.nodes('.match').length,
    );
    expect(matched).to.equal(shipped.length);

    await page.selectOption('#collapse', 'depth');
    const depths = new Set([...forward.nodes.map((n) => n.depth), ...backward.nodes.map((n) => -n.depth)]);
    expect(await drawn(page)).to.include({ collapse: 'depth', nodes: depths.size });
    await page.selectOption('#collapse', 'org');
    expect(await drawn(page)).to.include({ collapse: 'org', nodes: holders.size });
    await page.selectOption('#collapse', 'auto');
    expect(await drawn(page)).to.include({ collapse: 'none', nodes: lots.size });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-trace')]);
    const bytes = readFileSync(await download.path());
    expect([...bytes.subarray(0, 3)], 'UTF-8 byte order mark').to.deep.equal([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\n');
    expect(lines[0]).to.match(/^lot id,product code,product name,/);
    expect(lines).to.have.length(shipped.length + 1);
  });
});
