/**
 * The write-throughput sweep: the same variants (API, fabric-gateway, baseline)
 * at each concurrency level of BENCH_WRITE_LEVELS, in one run, and the knee of
 * each variant's curve.
 */
import { runWrites, writesOf, type WriteResult, type WriteVariant } from './writes';
import { progress } from './log';

/** One concurrency level and what every variant did at it. */
export interface SweepLevel {
  concurrency: number;
  results: WriteResult[];
}

/** Options of the sweep. */
export interface SweepOptions {
  levels: readonly number[];
  /** Writes per variant per round at the lowest level; a level writes at least 2 × its concurrency per round. */
  perRound: number;
  rounds: number;
  roundDeadlineMs: number;
}

/** Writes per variant per round at a level: enough for every worker to commit at least twice. */
export function writesPerRound(concurrency: number, perRound: number): number {
  return Math.max(perRound, 2 * concurrency);
}

/** Parses a list of concurrency levels (`8,32,64,128`): positive integers, ascending, no duplicates. */
export function parseLevels(text: string): number[] {
  const levels = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (levels.length === 0 || levels.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) {
    throw new Error(`BENCH_WRITE_LEVELS=${JSON.stringify(text)}: give concurrency levels as integers 1..1000, e.g. 8,32,64,128`);
  }
  return [...new Set(levels)].sort((a, b) => a - b);
}

/** Runs every level in ascending order (each after its own warm-up, variants rotated round by round). */
export async function sweepWrites(variants: WriteVariant[], options: SweepOptions): Promise<SweepLevel[]> {
  const out: SweepLevel[] = [];
  let firstIndex = 0;
  for (const concurrency of options.levels) {
    progress(`writes: concurrency ${concurrency}: ${variants.map((v) => v.key).join(', ')}`);
    const level = {
      concurrency,
      perRound: writesPerRound(concurrency, options.perRound),
      rounds: options.rounds,
      roundDeadlineMs: options.roundDeadlineMs,
      warmUp: concurrency,
      firstIndex,
    };
    out.push({ concurrency, results: await runWrites(variants, level) });
    firstIndex += writesOf(level);
  }
  return out;
}

/**
 * The knee of a variant's curve: the lowest concurrency whose throughput is
 * within `fraction` of the best throughput of any level (beyond it, more
 * writes in flight add latency, not throughput). Undefined when the variant
 * committed nothing.
 */
export function kneeOf(levels: readonly SweepLevel[], key: string, fraction = 0.9): number | undefined {
  const points = levels
    .map((l) => ({ concurrency: l.concurrency, tps: l.results.find((r) => r.key === key)?.txPerSec ?? 0 }))
    .filter((p) => p.tps > 0);
  const best = Math.max(0, ...points.map((p) => p.tps));
  return points.find((p) => p.tps >= fraction * best)?.concurrency;
}
