/**
 * Write benchmark: the same CreateLot (two inputs) through the HTTP API and
 * directly through fabric-gateway, and the single-putState baseline, at the
 * same concurrency in the same run. Variants alternate round by round (the
 * order rotates), so drift in machine load spreads over all of them.
 */
import type { NetworkConfig } from '../../network/src/config';
import { BASELINE_CHAINCODE } from './baseline';
import { benchContract, type BenchContract } from './fabric';
import { closedLoop, summarise, type LatencySummary } from './stats';
import { progress } from './log';

/** One way of committing a write. */
export interface WriteVariant {
  key: string;
  label: string;
  /** The chaincode it calls (its peers' counters are scraped by this name). */
  chaincode: string;
  /** Commits write number `i` from worker `worker`; resolves after the commit. */
  op(i: number, worker: number): Promise<void>;
  /** CPU time used so far, in ms, by a server process between the client and the peer (the API), when there is one. */
  serverCpuMs?: () => number;
}

/** Figures of one variant over all rounds. */
export interface WriteResult {
  key: string;
  label: string;
  committed: number;
  failed: number;
  txPerSec: number;
  latency: LatencySummary;
  errors: [string, number][];
  /** CPU ms of the benchmark process (the client: fetch or fabric-gateway) per committed write. */
  clientCpuMsPerTx: number;
  /** CPU ms of the variant's server process (the API) per committed write; NaN when it has none. */
  serverCpuMsPerTx: number;
}

/** Options of the write benchmark. */
export interface WriteOptions {
  concurrency: number;
  /** Transactions per variant per round. */
  perRound: number;
  rounds: number;
  /** Upper bound on one variant's round, in ms. */
  roundDeadlineMs: number;
  /** Writes per variant before the timed rounds (default 2 × concurrency). */
  warmUp?: number;
  /** Index of the first write (ids must not repeat across calls on one ledger). */
  firstIndex?: number;
}

/** A lot that CreateLot accepts: `amount` EA made from two inputs of 1 EA each. */
export function twoInputLot(mspId: string, id: string, inputs: readonly [string, string]): Record<string, unknown> {
  return {
    id: `${mspId}:${id}`,
    product: { code: 'BENCH-ASSY', name: 'Bench assembly' },
    quantity: { amount: 2, unit: 'EA' },
    inputs: inputs.map((lotId) => ({ lotId, quantity: { amount: 1, unit: 'EA' } })),
    process: { site: 'Bench site', line: 'Line W' },
  };
}

/**
 * Creates two large input lots per worker (one ImportLots transaction), so no
 * two concurrent writes consume the same lot and MVCC conflicts cannot skew
 * the comparison. Returns the pairs, indexed by worker.
 */
export async function createInputPairs(c: BenchContract, mspId: string, runId: string, workers: number): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  const lots: Record<string, unknown>[] = [];
  for (let w = 0; w < workers; w++) {
    const ids: [string, string] = [`${mspId}:${runId}-in-${w}-a`, `${mspId}:${runId}-in-${w}-b`];
    pairs.push(ids);
    for (const id of ids) {
      lots.push({
        id,
        product: { code: 'BENCH-RAW', name: 'Bench raw material' },
        quantity: { amount: 1_000_000, unit: 'EA' },
        inputs: [],
        process: { site: 'Bench site', line: 'Line R' },
      });
    }
  }
  await c.contract.submitTransaction('ImportLots', JSON.stringify({ lots }));
  return pairs;
}

/** The fabric-gateway variant: CreateLot submitted directly, as `user` of `orgRef`. */
export function gatewayVariant(c: BenchContract, mspId: string, runId: string, pairs: [string, string][]): WriteVariant {
  return {
    key: 'gateway',
    label: '(b) CreateLot via fabric-gateway',
    chaincode: c.contract.getChaincodeName(),
    async op(i, worker) {
      const lot = twoInputLot(mspId, `${runId}-gw-${i}`, pairs[worker] as [string, string]);
      await c.contract.submitTransaction('CreateLot', JSON.stringify(lot));
    },
  };
}

/** The baseline variant: Baseline:PutValue of the benchmark's own chaincode (see baseline.ts), one putState. */
export function baselineVariant(config: NetworkConfig, orgRef: string, user: string, runId: string): WriteVariant & { close(): void } {
  const c = benchContract(config, orgRef, user, 'Baseline', undefined, BASELINE_CHAINCODE);
  return {
    key: 'baseline',
    label: '(c) Baseline:PutValue (one putState)',
    chaincode: BASELINE_CHAINCODE,
    async op(i) {
      await c.contract.submitTransaction('PutValue', `${runId}-base-${i}`, 'bench');
    },
    close: () => c.close(),
  };
}

/** How many write indices {@link runWrites} uses per variant. */
export function writesOf(options: WriteOptions): number {
  return (options.warmUp ?? options.concurrency * 2) + options.rounds * options.perRound;
}

/** Runs every variant `rounds` times, rotating the order, after one short warm-up each. Uses `writesOf(options)` indices from `firstIndex`. */
export async function runWrites(variants: WriteVariant[], options: WriteOptions): Promise<WriteResult[]> {
  const acc = new Map(
    variants.map((v) => [
      v.key,
      { latencies: [] as number[], elapsedMs: 0, failed: 0, errors: new Map<string, number>(), clientCpuMs: 0, serverCpuMs: 0 },
    ]),
  );
  const offsets = new Map(variants.map((v) => [v.key, options.firstIndex ?? 0]));
  const run = async (v: WriteVariant, count: number) => {
    const base = offsets.get(v.key) ?? 0;
    offsets.set(v.key, base + count);
    return closedLoop(count, options.concurrency, options.roundDeadlineMs, (i, w) => v.op(base + i, w));
  };
  for (const v of variants) {
    const warm = await run(v, options.warmUp ?? options.concurrency * 2);
    progress(`writes: warm-up ${v.key}: ${warm.latencies.length} ok, ${warm.started - warm.latencies.length} failed`);
  }
  for (let r = 0; r < options.rounds; r++) {
    const order = variants.map((_, k) => variants[(k + r) % variants.length] as WriteVariant);
    for (const v of order) {
      const cpu0 = process.cpuUsage();
      const server0 = v.serverCpuMs?.() ?? Number.NaN;
      const res = await run(v, options.perRound);
      const cpu = process.cpuUsage(cpu0);
      const a = acc.get(v.key);
      if (a === undefined) continue;
      a.clientCpuMs += (cpu.user + cpu.system) / 1000;
      a.serverCpuMs += (v.serverCpuMs?.() ?? Number.NaN) - server0;
      a.latencies.push(...res.latencies);
      a.elapsedMs += res.elapsedMs;
      a.failed += res.started - res.latencies.length;
      for (const [m, n] of res.errors) a.errors.set(m, (a.errors.get(m) ?? 0) + n);
      progress(
        `writes: c=${options.concurrency} round ${r + 1}/${options.rounds} ${v.key}: ${((res.latencies.length * 1000) / res.elapsedMs).toFixed(1)} tx/s`,
      );
    }
  }
  return variants.map((v) => {
    const a = acc.get(v.key) ?? {
      latencies: [],
      elapsedMs: 1,
      failed: 0,
      errors: new Map<string, number>(),
      clientCpuMs: 0,
      serverCpuMs: 0,
    };
    return {
      key: v.key,
      label: v.label,
      committed: a.latencies.length,
      failed: a.failed,
      txPerSec: (a.latencies.length * 1000) / Math.max(1, a.elapsedMs),
      latency: summarise(a.latencies),
      errors: [...a.errors.entries()],
      clientCpuMsPerTx: a.clientCpuMs / Math.max(1, a.latencies.length),
      serverCpuMsPerTx: a.serverCpuMs / Math.max(1, a.latencies.length),
    };
  });
}
