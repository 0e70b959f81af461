/**
 * Read-model figures on a running network (`LOTLINE_DATA_DIR`,
 * `LOTLINE_PORT_OFFSET`): writes a depth-10, 1,023-lot forward tree and a
 * depth-10, 1,023-lot backward tree (ImportLots), then measures
 *  - traces through PartsCo's API (HTTP, JWT, JSON) from its read model (PGlite)
 *    and from the chaincode (`?source=ledger`);
 *  - the same traces' SQL without HTTP on PGlite and on PostgreSQL 15, and the
 *    bare recursive CTE (reachable ids only) on both;
 *  - rebuild from block 0 on both stores, in lots per second, and the peak
 *    RSS of this process while it rebuilds into PGlite;
 *  - freshness: after a CreateLot answers (committed), the time until
 *    `GET /lots?minBlock=` finds it.
 * Run: LOTLINE_DATA_DIR=… LOTLINE_PORT_OFFSET=… npx tsx test/bench/read-model.ts
 * (not yet part of `npm run bench`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Indexer, openStore, traceLot, type Store } from '@lotline/read-model';
import { loadConfig } from '../../network/src/config';
import { apiFetch } from '../src/faults/api';
import { benchContract } from './fabric';
import { progress } from './log';
import { startPostgres } from './postgres';
import { median, summarise } from './stats';

const config = loadConfig();
const run = `RMB-${Date.now().toString(36)}`;
const unit = { amount: 1, unit: 'EA' };

function lot(id: string, inputs: string[]): unknown {
  return {
    id: `PartsCoMSP:${id}`,
    product: { code: `RMB-${run}`, name: 'bench' },
    quantity: { amount: 100, unit: 'EA' },
    inputs: inputs.map((p) => ({ lotId: `PartsCoMSP:${p}`, quantity: unit })),
    process: { site: 'bench', line: 'L1' },
  };
}

/** Two 1,023-lot binary trees: forward from `F-1`, backward from `B-1`; heap numbering (children of n: 2n, 2n+1). */
function trees(): unknown[] {
  const forward = Array.from({ length: 1023 }, (_, i) => i + 1).map((n) => lot(`${run}-F-${n}`, n === 1 ? [] : [`${run}-F-${n >> 1}`]));
  const backward = Array.from({ length: 1023 }, (_, i) => 1023 - i).map((n) =>
    lot(`${run}-B-${n}`, n >= 512 ? [] : [`${run}-B-${2 * n}`, `${run}-B-${2 * n + 1}`]),
  );
  return [...forward, ...backward];
}

async function timed(fn: () => Promise<unknown>, reps: number): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function api(urlPath: string): Promise<Record<string, unknown>> {
  const res = await apiFetch('PartsCo', 'auditor1', 'GET', urlPath);
  if (res.status !== 200) throw new Error(`GET ${urlPath}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  return res.body;
}

async function rebuild(store: Store, until: number, gateway: () => ReturnType<typeof benchContract>['gateway']) {
  const indexer = new Indexer({ store, gateway, channel: config.channel, chaincode: config.chaincode });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  await indexer.start();
  await indexer.waitFor(BigInt(until), 3_600_000);
  const seconds = (performance.now() - t0) / 1000;
  await indexer.stop();
  clearInterval(sampler);
  const [row] = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM lots');
  return { lots: row?.n ?? 0, seconds, peakMiB: peak / 2 ** 20 };
}

const CTE = (from: string, to: string) => `WITH RECURSIVE reach(id, depth) AS (
  SELECT $1::text, 0 UNION SELECT e.${to}, r.depth + 1 FROM reach r JOIN lineage_edges e ON e.${from} = r.id WHERE r.depth < 10)
  SELECT count(DISTINCT id)::int AS n FROM reach`;

async function main(): Promise<void> {
  const admin = benchContract(config, 'PartsCo', 'admin1', undefined, 600_000);
  const all = trees();
  let lastBlock = 0;
  for (let i = 0; i < all.length; i += 500) {
    const tx = admin.contract.newProposal('ImportLots', { arguments: [JSON.stringify({ lots: all.slice(i, i + 500) })] });
    const committed = await (await tx.endorse()).submit();
    lastBlock = Math.max(lastBlock, Number((await committed.getStatus()).blockNumber));
    progress(`imported ${Math.min(i + 500, all.length)} / ${all.length} lots`);
  }
  const b = `PartsCoMSP:${run}-B-1`;
  const f = `PartsCoMSP:${run}-F-1`;
  const trace = (id: string, dir: string, extra = '') =>
    `/lots/${encodeURIComponent(id)}/trace?direction=${dir}&depth=10&maxNodes=5000${extra}`;
  const check = await api(trace(b, 'backward', `&minBlock=${lastBlock}`));
  if ((check.nodes as unknown[]).length !== 1023) throw new Error('the backward tree does not trace to 1023 lots');
  const rows: string[][] = [];
  rows.push([
    'API, read model (PGlite)',
    String(await timed(() => api(trace(b, 'backward')), 10)),
    String(await timed(() => api(trace(f, 'forward')), 10)),
  ]);
  rows.push([
    'API, chaincode (`?source=ledger`)',
    String(await timed(() => api(trace(b, 'backward', '&source=ledger')), 1)),
    String(await timed(() => api(trace(f, 'forward', '&source=ledger')), 1)),
  ]);

  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-rmb-'));
  const pglite = await openStore({ kind: 'pglite', dir });
  const pg = await startPostgres();
  const postgres = await openStore({ kind: 'postgres', url: `postgres://postgres@127.0.0.1:${pg.port}/postgres`, schema: 'bench' });
  try {
    const reader = benchContract(config, 'PartsCo', 'auditor1', undefined, 600_000);
    const rebuiltLite = await rebuild(pglite, lastBlock, () => reader.gateway);
    const rebuiltPg = await rebuild(postgres, lastBlock, () => reader.gateway);
    for (const [name, store] of [
      ['PGlite', pglite],
      ['PostgreSQL 15', postgres],
    ] as const) {
      rows.push([
        `read-model SQL, no HTTP, ${name}`,
        String(await timed(() => store.transaction((tx) => traceLot(tx, b, 'backward', 10, 5000)), 10)),
        String(await timed(() => store.transaction((tx) => traceLot(tx, f, 'forward', 10, 5000)), 10)),
      ]);
      rows.push([
        `bare recursive CTE, ${name}`,
        String(await timed(() => store.query(CTE('child', 'parent'), [b]), 10)),
        String(await timed(() => store.query(CTE('parent', 'child'), [f]), 10)),
      ]);
    }
    // Freshness: commit (the API's 201) to queryable through the same API.
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await apiFetch('PartsCo', 'admin1', 'POST', '/lots', lot(`${run}-N-${i}`, []));
      const block = Number(created.body.blockNumber);
      const t0 = performance.now();
      const found = await api(`/lots?product=RMB-${run}&createdFrom=2000-01-01T00:00:00Z&limit=1&minBlock=${block}`);
      fresh.push(performance.now() - t0);
      if (found.asOfBlock === undefined || Number(found.asOfBlock) < block) throw new Error('minBlock answered before the block');
    }
    const f95 = summarise(fresh);
    process.stdout.write(`\n| trace, depth 10, 1023 lots (median ms) | backward | forward |\n|---|---:|---:|\n`);
    for (const r of rows) process.stdout.write(`| ${r[0]} | ${Number(r[1]).toFixed(1)} | ${Number(r[2]).toFixed(1)} |\n`);
    process.stdout.write(
      `\nrebuild from block 0 to ${lastBlock}: PGlite ${rebuiltLite.lots} lots in ${rebuiltLite.seconds.toFixed(1)} s = ${(rebuiltLite.lots / rebuiltLite.seconds).toFixed(0)} lots/s (peak RSS ${rebuiltLite.peakMiB.toFixed(0)} MiB); ` +
        `PostgreSQL ${rebuiltPg.lots} lots in ${rebuiltPg.seconds.toFixed(1)} s = ${(rebuiltPg.lots / rebuiltPg.seconds).toFixed(0)} lots/s\n`,
    );
    process.stdout.write(
      `freshness (commit answered → GET ?minBlock answered, 20 writes): p50 ${f95.p50.toFixed(0)} ms, p95 ${f95.p95.toFixed(0)} ms\n`,
    );
    reader.close();
  } finally {
    await pglite.close();
    await postgres.close();
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
    admin.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`read-model bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
