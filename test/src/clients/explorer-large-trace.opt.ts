/**
 * Opt-in (`npm run test:explorer-large`, not in `npm test`: creating 1,023
 * lots through the API takes minutes): builds a 1,023-lot depth-10 trace on
 * the real ledger through PartsCo's API, opens it in the explorer in headless
 * Chromium, and measures how long the page takes to show it. The figures are
 * printed and written to test-output/explorer-large-trace.json; no time is
 * asserted (speed is measured, not tested), but what is shown is.
 *
 * The trace is the ancestry of one layer-10 lot of the benchmark's graph
 * (test/bench/graph.ts): 1 + 2 + … + 128 + 3 × 256 = 1,023 lots, each made
 * from two lots of the layer before.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ApiClient, ApiError } from '../../../clients/src/api-client';
import { graphLot, lotId, parentsOf, type Position } from '../../bench/graph';
import { mintToken } from '../../../clients/src/token';
import { config, org, uniqueId } from '../support/network';
import { apiUrl } from '../../../network/src/network';
import { ensureExplorerBuilt } from './support/api';
import { signInAtProvider } from './support/sign-in';
import { launchChromium, type LaunchedBrowser } from './support/chromium';

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

const MSP = 'PartsCoMSP';
const ROOT: Position = { component: 0, layer: 10, index: 0 };
const CONCURRENCY = 16;

/** Every ancestor of the root (and the root), by layer, sources first. */
function closure(): Position[][] {
  const seen = new Map<string, Position>();
  const queue = [ROOT];
  while (queue.length > 0) {
    const p = queue.shift() as Position;
    const key = `${p.layer}/${p.index}`;
    if (seen.has(key)) continue;
    seen.set(key, p);
    queue.push(...parentsOf(p));
  }
  const layers: Position[][] = Array.from({ length: ROOT.layer + 1 }, () => []);
  for (const p of seen.values()) layers[p.layer]?.push(p);
  return layers;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/**
 * Creates a lot, retrying when the connection drops or the API asks to come back later (a loaded machine);
 * after a retry, LOT_EXISTS means an earlier attempt committed.
 */
async function createOnce(client: ApiClient, lot: ReturnType<typeof graphLot>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.createLot(lot);
      return;
    } catch (error) {
      if (attempt > 0 && error instanceof ApiError && error.code === 'LOT_EXISTS') return;
      const transient = error instanceof ApiError && (error.status === 0 || error.status === 503 || error.code === 'TX_CONFLICT');
      if (!transient || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
    }
  }
}

type Timings = { fetchMs: number; renderMs: number; totalMs: number; lots: number };

async function timings(page: Page): Promise<Timings | undefined> {
  return page.evaluate(() => (globalThis as unknown as { lotline: { state: { timings?: Timings } } }).lotline.state.timings);
}

describe('clients: a 1,023-lot trace in the explorer (opt-in measurement)', function () {
  this.timeout(3_600_000);
  const apiBase = apiUrl(org('PartsCo'));
  let browser: LaunchedBrowser | undefined;
  const prefix = uniqueId('BIG').replace(/[^A-Za-z0-9]/g, '');
  const root = lotId(MSP, prefix, ROOT);
  const figures: Record<string, number> = {};

  before(async () => {
    ensureExplorerBuilt();
    const token = await mintToken(config, { org: 'PartsCo', user: 'qm1' });
    const client = new ApiClient({ baseUrl: apiBase, token, timeoutMs: 120_000 });
    const layers = closure();
    const total = layers.reduce((n, l) => n + l.length, 0);
    expect(total).to.equal(1023);
    process.stdout.write(`      root ${root}\n`);
    const started = Date.now();
    let done = 0;
    for (const layer of layers) {
      await pool(layer, CONCURRENCY, async (p) => {
        await createOnce(client, graphLot(MSP, prefix, p));
        done += 1;
      });
      process.stdout.write(`      created ${done}/${total} lots through the API (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
    figures.createSeconds = (Date.now() - started) / 1000;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    mkdirSync(path.join(config.repoRoot, 'test-output'), { recursive: true });
    writeFileSync(path.join(config.repoRoot, 'test-output', 'explorer-large-trace.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`      figures: ${JSON.stringify(figures)}\n`);
  });

  it('shows all 1,023 lots (graph collapsed by depth, table of every lot), then every lot as its own node', async () => {
    const page = await (browser as LaunchedBrowser).browser.newPage();
    page.on('pageerror', (error) => process.stdout.write(`      page error: ${error.message}\n`));
    page.on('console', (message) => process.stdout.write(`      console: ${message.text()}\n`));
    await page.goto(`${apiBase}/explorer/`);
    await page.click('#signin button');
    await signInAtProvider(page, org('PartsCo'), 'qm1');
    for (const run of [1, 2]) {
      const before = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.traced ?? '');
      const clicked = Date.now();
      await page.fill('#lot-id', root);
      await page.click('#search button');
      await page
        .waitForFunction((previous) => ((globalThis as unknown as PageGlobals).document.body.dataset.traced ?? '') !== previous, before, {
          timeout: 300_000,
        })
        .catch(async (error: unknown) => {
          throw new Error(`the trace did not render: status line "${(await page.textContent('#status-line')) ?? ''}"`, { cause: error });
        });
      const wall = Date.now() - clicked;
      const t = await timings(page);
      expect(t?.lots).to.equal(1023);
      figures[`run${run}FetchMs`] = Math.round(t?.fetchMs ?? -1);
      figures[`run${run}RenderMs`] = Math.round(t?.renderMs ?? -1);
      figures[`run${run}TotalMs`] = Math.round(t?.totalMs ?? -1);
      figures[`run${run}WallMs`] = wall;
    }
    const summary = await page.locator('#trace-summary').evaluate((el) => ({ ...(el as unknown as PageElement).dataset }));
    expect(summary).to.include({ lots: '1023', holders: '1', onHold: '0', recalled: '0' });
    expect(await page.locator('#table-count').getAttribute('data-shown')).to.equal('1023');
    const collapsed = await page.evaluate(() =>
      (globalThis as unknown as { lotline: { drawn(): { collapse: string; nodes: number } } }).lotline.drawn(),
    );
    expect(collapsed).to.deep.include({ collapse: 'depth', nodes: 11 });

    // Every lot as its own node: the time from choosing "every lot" to the painted frame.
    figures.expandAllMs = Math.round(
      await page.evaluate(async () => {
        const { document, performance, requestAnimationFrame, Event } = globalThis as unknown as PageGlobals;
        const select = document.getElementById('collapse') as PageElement;
        const start = performance.now();
        select.value = 'none';
        select.dispatchEvent(new Event('change'));
        await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
        return performance.now() - start;
      }),
    );
    const expanded = await page.evaluate(() =>
      (globalThis as unknown as { lotline: { drawn(): { nodes: number; edges: number } } }).lotline.drawn(),
    );
    expect(expanded.nodes).to.equal(1023);
    expect(expanded.edges).to.equal(2 * (1023 - 256));
    figures.searchMs = Math.round(
      await page.evaluate(async () => {
        const { document, performance, requestAnimationFrame, Event } = globalThis as unknown as PageGlobals;
        const input = document.getElementById('trace-search') as PageElement;
        const start = performance.now();
        input.value = '-k3-';
        input.dispatchEvent(new Event('input'));
        await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
        return performance.now() - start;
      }),
    );
    expect(await page.locator('#search-hits').getAttribute('data-hits'), 'layer 3 holds 128 lots of the trace').to.equal('128');
    await page.screenshot({ path: path.join(config.repoRoot, 'test-output', 'explorer-large-trace.png') });
  });
});
