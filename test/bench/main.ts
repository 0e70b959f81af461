/**
 * `npm run bench`: brings up its own network (a temporary data folder, ports
 * shifted by LOTLINE_PORT_OFFSET, 6000 by default) unless LOTLINE_DATA_DIR
 * names one, runs the write and trace benchmarks, and writes
 * bench/results/report.md and bench/results/bench.png.
 *
 * Sizes come from BENCH_* variables (see bench/README.md); BENCH_QUICK=1 is a
 * small development run. Every loop is bounded in count and time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostname } from 'node:os';
import { findOrg, loadConfig, type NetworkConfig } from '../../network/src/config';
import { startNetwork, stopNetwork } from '../../network/src/network';
import { chartSvg, renderPng, type Panel } from './chart';
import { deployBaseline, stopBaseline } from './baseline';
import { benchEvidence } from './evidence';
import { benchContract } from './fabric';
import { progress } from './log';
import { profileOf, scrapePeer, type CallProfile, type PeerCounters } from './metrics';
import { csvDir, startPostgres } from './postgres';
import { renderReport, type BenchResults } from './report';
import { benchReadModel, partsCoApi } from './read-model';
import { peakRss } from './rss';
import {
  apiTraces,
  createSchema,
  ledgerTraces,
  loadGraph,
  loadPostgres,
  postgresTraces,
  waitIndexed,
  type ApiGet,
  type TraceTiming,
} from './traces';
import { baselineVariant, createInputPairs, gatewayVariant, type WriteVariant } from './writes';
import { parseLevels, sweepWrites } from './sweep';
import { startApiVariant, startPostgresApi, type ApiVariant, type PostgresApi } from './api';

const quick = process.env.BENCH_QUICK === '1';
const num = (name: string, normal: number, small: number) => Number(process.env[name] ?? (quick ? small : normal));

/** Concurrency levels of the write sweep: BENCH_WRITE_LEVELS, or the one level BENCH_CONCURRENCY (the earlier knob). */
const writeLevels = parseLevels(process.env.BENCH_WRITE_LEVELS ?? process.env.BENCH_CONCURRENCY ?? (quick ? '4,16' : '8,32,64,128'));

const settings = {
  writeLevels: writeLevels.join(' '),
  writesPerRound: num('BENCH_WRITES_PER_ROUND', 120, 20),
  rounds: num('BENCH_ROUNDS', 3, 2),
  traceSmall: num('BENCH_TRACE_SMALL', 10_000, 2_816),
  traceLarge: num('BENCH_TRACE_LARGE', 100_000, 5_632),
  loadBudgetSec: num('BENCH_LOAD_BUDGET_S', 1200, 300),
  importParallel: num('BENCH_IMPORT_PARALLEL', 2, 2),
  importBatch: num('BENCH_IMPORT_BATCH', 200, 200),
  traceReps: num('BENCH_TRACE_REPS', 5, 2),
  evidenceSizes: process.env.BENCH_EVIDENCE_SIZES ?? (quick ? '10,100' : '10,100,1000'),
};
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const MSP = 'PartsCoMSP';
/** Peak RSS of the API processes, taken before they are stopped. */
const apiRss: ReturnType<typeof peakRss> = [];
const RESULTS = path.join(__dirname, '..', '..', 'bench', 'results');

async function allPeers(config: NetworkConfig, chaincode: string): Promise<PeerCounters[]> {
  return Promise.all(config.orgs.map((o) => scrapePeer(o, chaincode)));
}

function sumCounters(list: PeerCounters[]): PeerCounters {
  const out: PeerCounters = { proposals: 0, proposalSeconds: 0, shimCount: new Map(), shimSeconds: new Map() };
  for (const c of list) {
    out.proposals += c.proposals;
    out.proposalSeconds += c.proposalSeconds;
    for (const [k, v] of c.shimCount) out.shimCount.set(k, (out.shimCount.get(k) ?? 0) + v);
    for (const [k, v] of c.shimSeconds) out.shimSeconds.set(k, (out.shimSeconds.get(k) ?? 0) + v);
  }
  return out;
}

/** Sequential calls of one variant between two scrapes of every peer. */
async function profileWrite(config: NetworkConfig, v: WriteVariant, calls: number, offset: number): Promise<CallProfile> {
  const before = sumCounters(await allPeers(config, v.chaincode));
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await v.op(offset + i, 0);
  const elapsed = performance.now() - t0;
  return profileOf(before, sumCounters(await allPeers(config, v.chaincode)), calls, elapsed);
}

async function benchWrites(config: NetworkConfig, runId: string, results: BenchResults): Promise<void> {
  await deployBaseline(config);
  const writer = benchContract(config, 'PartsCo', 'admin1');
  const baseline = baselineVariant(config, 'PartsCo', 'admin1', runId);
  const api = await startApiVariant(config, runId);
  try {
    const pairs = await createInputPairs(writer, MSP, runId, Math.max(...writeLevels));
    const variants: WriteVariant[] = [];
    if (api.variant) variants.push(api.variant(pairs));
    variants.push(gatewayVariant(writer, MSP, runId, pairs), baseline);
    const levels = await sweepWrites(variants, {
      levels: writeLevels,
      perRound: settings.writesPerRound,
      rounds: settings.rounds,
      roundDeadlineMs: 300_000,
    });
    const profile: Record<string, CallProfile> = {};
    for (const v of variants) profile[v.label] = await profileWrite(config, v, 10, 1_000_000);
    results.writes = { levels, profile, apiNote: api.note };
  } finally {
    writer.close();
    baseline.close();
    await stopBaseline(config);
    apiRss.push(...peakRss(config).filter((k) => k.kind === 'api'));
    await api.stop();
  }
}

async function timedTraces(
  config: NetworkConfig,
  prefix: string,
  lots: number,
  ledger: TraceTiming[],
  profile: Record<string, CallProfile>,
): Promise<void> {
  const reader = benchContract(config, 'City', 'auditor1', undefined, 300_000);
  const city = findOrg(config, 'City');
  try {
    for (const direction of ['backward', 'forward'] as const) {
      const before = await scrapePeer(city, config.chaincode);
      const t = await ledgerTraces(reader, MSP, prefix, lots, direction, settings.traceReps);
      const after = await scrapePeer(city, config.chaincode);
      ledger.push(t);
      // The scrape also covers the warm-up call, so count it.
      profile[`TraceLot ${direction}, ${lots} lots`] = profileOf(
        before,
        after,
        settings.traceReps + 1,
        t.timesMs.reduce((a, b) => a + b, 0) * ((settings.traceReps + 1) / settings.traceReps),
      );
      progress(`trace ${direction} @${lots}: ${t.nodes} nodes, median ${t.medianMs.toFixed(0)} ms`);
    }
  } finally {
    reader.close();
  }
}

async function benchTraces(config: NetworkConfig, runId: string, results: BenchResults): Promise<void> {
  const importer = benchContract(config, 'PartsCo', 'admin1', undefined, 600_000);
  const pg = await startPostgres();
  const csv = csvDir();
  const prefix = `g${runId}`;
  const t: NonNullable<BenchResults['traces']> = {
    loads: [],
    ledger: [],
    readModel: [],
    postgres: [],
    postgresVersion: pg.version,
    postgresLoadMs: [],
    profile: {},
  };
  results.traces = t;
  // The read models index the graph while it is imported, as they would in production: PartsCo's API (PGlite)
  // and a second PartsCo API whose read model is on the same PostgreSQL server as the CTE (its own schema).
  let apis: ApiVariant | undefined;
  let onPostgres: PostgresApi | undefined;
  const getter =
    (base: () => string | undefined, what: string): ApiGet =>
    async (urlPath) => {
      const res = await partsCoApi(config, base())('auditor1', 'GET', urlPath);
      if (res.status !== 200) throw new Error(`GET ${urlPath} (${what}): ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res.body;
    };
  const readModels = [
    { store: 'PGlite', get: getter(() => undefined, "PartsCo's API") },
    { store: 'PostgreSQL 15', get: getter(() => onPostgres?.url, "PartsCo's API on PostgreSQL") },
  ] as const;
  const readModelTraces = async (lots: number) => {
    for (const { store, get } of readModels) {
      await waitIndexed(get, `PartsCo's API (${store})`);
      for (const direction of ['backward', 'forward'] as const) {
        const timing = await apiTraces(get, MSP, prefix, lots, direction, settings.traceReps);
        t.readModel.push({ ...timing, store });
        progress(`read-model trace ${direction} @${lots} (${store}): ${timing.nodes} nodes, median ${timing.medianMs.toFixed(1)} ms`);
      }
    }
  };
  try {
    apis = await startApiVariant(config, runId);
    onPostgres = await startPostgresApi(
      config,
      findOrg(config, 'PartsCo'),
      `postgres://postgres@127.0.0.1:${pg.port}/postgres`,
      'bench_traces',
    );
    createSchema(pg);
    // BENCH_LOAD_BUDGET_S=0: no budget, the large graph is built whole however long it takes.
    const budgetMs = settings.loadBudgetSec > 0 ? settings.loadBudgetSec * 1000 : Number.POSITIVE_INFINITY;
    const importerPeer = findOrg(config, 'PartsCo');
    const beforeImport = await scrapePeer(importerPeer, config.chaincode);
    const small = await loadGraph(
      importer,
      MSP,
      prefix,
      { from: 0, to: settings.traceSmall },
      { batchSize: settings.importBatch, parallel: settings.importParallel, budgetMs },
    );
    t.loads.push({ label: `0 → ${settings.traceSmall}`, ...small });
    // Counters of the importer's own peer (one of the endorsers), per ImportLots transaction.
    t.profile[`ImportLots (${settings.importBatch} lots), 0 → ${settings.traceSmall}`] = profileOf(
      beforeImport,
      await scrapePeer(importerPeer, config.chaincode),
      Math.max(1, small.transactions),
      small.elapsedMs,
    );
    if (small.loaded < settings.traceSmall)
      throw new Error(`the ${settings.traceSmall}-lot graph did not load: ${small.errors.join('; ')}`);
    t.postgresLoadMs.push(loadPostgres(pg, csv, MSP, prefix, 0, settings.traceSmall));
    await timedTraces(config, prefix, settings.traceSmall, t.ledger, t.profile);
    for (const d of ['backward', 'forward'] as const)
      t.postgres.push(postgresTraces(pg, MSP, prefix, settings.traceSmall, d, settings.traceReps));
    await readModelTraces(settings.traceSmall);

    const remainingMs = Math.max(0, budgetMs - small.elapsedMs);
    const large = await loadGraph(
      importer,
      MSP,
      prefix,
      { from: settings.traceSmall, to: settings.traceLarge },
      { batchSize: settings.importBatch, parallel: settings.importParallel, budgetMs: remainingMs },
    );
    const reached = settings.traceSmall + large.loaded;
    t.loads.push({ label: `${settings.traceSmall} → ${settings.traceLarge}`, ...large });
    if (large.loaded > 0) {
      t.postgresLoadMs.push(loadPostgres(pg, csv, MSP, prefix, settings.traceSmall, reached));
      await timedTraces(config, prefix, reached, t.ledger, t.profile);
      for (const d of ['backward', 'forward'] as const) t.postgres.push(postgresTraces(pg, MSP, prefix, reached, d, settings.traceReps));
      await readModelTraces(reached);
    }
    if (reached < settings.traceLarge) {
      const rate = (small.loaded + large.loaded) / ((small.elapsedMs + large.elapsedMs) / 1000);
      results.notes.push(
        `The ${settings.traceLarge}-lot graph was not reached within the ${settings.loadBudgetSec} s load budget: ${reached} lots loaded at ${rate.toFixed(1)} lots/s, ` +
          `so ${settings.traceLarge} lots would need ≈ ${(settings.traceLarge / rate / 60).toFixed(0)} min on this machine. The size ratio is reported for ${reached}/${settings.traceSmall}.`,
      );
    }
  } finally {
    importer.close();
    await onPostgres?.stop();
    await apis?.stop();
    pg.stop();
    rmSync(csv, { recursive: true, force: true });
  }
}

function chartPanels(r: BenchResults): Panel[] {
  const panels: Panel[] = [];
  if (r.writes) {
    const levels = r.writes.levels;
    const keys = levels[0]?.results.map((w) => w.key) ?? [];
    const of = (l: (typeof levels)[number], k: string) => l.results.find((w) => w.key === k);
    panels.push({
      title: 'Writes by concurrency',
      unit: 'tx/s',
      series: keys,
      groups: levels.map((l) => ({ label: `c=${l.concurrency}`, values: keys.map((k) => of(l, k)?.txPerSec ?? Number.NaN) })),
    });
    panels.push({
      title: 'Commit latency p95 by concurrency',
      unit: 'ms',
      series: keys,
      groups: levels.map((l) => ({ label: `c=${l.concurrency}`, values: keys.map((k) => of(l, k)?.latency.p95 ?? Number.NaN) })),
    });
  }
  if (r.traces) {
    const t = r.traces;
    panels.push({
      title: 'Depth-10 trace, median',
      unit: 'ms',
      log: true,
      series: ['ledger', 'API, read model (PGlite)', 'API, read model (PostgreSQL)', 'PostgreSQL CTE'],
      groups: t.ledger.map((l) => {
        const same = (x: TraceTiming) => x.direction === l.direction && x.graphLots === l.graphLots;
        return {
          label: `${l.direction.slice(0, 4)} ${Math.round(l.graphLots / 1000)}k`,
          values: [
            l.medianMs,
            t.readModel.find((x) => same(x) && x.store === 'PGlite')?.medianMs ?? Number.NaN,
            t.readModel.find((x) => same(x) && x.store === 'PostgreSQL 15')?.medianMs ?? Number.NaN,
            t.postgres.find(same)?.medianMs ?? Number.NaN,
          ],
        };
      }),
    });
  }
  if (r.rss.length > 0) {
    panels.push({
      title: 'Peak RSS per process',
      unit: 'MiB',
      series: ['max'],
      groups: r.rss.map((k) => ({ label: k.kind, values: [k.maxMiB] })),
    });
  }
  return panels;
}

async function main(): Promise<void> {
  const reuse = process.env.LOTLINE_DATA_DIR !== undefined;
  process.env.LOTLINE_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'lotline-bench-'));
  process.env.LOTLINE_PORT_OFFSET ??= '6000';
  const config = loadConfig();
  const runId = `b${Date.now().toString(36)}`;
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    host: `${hostname()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg()[0]?.toFixed(1)} at start`,
    command: 'npm run bench',
    settings: { ...settings, quick: quick ? 1 : 0 },
    rss: [],
    notes: [],
  };
  progress(`network in ${config.dataDir}, ports offset by ${process.env.LOTLINE_PORT_OFFSET}`);
  try {
    await startNetwork(config);
    if (!skip.has('writes')) await benchWrites(config, runId, results);
    if (!skip.has('traces')) await benchTraces(config, runId, results);
    if (!skip.has('evidence')) {
      const sizes = settings.evidenceSizes.split(',').map(Number);
      results.evidence = await benchEvidence(config, runId, sizes, progress);
    }
    if (!skip.has('readmodel')) {
      // Through the APIs, which run the read models (started here unless they run already).
      const apis = await startApiVariant(config, runId);
      try {
        results.readModel = await benchReadModel(config);
      } finally {
        // The read model (indexer and PGlite) runs inside each API: this is their peak.
        apiRss.push(
          ...peakRss(config)
            .filter((k) => k.kind === 'api')
            .map((k) => ({ ...k, kind: 'api with read model (read-model bench)' })),
        );
        await apis.stop();
      }
    }
  } catch (err) {
    results.notes.push(`The run stopped early: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    results.rss = [...peakRss(config).filter((k) => k.kind !== 'api'), ...apiRss];
    mkdirSync(RESULTS, { recursive: true });
    const report = renderReport(results);
    writeFileSync(path.join(RESULTS, 'report.md'), report);
    const svg = chartSvg('Lotline benchmark', chartPanels(results));
    const png = await renderPng(svg, path.join(RESULTS, 'bench.png')).catch((e: unknown) => ({ ok: false, reason: String(e) }));
    if (!png.ok) progress(`no PNG chart: ${png.reason}`);
    process.stdout.write(`\n${report}\nreport: ${path.join(RESULTS, 'report.md')}\n`);
    if (reuse) progress('network left running (LOTLINE_DATA_DIR was given)');
    else {
      progress('tearing down the benchmark network');
      await stopNetwork(config);
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
