/**
 * Read-model figures on a running network (`LOTLINE_DATA_DIR`,
 * `LOTLINE_PORT_OFFSET`): writes a depth-10, 1,023-lot forward tree and a
 * depth-10, 1,023-lot backward tree (ImportLots), then measures
 *  - traces through PartsCo's API (HTTP, JWT, JSON) from its read model (PGlite)
 *    and from the chaincode (`?source=ledger`);
 *    and through a second PartsCo API whose read model is on PostgreSQL 15;
 *  - the same traces' SQL without HTTP on PGlite and on PostgreSQL 15; the
 *    bare recursive CTE that builds the same answer as one JSON document (the
 *    form of test/bench/traces.ts, the issue's reference), and the one that
 *    only counts the reachable ids, on both;
 *  - rebuild from block 0 on both stores, in lots per second, and the peak
 *    RSS of this process while it rebuilds into PGlite;
 *  - freshness: after a CreateLot answers (committed), the time until
 *    `GET /lots?minBlock=` finds it.
 * Part of `npm run bench` (`BENCH_SKIP=readmodel` leaves it out); alone, on a
 * running network with its APIs:
 * LOTLINE_DATA_DIR=… LOTLINE_PORT_OFFSET=… npx tsx test/bench/read-model.ts
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Indexer, openStore, traceLot, type Store } from '@lotline/read-model';
import { findOrg, loadConfig, type NetworkConfig } from '../../network/src/config';
import { mintToken } from '../../network/src/idp/local';
import { apiUrl } from '../../network/src/network';
import { orgFetch } from '../../network/src/tls';
import { startPostgresApi } from './api';
import { benchContract } from './fabric';
import { waitIndexed } from './traces';
import { progress } from './log';
import { startPostgres } from './postgres';
import { median, summarise } from './stats';

/** One configuration's depth-10 traces of 1,023 lots (median ms). */
export interface ReadModelTraceRow {
  readonly label: string;
  readonly kind: 'api-read-model' | 'api-chaincode' | 'sql' | 'cte-answer' | 'cte';
  readonly store?: 'PGlite' | 'PostgreSQL 15';
  readonly backwardMs: number;
  readonly forwardMs: number;
}

/** A rebuild from block 0 into an empty store. */
export interface RebuildFigure {
  readonly store: 'PGlite' | 'PostgreSQL 15';
  readonly blocks: number;
  readonly lots: number;
  readonly seconds: number;
  readonly lotsPerSecond: number;
  readonly peakMiB: number;
  /** The store's size on disk after the rebuild: the PGlite folder (its WAL apart), or the schema's tables on the server. */
  readonly diskMiB: number;
  /** PGlite only: its WAL folder. */
  readonly walMiB?: number;
}

/** Bytes of the files under `dir`. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : entry.isFile() ? statSync(full).size : 0;
  }
  return total;
}

/** A store's size on disk: the PGlite folder `dir` (and its WAL), or the current schema's relations on the server. */
async function diskSize(store: Store, dir?: string): Promise<{ diskMiB: number; walMiB?: number }> {
  if (dir !== undefined) {
    const wal = folderBytes(path.join(dir, 'pg_wal'));
    return { diskMiB: (folderBytes(dir) - wal) / 2 ** 20, walMiB: wal / 2 ** 20 };
  }
  const [row] = await store.query<{ bytes: string | null }>(
    `SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
  );
  return { diskMiB: Number(row?.bytes ?? 0) / 2 ** 20 };
}

/** What the read-model bench measured. */
export interface ReadModelResults {
  readonly traces: ReadModelTraceRow[];
  readonly rebuilds: RebuildFigure[];
  readonly freshness: { readonly writes: number; readonly p50: number; readonly p95: number };
}

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

/**
 * Requests to PartsCo's API process of `config`'s network as `user`, with a real token from PartsCo's provider
 * (not test/src's helpers: they resolve the network when imported, before the bench sets its port offset).
 */
export function partsCoApi(config: NetworkConfig, base?: string) {
  const org = findOrg(config, 'PartsCo');
  const fetchOrg = orgFetch(org);
  return async (
    user: string,
    method: string,
    urlPath: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const token = await mintToken(config, { org: org.name, user });
    const res = await fetchOrg(`${base ?? apiUrl(org)}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

async function rebuild(
  config: NetworkConfig,
  store: Store,
  until: number,
  gateway: () => ReturnType<typeof benchContract>['gateway'],
  dir?: string,
) {
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
  const lots = row?.n ?? 0;
  return { blocks: until + 1, lots, seconds, lotsPerSecond: lots / seconds, peakMiB: peak / 2 ** 20, ...(await diskSize(store, dir)) };
}

const CTE = (from: string, to: string) => `WITH RECURSIVE reach(id, depth) AS (
  SELECT $1::text, 0 UNION SELECT e.${to}, r.depth + 1 FROM reach r JOIN lineage_edges e ON e.${from} = r.id WHERE r.depth < 10)
  SELECT count(DISTINCT id)::int AS n FROM reach`;

/**
 * The bare recursive CTE that builds the trace's answer as one JSON document: every lot within depth 10 with its
 * attributes and depth, and the edges between them (the form of `cteSql` in test/bench/traces.ts, over the read
 * model's tables). Unlike the API it has no affected status, no node budget and no chaincode edge order.
 */
const ANSWER_CTE = (from: string, to: string) => `WITH RECURSIVE walk(id, depth) AS (
  SELECT $1::text, 0 UNION SELECT e.${to}, w.depth + 1 FROM walk w JOIN lineage_edges e ON e.${from} = w.id WHERE w.depth < 10
), nodes AS (SELECT id, min(depth) AS depth FROM walk GROUP BY id)
SELECT json_build_object(
  'nodes', (SELECT json_agg(json_build_object('id', l.id, 'product', l.doc->'product', 'quantity', l.doc->'quantity',
             'producer', l.producer, 'custodian', l.custodian, 'status', l.status, 'depth', n.depth) ORDER BY n.depth, l.id)
             FROM nodes n JOIN lots l ON l.id = n.id),
  'edges', (SELECT json_agg(json_build_object('from', e.parent, 'to', e.child, 'quantity', e.quantity))
             FROM nodes n JOIN lineage_edges e ON e.${from} = n.id JOIN nodes m ON m.id = e.${to} WHERE n.depth < 10))::text AS answer`;

/** Depth-10 traces through the API and in SQL, rebuilds and freshness on a running network with its APIs. */
export async function benchReadModel(config: NetworkConfig): Promise<ReadModelResults> {
  const call = partsCoApi(config);
  const api = async (urlPath: string): Promise<Record<string, unknown>> => {
    const res = await call('auditor1', 'GET', urlPath);
    if (res.status !== 200) throw new Error(`GET ${urlPath}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    return res.body;
  };
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
  const rows: ReadModelTraceRow[] = [];
  rows.push({
    label: 'API, read model (PGlite)',
    kind: 'api-read-model',
    store: 'PGlite',
    backwardMs: await timed(() => api(trace(b, 'backward')), 10),
    forwardMs: await timed(() => api(trace(f, 'forward')), 10),
  });
  rows.push({
    label: 'API, chaincode (`?source=ledger`)',
    kind: 'api-chaincode',
    backwardMs: await timed(() => api(trace(b, 'backward', '&source=ledger')), 3),
    forwardMs: await timed(() => api(trace(f, 'forward', '&source=ledger')), 3),
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-rmb-'));
  const pglite = await openStore({ kind: 'pglite', dir });
  const pg = await startPostgres();
  const postgres = await openStore({ kind: 'postgres', url: `postgres://postgres@127.0.0.1:${pg.port}/postgres`, schema: 'bench' });
  try {
    const reader = benchContract(config, 'PartsCo', 'auditor1', undefined, 600_000);
    const rebuiltLite = await rebuild(config, pglite, lastBlock, () => reader.gateway, dir);
    progress(`rebuilt into PGlite: ${rebuiltLite.lots} lots in ${rebuiltLite.seconds.toFixed(1)} s`);
    const rebuiltPg = await rebuild(config, postgres, lastBlock, () => reader.gateway);
    progress(`rebuilt into PostgreSQL: ${rebuiltPg.lots} lots in ${rebuiltPg.seconds.toFixed(1)} s`);
    // The same traces through a second PartsCo API whose read model is on the PostgreSQL server.
    const onPostgres = await startPostgresApi(
      config,
      findOrg(config, 'PartsCo'),
      `postgres://postgres@127.0.0.1:${pg.port}/postgres`,
      'bench_api',
    );
    try {
      const callPg = partsCoApi(config, onPostgres.url);
      const apiPg = async (urlPath: string): Promise<Record<string, unknown>> => {
        const res = await callPg('auditor1', 'GET', urlPath);
        if (res.status !== 200)
          throw new Error(`GET ${urlPath} (API on PostgreSQL): ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        return res.body;
      };
      // A new read model indexes the whole ledger from block 0 (on the bench's 100k ledger, several minutes).
      await waitIndexed(apiPg, "PartsCo's API on PostgreSQL");
      await apiPg(trace(b, 'backward', `&minBlock=${lastBlock}`));
      rows.splice(1, 0, {
        label: 'API, read model (PostgreSQL 15)',
        kind: 'api-read-model',
        store: 'PostgreSQL 15',
        backwardMs: await timed(() => apiPg(trace(b, 'backward')), 10),
        forwardMs: await timed(() => apiPg(trace(f, 'forward')), 10),
      });
    } finally {
      await onPostgres.stop();
    }
    for (const [name, store] of [
      ['PGlite', pglite],
      ['PostgreSQL 15', postgres],
    ] as const) {
      rows.push({
        label: `read-model SQL, no HTTP, ${name}`,
        kind: 'sql',
        store: name,
        backwardMs: await timed(() => store.transaction((tx) => traceLot(tx, b, 'backward', 10, 5000)), 10),
        forwardMs: await timed(() => store.transaction((tx) => traceLot(tx, f, 'forward', 10, 5000)), 10),
      });
      rows.push({
        label: `bare recursive CTE building the answer (JSON), ${name}`,
        kind: 'cte-answer',
        store: name,
        backwardMs: await timed(() => store.query(ANSWER_CTE('child', 'parent'), [b]), 10),
        forwardMs: await timed(() => store.query(ANSWER_CTE('parent', 'child'), [f]), 10),
      });
      rows.push({
        label: `bare recursive CTE (reachable ids), ${name}`,
        kind: 'cte',
        store: name,
        backwardMs: await timed(() => store.query(CTE('child', 'parent'), [b]), 10),
        forwardMs: await timed(() => store.query(CTE('parent', 'child'), [f]), 10),
      });
    }
    // Freshness: commit (the API's 201) to queryable through the same API.
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await call('admin1', 'POST', '/lots', lot(`${run}-N-${i}`, []));
      const block = Number(created.body.blockNumber);
      const t0 = performance.now();
      const found = await api(`/lots?product=RMB-${run}&createdFrom=2000-01-01T00:00:00Z&limit=1&minBlock=${block}`);
      fresh.push(performance.now() - t0);
      if (found.asOfBlock === undefined || Number(found.asOfBlock) < block) throw new Error('minBlock answered before the block');
    }
    const f95 = summarise(fresh);
    reader.close();
    return {
      traces: rows,
      rebuilds: [
        { store: 'PGlite', ...rebuiltLite },
        { store: 'PostgreSQL 15', ...rebuiltPg },
      ],
      freshness: { writes: fresh.length, p50: f95.p50, p95: f95.p95 },
    };
  } finally {
    await pglite.close();
    await postgres.close();
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
    admin.close();
  }
}

/** The figures as markdown, with the ratios the targets are stated in. */
export function readModelSection(r: ReadModelResults): string[] {
  const row = (kind: ReadModelTraceRow['kind'], store?: ReadModelTraceRow['store']) =>
    r.traces.find((t) => t.kind === kind && (store === undefined || t.store === store));
  const answer = row('cte-answer', 'PostgreSQL 15');
  const ids = row('cte', 'PostgreSQL 15');
  const ratio = (t: ReadModelTraceRow, to: ReadModelTraceRow | undefined, dir: 'backwardMs' | 'forwardMs') =>
    to === undefined ? '–' : `${(t[dir] / to[dir]).toFixed(1)}×`;
  const lines = [
    '## Read model (depth-10 traces of 1,023 lots, rebuild, freshness)',
    '',
    '| trace, depth 10, 1,023 lots (median ms) | backward | forward | / answer CTE on PostgreSQL (b / f) | / ids-only CTE on PostgreSQL (b / f) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...r.traces.map(
      (t) =>
        `| ${t.label} | ${t.backwardMs.toFixed(1)} | ${t.forwardMs.toFixed(1)} | ${ratio(t, answer, 'backwardMs')} / ${ratio(t, answer, 'forwardMs')} | ${ratio(t, ids, 'backwardMs')} / ${ratio(t, ids, 'forwardMs')} |`,
    ),
    '',
  ];
  const chain = row('api-chaincode');
  const worst = (t: ReadModelTraceRow, to: ReadModelTraceRow) => Math.max(t.backwardMs / to.backwardMs, t.forwardMs / to.forwardMs);
  for (const store of ['PGlite', 'PostgreSQL 15'] as const) {
    const api = row('api-read-model', store);
    if (api === undefined) continue;
    const verdicts = [answer, ids]
      .filter((to): to is ReadModelTraceRow => to !== undefined)
      .map(
        (to) =>
          `${worst(api, to).toFixed(1)}× the ${to.kind === 'cte' ? 'ids-only' : 'answer-building'} CTE (${worst(api, to) <= 2 ? 'met' : '**missed**'})`,
      );
    lines.push(`Target ≤ 2× the bare PostgreSQL CTE through the API, read model on ${store}: ${verdicts.join('; ')}.`);
    if (chain !== undefined)
      lines.push(
        `  Through the same API, the read model on ${store} answers ${(chain.backwardMs / api.backwardMs).toFixed(1)}× (backward) and ${(chain.forwardMs / api.forwardMs).toFixed(1)}× (forward) faster than the chaincode.`,
      );
  }
  lines.push(
    '',
    '| rebuild from block 0 | blocks | lots | s | lots/s | peak RSS MiB (bench process) | on disk MiB (WAL apart) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const x of r.rebuilds)
    lines.push(
      `| ${x.store} | ${x.blocks} | ${x.lots} | ${x.seconds.toFixed(1)} | ${x.lotsPerSecond.toFixed(0)} | ${x.store === 'PGlite' ? x.peakMiB.toFixed(0) : '–'} | ${x.diskMiB.toFixed(0)}${x.walMiB === undefined ? '' : ` (+ ${x.walMiB.toFixed(0)} WAL)`} |`,
    );
  const slowest = Math.min(...r.rebuilds.map((x) => x.lotsPerSecond));
  lines.push(
    '',
    `Target ≥ 2,000 lots/s: slowest store ${slowest.toFixed(0)} lots/s, ${slowest >= 2000 ? 'met' : '**missed**'}.`,
    '',
    `Freshness (a CreateLot's 201, then \`GET /lots?minBlock=\` of its block answered, ${r.freshness.writes} writes one after another): p50 ${r.freshness.p50.toFixed(0)} ms, p95 ${r.freshness.p95.toFixed(0)} ms; target p95 < 250 ms: ${r.freshness.p95 < 250 ? 'met' : '**missed**'}.`,
  );
  return lines;
}

if (require.main === module) {
  benchReadModel(loadConfig()).then(
    (results) => {
      process.stdout.write(`\n${readModelSection(results).join('\n')}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`read-model bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
