/** Latency statistics and a bounded closed-loop load driver, shared by the benchmarks and the load test. */

/** Summary of one set of latency samples, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** The q-quantile (0..1) of sorted samples, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** p50/p95/p99/mean/max of latency samples. */
export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

/** The median of a few repeated measurements. */
export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Result of one closed-loop run. */
export interface LoopResult {
  /** Latencies of the operations that succeeded, in ms. */
  latencies: number[];
  /** Error messages of the operations that failed (first line, counted). */
  errors: Map<string, number>;
  /** Wall time of the run, in ms. */
  elapsedMs: number;
  /** Operations started. */
  started: number;
}

/**
 * Runs `op(i, worker)` for i = 0..count-1 with at most `concurrency` in flight, stopping
 * early (no new operations) when `deadlineMs` has passed. Bounded in count and time.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  deadlineMs: number,
  op: (i: number, worker: number) => Promise<void>,
): Promise<LoopResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const t0 = performance.now();
  const stopAt = t0 + deadlineMs;
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < count && performance.now() < stopAt) {
      const i = next++;
      const start = performance.now();
      try {
        await op(i, w);
        latencies.push(performance.now() - start);
      } catch (err) {
        const message = errorText(err);
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, (_, w) => worker(w)));
  return { latencies, errors, elapsedMs: performance.now() - t0, started: next };
}

/** A one-line description of an error, including gRPC details when present. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const details = (err as Error & { details?: { message?: string }[] }).details;
  const detail = Array.isArray(details) && details.length > 0 ? ` [${details.map((d) => d.message ?? '').join('; ')}]` : '';
  return `${err.name}: ${err.message}${detail}`.split('\n')[0]?.slice(0, 300) ?? err.name;
}

/** Formats a number with a fixed number of decimals, or "–" when it is not finite. */
export function fmt(value: number, decimals = 1): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '–';
}

/** Sleeps for `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
