/**
 * Load test: LOAD_WRITES (10 000) lot creations through the HTTP APIs of the
 * three firms that write (City, PartsCo, AssemblyCo; the Bank is read-only,
 * so its API does the read-back), with at most LOAD_CONCURRENCY requests in
 * flight (a closed loop: the rate is the highest the network sustains), and
 * at most LOAD_MAX_S seconds. Afterwards every acknowledged write (201) is
 * read back through the Bank's API; the count of missing ones must be 0.
 *
 * Loopback only: the APIs are the runner's own, on 127.0.0.1.
 */
import { closedLoop, fmt, summarise } from '../bench/stats';
import { newLot } from '../src/support/lots';
import { uniqueId } from '../src/support/network';
import { apiFetch } from '../src/faults/api';
import { missingAfterReadBack } from '../src/faults/support';

const WRITERS = [
  { org: 'City', msp: 'CityMSP' },
  { org: 'PartsCo', msp: 'PartsCoMSP' },
  { org: 'AssemblyCo', msp: 'AssemblyCoMSP' },
] as const;

/** Figures of one load run. */
export interface LoadFigures {
  requested: number;
  started: number;
  acknowledged: number;
  failed: number;
  failures: [string, number][];
  elapsedS: number;
  perSec: number;
  p50: number;
  p95: number;
  p99: number;
  readBackS: number;
  missing: number;
}

/** Runs the load test; resolves with its figures (missing must be 0). */
export async function runLoad(
  options = {
    writes: Number(process.env.LOAD_WRITES ?? 10_000),
    concurrency: Number(process.env.LOAD_CONCURRENCY ?? 24),
    maxSeconds: Number(process.env.LOAD_MAX_S ?? 2400),
  },
): Promise<LoadFigures> {
  const prefix = uniqueId('LOAD');
  const acked: { org: string; id: string }[] = [];
  const failures = new Map<string, number>();
  const result = await closedLoop(options.writes, options.concurrency, options.maxSeconds * 1000, async (i) => {
    const w = WRITERS[i % WRITERS.length] as (typeof WRITERS)[number];
    const lot = newLot(w.msp, `${prefix}-${i}`);
    const res = await apiFetch(w.org, 'qm1', 'POST', '/lots', lot);
    if (res.status !== 201) {
      const key = `${res.status} ${res.body.code ?? ''}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
      throw new Error(key);
    }
    acked.push({ org: w.org, id: lot.id });
    if (i % 500 === 0) console.log(`  load: ${i} started, ${acked.length} acknowledged`);
  });
  const lat = summarise(result.latencies);
  const t0 = performance.now();
  const missing = await missingAfterReadBack(
    acked.map((a) => a.id),
    async (id) => {
      const res = await apiFetch('Bank', 'auditor1', 'GET', `/lots/${encodeURIComponent(id)}`);
      return res.status === 200 && res.body.id === id;
    },
    16,
  );
  const figures: LoadFigures = {
    requested: options.writes,
    started: result.started,
    acknowledged: acked.length,
    failed: result.started - acked.length,
    failures: [...failures.entries()],
    elapsedS: result.elapsedMs / 1000,
    perSec: (acked.length * 1000) / result.elapsedMs,
    p50: lat.p50,
    p95: lat.p95,
    p99: lat.p99,
    readBackS: (performance.now() - t0) / 1000,
    missing: missing.length,
  };
  console.log(
    `load: ${figures.acknowledged}/${figures.requested} writes acknowledged in ${fmt(figures.elapsedS)} s (${fmt(figures.perSec)} writes/s, ` +
      `concurrency ${options.concurrency}, p50 ${fmt(figures.p50, 0)} ms, p95 ${fmt(figures.p95, 0)} ms, p99 ${fmt(figures.p99, 0)} ms); ` +
      `${figures.failed} failed ${JSON.stringify(figures.failures)}; read back through the Bank API in ${fmt(figures.readBackS)} s: ${figures.missing} missing`,
  );
  if (missing.length > 0) console.log(`  missing ids (first 20): ${missing.slice(0, 20).join(', ')}`);
  return figures;
}
