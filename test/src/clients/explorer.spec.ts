/**
 * The web trace explorer in Debian's chromium (playwright-core), against the
 * real network and PartsCo's API process (which serves the explorer at
 * /explorer/): sign in at PartsCo's own OpenID provider (authorization code
 * flow with PKCE, the demo user's password), trace the demo's defective lot
 * and check the colours, run a recall from the page and watch the affected
 * lots change colour, export the recall CSV, save a screenshot, and sign out.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import type { Page } from 'playwright-core';
import { ApiClient } from '../../../clients/src/api-client';
import { seedDemo } from '../../../clients/src/demo/seed';
import { DEFECTIVE_LOT } from '../../../clients/src/demo/scenario';
import { mintToken } from '../../../clients/src/token';
import { parseLgtin } from '@lotline/domain';
import { readBundle, verifyEvidence } from '@lotline/evidence';
import { registerPrefixes } from '../epcis/support';
import { apiUrl } from '../../../network/src/network';
import { issuerUrl } from '../../../network/src/idp/local';
import { config, org, uniqueId } from '../support/network';
import { ensureExplorerBuilt } from './support/api';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { signInAtProvider } from './support/sign-in';

const OUTPUT = path.join(config.repoRoot, 'test-output');
const RED = '#b71c1c';
const ORANGE = '#e65100';
const GREEN = '#2e7d32';

type Snapshot = { id: string; category: string; color: string }[];

/** The access token the explorer keeps in the tab's sessionStorage. */
async function tabToken(page: Page): Promise<string | null> {
  return page.evaluate(() =>
    (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('lotline-token'),
  );
}

async function nodes(page: Page): Promise<Snapshot> {
  return page.evaluate(() => (globalThis as unknown as { lotline: { nodes(): Snapshot } }).lotline.nodes());
}

async function waitForCategory(page: Page, id: string, category: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    ([lot, cat]) =>
      (globalThis as unknown as { lotline: { nodes(): Snapshot } }).lotline.nodes().some((n) => n.id === lot && n.category === cat),
    [id, category] as const,
    { timeout, polling: 250 },
  );
}

describe('clients: web trace explorer in chromium', function () {
  this.timeout(300_000);
  const base = `${apiUrl(org('PartsCo'))}/`;
  const authorizationRequests: URL[] = [];
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let token: string;

  before(async () => {
    await seedDemo({ config });
    ensureExplorerBuilt();
    token = await mintToken(config, { org: 'PartsCo', user: 'qm1' });
    browser = await launchChromium();
    page = await browser.browser.newPage();
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.origin === issuerUrl(org('PartsCo')) && url.pathname === '/auth') authorizationRequests.push(url);
    });
    mkdirSync(OUTPUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  const signInAs = (user: string): Promise<void> => signInAtProvider(page, org('PartsCo'), user);

  it("signs in at PartsCo's own provider: authorization code flow with PKCE (S256), the demo user's password", async () => {
    await page.goto(`${base}explorer/`);
    await page.locator('#signin-org', { hasText: 'PartsCo' }).waitFor({ timeout: 30_000 });
    await page.click('#signin button');
    await signInAs('qm1');
    expect(await page.textContent('#who-text')).to.contain('qm1');
    const [authorize] = authorizationRequests;
    expect(authorize?.searchParams.get('client_id')).to.equal('lotline-explorer');
    expect(authorize?.searchParams.get('response_type')).to.equal('code');
    expect(authorize?.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(authorize?.searchParams.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    // The code is gone from the address bar; the access token is PartsCo's provider's, for PartsCo's API.
    expect(page.url()).to.equal(`${base}explorer/`);
    const accessToken = await tabToken(page);
    expect(decodeJwt(accessToken ?? '')).to.include({ iss: issuerUrl(org('PartsCo')), sub: 'qm1', org: 'PartsCoMSP' });
  });

  it("traces the demo's defective lot: recalled in red, shipped seat frames in orange, its source bracket in green", async () => {
    await page.fill('#lot-id', DEFECTIVE_LOT);
    await page.click('#search button');
    await waitForCategory(page, 'AssemblyCoMSP:SHIP-2026-0002', 'affected');
    const byId = Object.fromEntries((await nodes(page)).map((n) => [n.id, n]));
    expect(byId[DEFECTIVE_LOT]).to.include({ category: 'recalled', color: RED });
    for (const id of [
      'PartsCoMSP:PLATE-2026-0001-S1',
      'AssemblyCoMSP:SEAT-2026-0001',
      'AssemblyCoMSP:SHIP-2026-0001',
      'AssemblyCoMSP:SHIP-2026-0002',
    ]) {
      expect(byId[id]).to.include({ category: 'affected', color: ORANGE });
    }
    expect(byId['PartsCoMSP:STAMP-2026-0001']).to.include({ category: 'passed', color: GREEN });
    expect(byId['PartsCoMSP:COIL-2026-0001']?.category).to.equal('none');
    await page.waitForSelector('#events tr[data-verdict="fail"]');
    await page.waitForSelector('#events .badge.ok', { timeout: 30_000 });
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-defective-lot.png') });
  });

  it('exports the recall report as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.export-csv')]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).to.equal('recallId,sourceLotId,lotId,depth,custodian,producer,status');
    expect(csv.some((l) => l.includes('AssemblyCoMSP:SHIP-2026-0001,') && l.includes('AssemblyCoMSP'))).to.equal(true);
  });

  it('runs a recall from the page, and the affected lots turn orange', async () => {
    const client = new ApiClient({ baseUrl: base, token });
    const a = `PartsCoMSP:${uniqueId('WEB-A')}`;
    const b = `PartsCoMSP:${uniqueId('WEB-B')}`;
    const c = `PartsCoMSP:${uniqueId('WEB-C')}`;
    const lot = (id: string, input?: string) => ({
      id,
      product: { code: 'BRK-TEST', name: 'Test bracket' },
      quantity: { amount: 10, unit: 'EA' },
      inputs: input ? [{ lotId: input, quantity: { amount: 5, unit: 'EA' } }] : [],
      process: { site: 'Test site', line: 'Line 1' },
    });
    await client.createLot(lot(a));
    await client.createLot(lot(b, a));
    await client.createLot(lot(c, b));

    await page.fill('#lot-id', a);
    await page.click('#search button');
    await waitForCategory(page, c, 'none');
    await page.waitForSelector('#start-recall');
    await page.fill('#action-reason', 'browser test recall');
    await page.click('#start-recall');
    await waitForCategory(page, a, 'recalled');
    await waitForCategory(page, b, 'affected');
    await waitForCategory(page, c, 'affected');
    const byId = Object.fromEntries((await nodes(page)).map((n) => [n.id, n]));
    expect(byId[c]?.color).to.equal(ORANGE);
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-recall.png') });
  });

  it('updates live from the event stream when another client places a hold', async () => {
    const client = new ApiClient({ baseUrl: base, token });
    const d = `PartsCoMSP:${uniqueId('WEB-D')}`;
    const e = `PartsCoMSP:${uniqueId('WEB-E')}`;
    await client.createLot({
      id: d,
      product: { code: 'BRK-TEST', name: 'Test bracket' },
      quantity: { amount: 10, unit: 'EA' },
      process: { site: 'S', line: 'L' },
    });
    await client.createLot({
      id: e,
      product: { code: 'BRK-TEST', name: 'Test bracket' },
      quantity: { amount: 5, unit: 'EA' },
      inputs: [{ lotId: d, quantity: { amount: 5, unit: 'EA' } }],
      process: { site: 'S', line: 'L' },
    });
    await page.fill('#lot-id', d);
    await page.click('#search button');
    await waitForCategory(page, e, 'none');
    await client.placeHold(d, { reason: 'live update test', includeDescendants: true });
    await waitForCategory(page, e, 'on_hold', 30_000);
  });

  it('"Print label" fetches the selected lot\'s label PDF', async () => {
    await page.fill('#lot-id', DEFECTIVE_LOT);
    await page.click('#search button');
    await page.locator('#panel-lot', { hasText: DEFECTIVE_LOT }).waitFor({ timeout: 60_000 });
    const [label] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/label')),
      page.click('#print-label'),
    ]);
    expect(label.status()).to.equal(200);
    expect(label.headers()['content-type']).to.equal('application/pdf');
    // The page reads the body as a blob for the new tab; the PDF itself is checked in test/src/api/labels.spec.ts.
    expect(Number(label.headers()['content-length'])).to.be.greaterThan(1000);
    expect(decodeURIComponent(new URL(label.url()).pathname)).to.equal(`/lots/${DEFECTIVE_LOT}/label`);
  });

  it('"Download evidence" saves the selected lot\'s evidence bundle, which the offline verifier accepts', async () => {
    await page.fill('#lot-id', DEFECTIVE_LOT);
    await page.click('#search button');
    await page.locator('#panel-lot', { hasText: DEFECTIVE_LOT }).waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#download-evidence')]);
    expect(download.suggestedFilename()).to.match(/\.evidence\.zip$/);
    const report = verifyEvidence(readBundle(readFileSync(await download.path())));
    expect(report.failures, JSON.stringify(report.failures.slice(0, 3))).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(report.manifest?.lotId).to.equal(DEFECTIVE_LOT);
    await page.locator('#status-line', { hasText: 'Evidence for' }).waitFor({ timeout: 10_000 });
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'explorer-evidence.png') });
  });

  it('opens a scanned GS1 Digital Link (?dl=, where the resolver sends a phone without a token) after sign-in', async () => {
    await registerPrefixes('PartsCo', ['4912345']);
    const lot = `urn:epc:class:lgtin:4912345.012345.${uniqueId('DL')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-20)}`;
    const client = new ApiClient({ baseUrl: base, token });
    await client.createLot({
      id: lot,
      product: { code: 'DL-1', name: 'ラベル試験' },
      quantity: { amount: 1, unit: 'EA' },
      process: { site: 'S', line: 'L' },
    });
    const gtin = parseLgtin(lot)?.gtin ?? '';
    const resolver = await fetch(`${base}01/${gtin}/10/${parseLgtin(lot)?.lot ?? ''}`, { redirect: 'manual' });
    expect(resolver.status).to.equal(307);
    await page.goto(new URL(resolver.headers.get('location') ?? '', base).href);
    await page.locator('#panel-lot', { hasText: lot }).waitFor({ timeout: 60_000 });
    expect(await page.textContent('#panel-lot')).to.equal(lot);
  });

  it('signs out: the token is gone from the tab, and signing in again asks for the password', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await tabToken(page)).to.equal(null);
    await page.reload();
    await page.locator('#signin-org', { hasText: 'PartsCo' }).waitFor({ timeout: 30_000 });
    expect(await page.isHidden('#who')).to.equal(true);
    await page.click('#signin button');
    await signInAs('inspector1');
    expect(await page.textContent('#who-text')).to.contain('inspector1');
    expect(authorizationRequests.at(-1)?.searchParams.get('prompt')).to.equal('login');
  });
});
