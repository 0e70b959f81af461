/**
 * Trace benchmark: bulk-load the lineage graph with ImportLots, time the
 * depth-10 backward and forward traces on the ledger, and the same walks as a
 * PostgreSQL recursive CTE over the same lots and edges.
 */
import { LedgerError, submitTransaction } from '@lotline/ledger-client';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { BenchContract } from './fabric';
import { decodeJson } from './fabric';
import { COMPONENT_SIZE, edgeRows, expectedClosure, graphLot, importChains, lotId, positions, type Position } from './graph';
import { progress } from './log';
import type { Postgres } from './postgres';
import { errorText, median } from './stats';

/** What a bulk load achieved. */
export interface LoadResult {
  requested: number;
  loaded: number;
  transactions: number;
  elapsedMs: number;
  lotsPerSec: number;
  stoppedByBudget: boolean;
  errors: string[];
}

/**
 * Imports lots [from, to) of the graph: one chain of batches per component,
 * `parallel` chains at a time, stopping between batches once `budgetMs` is spent.
 * Only fully committed components count as loaded when the budget stops the load.
 */
export async function loadGraph(
  c: BenchContract,
  mspId: string,
  prefix: string,
  range: { from: number; to: number },
  options: { batchSize: number; parallel: number; budgetMs: number },
): Promise<LoadResult> {
  const chains = importChains(mspId, prefix, range.from, range.to, options.batchSize);
  const t0 = performance.now();
  let loaded = 0;
  let transactions = 0;
  let stoppedByBudget = false;
  const errors: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < chains.length) {
      const chain = chains[next++] ?? [];
      for (const batch of chain) {
        if (performance.now() - t0 > options.budgetMs) {
          stoppedByBudget = true;
          return;
        }
        const outcome = await importBatch(c, batch);
        if (outcome.error !== undefined) {
          errors.push(outcome.error);
          return;
        }
        loaded += batch.length;
        transactions += outcome.attempts;
        if (transactions % 10 === 0)
          progress(`import ${prefix}: ${range.from + loaded} lots (${((loaded * 1000) / (performance.now() - t0)).toFixed(1)} lots/s)`);
      }
      progress(
        `import ${prefix}: ${range.from + loaded} lots on the ledger (${((loaded * 1000) / (performance.now() - t0)).toFixed(1)} lots/s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, worker));
  const elapsedMs = performance.now() - t0;
  return {
    requested: range.to - range.from,
    loaded,
    transactions,
    elapsedMs,
    lotsPerSec: (loaded * 1000) / elapsedMs,
    stoppedByBudget,
    errors,
  };
}

/**
 * Submits one ImportLots through the ledger client (its retry policy: conflicts
 * and divergent endorsements only). A failure is reported, not retried: after a
 * timeout the batch may have committed, and the next batch's ids differ.
 */
async function importBatch(c: BenchContract, batch: readonly { id: string }[]): Promise<{ attempts: number; error?: string }> {
  try {
    const { attempts } = await submitTransaction(c.contract, 'ImportLots', { arguments: [JSON.stringify({ lots: batch })] });
    return { attempts };
  } catch (err) {
    const error = errorText(err);
    progress(`ImportLots failed: ${error.slice(0, 200)}`);
    return { attempts: err instanceof LedgerError ? err.attempts : 1, error };
  }
}

/** One trace configuration and its timings. */
export interface TraceTiming {
  direction: 'backward' | 'forward';
  graphLots: number;
  nodes: number;
  edges: number;
  bytes: number;
  /** Client-observed times of each repetition, ms. */
  timesMs: number[];
  medianMs: number;
  correct: boolean;
  /** The 1-minute load average when the timed traces ended (the machine is shared: a ratio across graph sizes spans minutes). */
  loadAverage?: number;
}

interface TraceResult {
  nodes: { id: string }[];
  edges: unknown[];
  truncated: boolean;
}

/** The root of a trace in component `component`: layer 10 for backward, layer 0 for forward. */
export function traceRoot(direction: 'backward' | 'forward', component: number, index: number): Position {
  return { component, layer: direction === 'backward' ? 10 : 0, index };
}

/**
 * Times `reps` ledger traces (evaluate on the reader's own peer), rotating the
 * root over the complete components, after one warm-up, and checks each answer
 * against the expected closure.
 */
export async function ledgerTraces(
  reader: BenchContract,
  mspId: string,
  prefix: string,
  graphLots: number,
  direction: 'backward' | 'forward',
  reps: number,
  maxDepth = 10,
): Promise<TraceTiming> {
  return timeTraces(mspId, prefix, graphLots, direction, reps, maxDepth, async (rootId) => {
    const bytes = await reader.contract.evaluateTransaction('TraceLot', rootId, direction, String(maxDepth), '5000');
    return { decode: () => decodeJson<TraceResult>(bytes), bytes: bytes.length };
  });
}

/**
 * The timing loop of every trace variant: `reps` traces rotating the root over the complete components (at most 3),
 * after one warm-up, each answer checked against the expected closure.
 */
async function timeTraces(
  mspId: string,
  prefix: string,
  graphLots: number,
  direction: 'backward' | 'forward',
  reps: number,
  maxDepth: number,
  /**
   * One trace; `decode` and the size (when the transport does not give it, that of the answer's JSON) are taken
   * outside the timing, as before this loop was shared.
   */
  trace: (rootId: string) => Promise<{ decode: () => TraceResult; bytes?: number }>,
): Promise<TraceTiming> {
  const components = Math.max(1, Math.min(3, Math.floor(graphLots / COMPONENT_SIZE)));
  const run = async (k: number) => {
    const root = traceRoot(direction, k % components, (k * 37) % 256);
    const start = performance.now();
    const { decode, bytes } = await trace(lotId(mspId, prefix, root));
    const ms = performance.now() - start;
    const result = decode();
    const expected = expectedClosure(root, direction, maxDepth, graphLots);
    return {
      ms,
      result,
      bytes: bytes ?? Buffer.byteLength(JSON.stringify(result)),
      correct: result.nodes.length === expected.size && !result.truncated,
    };
  };
  await run(reps);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof run>> | undefined;
  let correct = true;
  for (let k = 0; k < reps; k++) {
    last = await run(k);
    times.push(last.ms);
    correct &&= last.correct;
  }
  return {
    direction,
    graphLots,
    nodes: last?.result.nodes.length ?? 0,
    edges: last?.result.edges.length ?? 0,
    bytes: last?.bytes ?? 0,
    timesMs: times,
    medianMs: median(times),
    correct,
    loadAverage: loadavg()[0],
  };
}

/** Creates the tables (once). */
export function createSchema(pg: Postgres): void {
  pg.psql(`
CREATE TABLE lots (id text PRIMARY KEY, product_code text NOT NULL, product_name text NOT NULL, amount numeric NOT NULL,
  unit text NOT NULL, producer text NOT NULL, custodian text NOT NULL, status text NOT NULL);
CREATE TABLE edges (parent text NOT NULL, child text NOT NULL, amount numeric NOT NULL, unit text NOT NULL, PRIMARY KEY (parent, child));
CREATE INDEX edges_by_child ON edges (child, parent);
`);
}

/** Loads lots [from, to) and their edges with COPY, then ANALYZE. Returns the load time, ms. */
export function loadPostgres(pg: Postgres, dir: string, mspId: string, prefix: string, from: number, to: number): number {
  const lotsCsv = path.join(dir, `lots-${from}-${to}.csv`);
  const edgesCsv = path.join(dir, `edges-${from}-${to}.csv`);
  const lotLines: string[] = [];
  for (const p of positions(to, from)) {
    const lot = graphLot(mspId, prefix, p);
    lotLines.push(
      [lot.id, lot.product.code, `"${lot.product.name}"`, lot.quantity.amount, lot.quantity.unit, mspId, mspId, 'active'].join(','),
    );
  }
  writeFileSync(lotsCsv, lotLines.join('\n') + '\n');
  const edgeLines: string[] = [];
  for (const [parent, child] of edgeRows(mspId, prefix, from, to)) edgeLines.push(`${parent},${child},1,EA`);
  writeFileSync(edgesCsv, edgeLines.join('\n') + '\n');
  const t0 = performance.now();
  pg.psql(
    `\\copy lots FROM '${lotsCsv}' WITH (FORMAT csv)\n\\copy edges FROM '${edgesCsv}' WITH (FORMAT csv)\nANALYZE lots;\nANALYZE edges;\n`,
  );
  return performance.now() - t0;
}

/**
 * The recursive CTE that answers the same question as TraceLot: every lot
 * within `maxDepth` steps, with its attributes and depth, plus the edges the
 * walk followed, as one JSON document (as the ledger returns).
 */
export function cteSql(rootId: string, direction: 'backward' | 'forward', maxDepth: number): string {
  const [next, from] = direction === 'backward' ? ['parent', 'child'] : ['child', 'parent'];
  return `WITH RECURSIVE walk(id, depth) AS (
  SELECT '${rootId}'::text, 0
  UNION
  SELECT e.${next}, w.depth + 1 FROM walk w JOIN edges e ON e.${from} = w.id WHERE w.depth < ${maxDepth}
), nodes AS (SELECT id, min(depth) AS depth FROM walk GROUP BY id)
SELECT json_build_object(
  'nodes', (SELECT json_agg(json_build_object('id', l.id, 'product', json_build_object('code', l.product_code, 'name', l.product_name),
             'quantity', json_build_object('amount', l.amount, 'unit', l.unit), 'producer', l.producer, 'custodian', l.custodian,
             'status', l.status, 'depth', n.depth) ORDER BY n.depth, l.id) FROM nodes n JOIN lots l ON l.id = n.id),
  'edges', (SELECT json_agg(json_build_object('from', e.parent, 'to', e.child, 'quantity', json_build_object('amount', e.amount, 'unit', e.unit)))
             FROM nodes n JOIN edges e ON e.${from} = n.id JOIN nodes m ON m.id = e.${next} WHERE n.depth < ${maxDepth}));`;
}

/** Times the CTE `reps` times (after one warm-up) in one psql session; checks the node count. */
export function postgresTraces(
  pg: Postgres,
  mspId: string,
  prefix: string,
  graphLots: number,
  direction: 'backward' | 'forward',
  reps: number,
  maxDepth = 10,
): TraceTiming {
  const components = Math.max(1, Math.min(3, Math.floor(graphLots / COMPONENT_SIZE)));
  const roots = Array.from({ length: reps + 1 }, (_, k) => traceRoot(direction, k % components, (k * 37) % 256));
  const order = [roots[reps] as Position, ...roots.slice(0, reps)];
  const script = ['\\timing on', '\\o /dev/null', ...order.map((r) => cteSql(lotId(mspId, prefix, r), direction, maxDepth))].join('\n');
  const times = [...pg.psql(script).matchAll(/Time: ([0-9.]+) ms/g)].map((m) => Number(m[1])).slice(1);
  const check = pg.psql(
    `\\pset tuples_only on\n\\pset format unaligned\nSELECT length(d::text), json_array_length(d->'nodes'), json_array_length(d->'edges') FROM (${cteSql(
      lotId(mspId, prefix, roots[0] as Position),
      direction,
      maxDepth,
    ).replace(/;$/, '')}) AS q(d);\n`,
  );
  const [bytes, nodes, edges] = check.trim().split('|').map(Number);
  const expected = expectedClosure(roots[0] as Position, direction, maxDepth, graphLots).size;
  return {
    direction,
    graphLots,
    nodes: nodes ?? 0,
    edges: edges ?? 0,
    bytes: bytes ?? 0,
    timesMs: times,
    medianMs: median(times),
    correct: nodes === expected,
  };
}

/** GET one API path as JSON, or throw with the status and the problem's start. */
export type ApiGet = (urlPath: string) => Promise<Record<string, unknown>>;

/**
 * Waits until an API's read model has indexed everything its peer had when the wait began (`/readyz`:
 * `readModel.lagBlocks` 0 at a height at least that one), so that a trace is not measured against a half-built index.
 */
export async function waitIndexed(get: ApiGet, what: string, timeoutMs = 1_800_000): Promise<void> {
  const t0 = performance.now();
  let target: number | undefined;
  for (;;) {
    const status = (await get('/readyz')).readModel as { indexedBlock?: number; peerHeight?: number; lagBlocks?: number } | undefined;
    if (status === undefined) throw new Error(`${what} has no read model (/readyz has no readModel)`);
    target ??= status.peerHeight;
    if (status.lagBlocks === 0 && target !== undefined && (status.indexedBlock ?? -1) + 1 >= target) return;
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`${what}'s read model did not catch up within ${timeoutMs / 1000} s: ${JSON.stringify(status)}`);
    progress(`${what}: read model at block ${status.indexedBlock ?? '?'} of ${status.peerHeight ?? '?'}, waiting`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * Times `reps` traces through an API's read model (HTTP, JWT, JSON), over the same roots as {@link ledgerTraces},
 * after one warm-up, and checks each answer against the expected closure.
 */
export async function apiTraces(
  get: ApiGet,
  mspId: string,
  prefix: string,
  graphLots: number,
  direction: 'backward' | 'forward',
  reps: number,
  maxDepth = 10,
): Promise<TraceTiming> {
  return timeTraces(mspId, prefix, graphLots, direction, reps, maxDepth, async (rootId) => {
    const result = (await get(
      `/lots/${encodeURIComponent(rootId)}/trace?direction=${direction}&depth=${maxDepth}&maxNodes=5000`,
    )) as unknown as TraceResult;
    return { decode: () => result };
  });
}
