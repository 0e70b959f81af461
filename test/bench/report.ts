/** The markdown report of one benchmark run, and its one-screen summary. */
import type { EvidenceTiming } from './evidence';
import { readModelSection, type ReadModelResults } from './read-model';
import type { CallProfile } from './metrics';
import type { RssByKind } from './rss';
import { fmt } from './stats';
import type { LoadResult, TraceTiming } from './traces';
import { kneeOf, type SweepLevel } from './sweep';

/** Everything one run measured. */
export interface BenchResults {
  startedAt: string;
  host: string;
  command: string;
  settings: Record<string, string | number>;
  writes?: { levels: SweepLevel[]; profile: Record<string, CallProfile>; apiNote: string };
  traces?: {
    loads: (LoadResult & { label: string })[];
    ledger: TraceTiming[];
    /** Through PartsCo's API from its read model, on each store. */
    readModel: (TraceTiming & { store: 'PGlite' | 'PostgreSQL 15' })[];
    postgres: TraceTiming[];
    postgresVersion: string;
    postgresLoadMs: number[];
    profile: Record<string, CallProfile>;
  };
  evidence?: EvidenceTiming[];
  readModel?: ReadModelResults;
  rss: RssByKind[];
  notes: string[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

const of = (l: SweepLevel, k: string) => l.results.find((r) => r.key === k);

/** The curve: one row per concurrency level, every variant side by side. */
function curveTable(levels: readonly SweepLevel[], keys: readonly string[]): string[] {
  const lines = [
    `| concurrency | ${keys.map((k) => `${k} tx/s | ${k} p50 / p95 ms`).join(' | ')} | a/b | b/c |`,
    `| ---: | ${keys.map(() => '---: | ---:').join(' | ')} | ---: | ---: |`,
  ];
  for (const l of levels) {
    const cells = keys.map((k) => {
      const r = of(l, k);
      return r === undefined ? '– | –' : `${fmt(r.txPerSec)} | ${fmt(r.latency.p50, 0)} / ${fmt(r.latency.p95, 0)}`;
    });
    const [a, b, c] = [of(l, 'api'), of(l, 'gateway'), of(l, 'baseline')];
    const ab = a && b ? fmt(ratio(a.txPerSec, b.txPerSec), 2) : '–';
    const bc = b && c ? fmt(ratio(b.txPerSec, c.txPerSec), 2) : '–';
    lines.push(`| ${l.concurrency} | ${cells.join(' | ')} | ${ab} | ${bc} |`);
  }
  return lines;
}

/** CPU per committed write: the benchmark process (client) and the API process, per level. */
function cpuTable(levels: readonly SweepLevel[], keys: readonly string[]): string[] {
  const lines = [
    'CPU ms per committed write (user + system; the client is the benchmark process, the server the API process):',
    '',
    `| concurrency | ${keys.map((k) => `${k} client`).join(' | ')} | api server |`,
    `| ---: | ${keys.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const l of levels) {
    lines.push(
      `| ${l.concurrency} | ${keys.map((k) => fmt(of(l, k)?.clientCpuMsPerTx ?? Number.NaN, 2)).join(' | ')} | ${fmt(of(l, 'api')?.serverCpuMsPerTx ?? Number.NaN, 2)} |`,
    );
  }
  return lines;
}

/** The knees, and the ratios at the gateway's knee. */
function kneeLines(w: NonNullable<BenchResults['writes']>, keys: readonly string[]): string[] {
  const knees = keys.map((k) => ({ k, knee: kneeOf(w.levels, k) }));
  const lines = [
    `- knee (lowest concurrency within 90 % of the variant's best tx/s): ${knees.map(({ k, knee }) => `${k} ${knee ?? '–'}`).join(', ')}`,
  ];
  const kneeB = knees.find((x) => x.k === 'gateway')?.knee;
  const atKnee = w.levels.find((l) => l.concurrency === kneeB);
  const [a, b, c] = atKnee === undefined ? [] : [of(atKnee, 'api'), of(atKnee, 'gateway'), of(atKnee, 'baseline')];
  if (a && b) {
    const ab = ratio(a.txPerSec, b.txPerSec);
    lines.push(
      `- a/b at the gateway's knee (concurrency ${kneeB}) = **${fmt(ab, 2)}** (target ≥ 0.9: ${verdict(ab >= 0.9)}); p50 latency a/b = ${fmt(ratio(a.latency.p50, b.latency.p50), 2)}`,
    );
  } else lines.push(`- a/b: not measured (${w.apiNote})`);
  if (b && c) {
    const bc = ratio(b.txPerSec, c.txPerSec);
    lines.push(`- b/c at the same level = **${fmt(bc, 2)}** (target ≥ 1.0: ${verdict(bc >= 1.0)})`);
  }
  return lines;
}

/** Failures per level and variant, with messages grouped (transaction ids elided). */
function failureLines(levels: readonly SweepLevel[]): string[] {
  const lines: string[] = [];
  for (const l of levels) {
    for (const r of l.results.filter((x) => x.failed > 0)) {
      const grouped = new Map<string, number>();
      for (const [m, n] of r.errors) {
        const key = m.replace(/[0-9a-f]{64}/g, '…').slice(0, 160);
        grouped.set(key, (grouped.get(key) ?? 0) + n);
      }
      lines.push(
        `- concurrency ${l.concurrency}, ${r.key}: ${r.failed} failed: ${[...grouped].map(([m, n]) => `${n} × \`${m}\``).join('; ')}`,
      );
    }
  }
  return lines;
}

function writesSection(w: NonNullable<BenchResults['writes']>): string[] {
  const keys = w.levels[0]?.results.map((r) => r.key) ?? [];
  const labels = w.levels[0]?.results.map((r) => `${r.key} = ${r.label}`) ?? [];
  const lines = [
    `## Writes: throughput by concurrency (levels ${w.levels.map((l) => l.concurrency).join(', ')}; variants alternated round by round at each level)`,
    '',
    `Variants: ${labels.join('; ')}.`,
    '',
    ...curveTable(w.levels, keys),
    '',
    ...kneeLines(w, keys),
    ...failureLines(w.levels),
    '',
    ...cpuTable(w.levels, keys),
  ];
  if (Object.keys(w.profile).length > 0) {
    lines.push(
      '',
      '### Where a write spends its time (peer metrics, summed over the endorsing peers, per transaction, sequential calls)',
      '',
      ...profileTable(w.profile),
    );
  }
  return lines;
}

function profileTable(profile: Record<string, CallProfile>): string[] {
  return [
    '| call | client ms/call | peer proposal ms/call | peer shim-serving ms/call | shim requests per call |',
    '| --- | ---: | ---: | ---: | --- |',
    ...Object.entries(profile).map(
      ([k, p]) =>
        `| ${k} | ${fmt(p.clientMs)} | ${fmt(p.peerMs)} | ${fmt(p.shimMs)} | ${Object.entries(p.shimPerCall)
          .sort((x, y) => y[1] - x[1])
          .map(([t, n]) => `${t} ${fmt(n, 0)}`)
          .join(', ')} |`,
    ),
  ];
}

function tracesSection(t: NonNullable<BenchResults['traces']>): string[] {
  const lines = ['## Traces (depth 10, ≈1000 nodes)', ''];
  lines.push('| bulk load | lots requested | lots loaded | transactions | time s | lots/s | stopped by time budget | errors |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const l of t.loads) {
    lines.push(
      `| ${l.label} | ${l.requested} | ${l.loaded} | ${l.transactions} | ${fmt(l.elapsedMs / 1000)} | ${fmt(l.lotsPerSec)} | ${l.stoppedByBudget ? 'yes' : 'no'} | ${l.errors.slice(0, 2).join('; ') || '–'} |`,
    );
  }
  lines.push(
    '',
    `PostgreSQL: ${t.postgresVersion}; COPY + ANALYZE took ${t.postgresLoadMs.map((m) => fmt(m / 1000, 2)).join(' s, ')} s.`,
    '',
  );
  lines.push(
    '| graph lots | direction | nodes | edges | ledger median ms | CTE median ms | ledger / CTE | ledger answer checked | CTE answer checked |',
  );
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const l of t.ledger) {
    const p = t.postgres.find((x) => x.direction === l.direction && x.graphLots === l.graphLots);
    lines.push(
      `| ${l.graphLots} | ${l.direction} | ${l.nodes} | ${l.edges} | ${fmt(l.medianMs)} | ${fmt(p?.medianMs ?? Number.NaN, 2)} | ${fmt(ratio(l.medianMs, p?.medianMs ?? 0), 0)}× | ${l.correct ? 'yes' : 'NO'} | ${p?.correct ? 'yes' : 'NO'} |`,
    );
  }
  lines.push(...readModelTraceRows(t), ...sizeRatios(t));
  if (t.ledger.length === 0) return [...lines, '- ledger traces: not measured (see the notes)'];
  const worst = Math.max(
    ...t.ledger.map((l) =>
      ratio(l.medianMs, t.postgres.find((p) => p.direction === l.direction && p.graphLots === l.graphLots)?.medianMs ?? 0),
    ),
  );
  lines.push(`- ledger trace / CTE: worst ${fmt(worst, 0)}× (target ≤ 2×: ${verdict(worst <= 2)})`);
  if (Object.keys(t.profile).length > 0) {
    lines.push(
      '',
      "### Where a trace or an import spends its time (peer metrics of the caller's own peer, per call)",
      '',
      ...profileTable(t.profile),
    );
  }
  return lines;
}

/** The same traces through PartsCo's API from its read model, on each store, against the CTE of the same graph. */
function readModelTraceRows(t: NonNullable<BenchResults['traces']>): string[] {
  if (t.readModel.length === 0) return [];
  const lines = [
    '',
    "Through PartsCo's API (HTTP, JWT, JSON) from its read model, which indexed the graph while it was imported, the same roots:",
    '',
    '| graph lots | direction | store | nodes | median ms | CTE median ms | API / CTE | ledger / API | answer checked | load average |',
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  let worst = 0;
  for (const r of t.readModel) {
    const p = t.postgres.find((x) => x.direction === r.direction && x.graphLots === r.graphLots);
    const l = t.ledger.find((x) => x.direction === r.direction && x.graphLots === r.graphLots);
    const toCte = ratio(r.medianMs, p?.medianMs ?? 0);
    worst = Math.max(worst, toCte);
    lines.push(
      `| ${r.graphLots} | ${r.direction} | ${r.store} | ${r.nodes} | ${fmt(r.medianMs)} | ${fmt(p?.medianMs ?? Number.NaN, 2)} | ${fmt(toCte, 2)}× | ${fmt(ratio(l?.medianMs ?? 0, r.medianMs), 0)}× | ${r.correct ? 'yes' : 'NO'} | ${fmt(r.loadAverage ?? Number.NaN, 1)} |`,
    );
  }
  lines.push('', `- read-model trace through the API / CTE: worst ${fmt(worst, 2)}× (target ≤ 2×: ${verdict(worst <= 2)})`);
  return lines;
}

function sizeRatios(t: NonNullable<BenchResults['traces']>): string[] {
  const lines: string[] = [];
  const sizes = [...new Set(t.ledger.map((l) => l.graphLots))].sort((a, b) => a - b);
  if (sizes.length >= 2) {
    const [small, large] = [sizes[0] as number, sizes[sizes.length - 1] as number];
    lines.push('');
    for (const dir of ['backward', 'forward'] as const) {
      const s = t.ledger.find((l) => l.graphLots === small && l.direction === dir);
      const g = t.ledger.find((l) => l.graphLots === large && l.direction === dir);
      const ps = t.postgres.find((l) => l.graphLots === small && l.direction === dir);
      const pg = t.postgres.find((l) => l.graphLots === large && l.direction === dir);
      if (s && g) {
        const r = ratio(g.medianMs, s.medianMs);
        lines.push(
          `- ${dir}: ledger ${large}/${small} = **${fmt(r, 2)}** (target ≤ 1.3 for 100k/10k: ${verdict(r <= 1.3)}${large < 100_000 ? `, measured at ${large} lots, not 100k` : ''}); PostgreSQL ${large}/${small} = ${fmt(ratio(pg?.medianMs ?? 0, ps?.medianMs ?? 0), 2)}`,
        );
      }
      for (const store of ['PGlite', 'PostgreSQL 15'] as const) {
        const rs = t.readModel.find((l) => l.graphLots === small && l.direction === dir && l.store === store);
        const rg = t.readModel.find((l) => l.graphLots === large && l.direction === dir && l.store === store);
        if (rs && rg) {
          const r = ratio(rg.medianMs, rs.medianMs);
          lines.push(`  - read model through the API (${store}) ${large}/${small} = **${fmt(r, 2)}** (target ≤ 1.3: ${verdict(r <= 1.3)})`);
        }
      }
    }
  }
  return lines;
}

/** The report as markdown. */
function evidenceSection(timings: readonly EvidenceTiming[]): string[] {
  const largest = timings.reduce<EvidenceTiming | undefined>((a, t) => (a === undefined || t.records > a.records ? t : a), undefined);
  return [
    '## Evidence bundles (exported from the Bank peer, verified offline)',
    '',
    '| records | blocks | export ms | verify ms | verify / export | bundle bytes | bytes per record |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...timings.map(
      (t) =>
        `| ${t.records} | ${t.blocks} | ${fmt(t.exportMs, 0)} | ${fmt(t.verifyMs, 0)} | ${fmt(ratio(t.verifyMs, t.exportMs), 2)} | ${t.bytes} | ${fmt(t.bytes / t.records, 0)} |`,
    ),
    '',
    largest === undefined
      ? 'No bundle was measured.'
      : `Target: verifying ${largest.records} records takes less than fetching them: ${fmt(largest.verifyMs, 0)} ms vs ${fmt(largest.exportMs, 0)} ms, ${verdict(largest.verifyMs < largest.exportMs)}.`,
  ];
}

export function renderReport(r: BenchResults): string {
  const lines = [
    '# Lotline benchmark report',
    '',
    `Generated by \`${r.command}\` on ${r.startedAt} (${r.host}). Absolute figures on a shared 2-core machine are noisy; compare the ratios, which come from the same run.`,
    '',
    'Settings: ' +
      Object.entries(r.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    '',
    '![benchmark chart](bench.png)',
    '',
  ];
  if (r.writes) lines.push(...writesSection(r.writes), '');
  if (r.traces) lines.push(...tracesSection(r.traces), '');
  if (r.evidence) lines.push(...evidenceSection(r.evidence), '');
  if (r.readModel) lines.push(...readModelSection(r.readModel), '');
  lines.push(
    '## Peak resident memory (VmHWM) per process kind',
    '',
    '| kind | processes | max MiB | sum MiB |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const k of r.rss) lines.push(`| ${k.kind} | ${k.processes} | ${fmt(k.maxMiB, 0)} | ${fmt(k.sumMiB, 0)} |`);
  if (r.notes.length > 0) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
