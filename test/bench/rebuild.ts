/**
 * Rebuild from block 0, alone, on a running network (`LOTLINE_DATA_DIR`,
 * `LOTLINE_PORT_OFFSET`):
 *
 *   npx tsx test/bench/rebuild.ts seed <lots>   ImportLots of 100 lots (chains of 10, every 5th lot with two
 *                                               inputs), two at a time
 *   npx tsx test/bench/rebuild.ts run <rounds>  PGlite, PostgreSQL, PGlite, … rebuilds from block 0, each into an
 *                                               empty store in a child process of its own (so that its peak RSS
 *                                               is its own): blocks, lots, seconds, lots/s, the indexer
 *                                               process's CPU time (steadier than lots/s on a loaded machine),
 *                                               peak RSS, load average
 *   npx tsx test/bench/rebuild.ts one pglite    one rebuild, one JSON line (`one postgres <url>` for PostgreSQL)
 *
 * `REBUILD_STATEMENTS=1` adds, per rebuild, the number of transactions and
 * statements and the database time by statement (its first words).
 * `REBUILD_PG_SETTINGS='jit=on;synchronous_commit=off'` sets PostgreSQL
 * settings on the throwaway server's database, for experiments.
 * `REBUILD_NODE_OPTIONS=--cpu-prof` profiles each child.
 * The read-model bench (`read-model.ts`, part of `npm run bench`) measures a
 * rebuild of its own ledger; this one is for profiling and comparing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { chainHeight } from '@lotline/ledger-client';
import { Indexer, openStore, type Sql, type Store } from '@lotline/read-model';
import { loadConfig } from '../../network/src/config';
import { benchContract } from './fabric';
import { progress } from './log';
import { peakKiB } from './rss';
import { startPostgres } from './postgres';

const BATCH = 100;

/** `count` lots in batches of {@link BATCH}: in each batch, chains of 10 lots, every 5th lot also taking the chain's root. */
async function seed(count: number): Promise<void> {
  const config = loadConfig();
  const admin = benchContract(config, 'PartsCo', 'admin1', undefined, 600_000);
  const run = `RB-${Date.now().toString(36)}`;
  const id = (n: number) => `PartsCoMSP:${run}-${n}`;
  const unit = { amount: 1, unit: 'EA' };
  const batches: unknown[][] = [];
  for (let start = 0; start < count; start += BATCH) {
    const lots = [];
    for (let n = start; n < Math.min(start + BATCH, count); n++) {
      const root = n - (n % 10);
      const inputs = n === root ? [] : n % 5 === 0 && n - 1 !== root ? [id(n - 1), id(root)] : [id(n - 1)];
      lots.push({
        id: id(n),
        product: { code: run, name: 'rebuild bench' },
        quantity: { amount: 100, unit: 'EA' },
        inputs: inputs.map((lotId) => ({ lotId, quantity: unit })),
        process: { site: 'bench', line: 'L1' },
      });
    }
    batches.push(lots);
  }
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const lots = batches[next++];
      await (await admin.contract.newProposal('ImportLots', { arguments: [JSON.stringify({ lots })] }).endorse()).submit();
      done += lots?.length ?? 0;
      if (done % 1000 === 0) progress(`imported ${done} / ${count} lots`);
    }
  };
  await Promise.all([worker(), worker()]);
  admin.close();
  progress(`imported ${count} lots (${run})`);
}

/** Database time by statement (its first words) and round trips, around a store. */
function counted(store: Store): { store: Store; report: () => string } {
  const byStatement = new Map<string, { n: number; ms: number }>();
  let trips = 0;
  let transactions = 0;
  const wrap = (sql: Sql): Sql => ({
    async query<T extends object>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const t0 = performance.now();
      try {
        return await sql.query<T>(text, params);
      } finally {
        const key = text.replace(/\s+/g, ' ').slice(0, 60);
        const entry = byStatement.get(key) ?? { n: 0, ms: 0 };
        entry.n++;
        entry.ms += performance.now() - t0;
        byStatement.set(key, entry);
        trips++;
      }
    },
  });
  return {
    store: {
      ...store,
      ...wrap(store),
      transaction: (work) => {
        transactions++;
        return store.transaction((tx) => work(wrap(tx)));
      },
    },
    report: () =>
      [
        `${transactions} transactions, ${trips} statements`,
        ...[...byStatement]
          .sort((a, b) => b[1].ms - a[1].ms)
          .slice(0, 14)
          .map(([k, v]) => `  ${v.ms.toFixed(0).padStart(6)} ms ${String(v.n).padStart(4)}× ${k}`),
      ].join('\n'),
  };
}

/** One rebuild into an empty store (`pglite`, or `postgres` at `url`): one JSON line on stdout. */
async function one(kind: string, url: string | undefined): Promise<void> {
  const config = loadConfig();
  const reader = benchContract(config, 'PartsCo', 'auditor1', undefined, 600_000);
  const height = Number(await chainHeight(reader.gateway, config.channel));
  const dir = mkdtempSync(path.join(tmpdir(), 'lotline-rebuild-'));
  const before = process.memoryUsage().rss;
  const opened = await openStore(
    kind === 'pglite' ? { kind: 'pglite', dir } : { kind: 'postgres', url: url ?? '', schema: `rb_${process.pid}` },
  );
  const atOpen = process.memoryUsage().rss;
  const { store, report } = process.env.REBUILD_STATEMENTS === '1' ? counted(opened) : { store: opened, report: () => '' };
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const indexer = new Indexer({ store, gateway: () => reader.gateway, channel: config.channel, chaincode: config.chaincode });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await indexer.start();
  await indexer.waitFor(BigInt(height - 1), 3_600_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await indexer.stop();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const [row] = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM lots');
  const lots = row?.n ?? 0;
  if (process.env.REBUILD_STATEMENTS === '1') process.stderr.write(`${kind}: ${report()}\n`);
  process.stdout.write(
    `${JSON.stringify({ kind, blocks: height, lots, seconds, lotsPerSecond: lots / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMiB: peak / 2 ** 20, beforeOpenMiB: before / 2 ** 20, openedMiB: atOpen / 2 ** 20, hwmMiB: (peakKiB(process.pid) ?? 0) / 1024 })}\n`,
  );
  if (opened.kind === 'postgres') await opened.query(`DROP SCHEMA rb_${process.pid} CASCADE`);
  await opened.close();
  reader.close();
  rmSync(dir, { recursive: true, force: true });
}

async function alternate(rounds: number): Promise<void> {
  const pg = await startPostgres();
  const url = `postgres://postgres@127.0.0.1:${pg.port}/postgres`;
  // Experiments: `REBUILD_PG_SETTINGS='jit=off;synchronous_commit=off'` sets them on the database for every session.
  for (const setting of (process.env.REBUILD_PG_SETTINGS ?? '').split(';').filter(Boolean)) {
    const [name, value] = setting.split('=');
    pg.psql(`ALTER DATABASE postgres SET ${name} = '${value}'`);
  }
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['pglite', 'postgres']) {
        const load = loadavg()[0]?.toFixed(1);
        const child = spawnSync(
          process.execPath,
          [...(process.env.REBUILD_NODE_OPTIONS ?? '').split(' ').filter(Boolean), '--import', 'tsx', __filename, 'one', kind, url],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        if (child.status !== 0) throw new Error(`rebuild into ${kind} failed (status ${child.status})`);
        const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
        process.stdout.write(
          `${kind.padEnd(8)} ${result.blocks} blocks ${result.lots} lots ${result.seconds?.toFixed(2)} s ${result.lotsPerSecond?.toFixed(0)} lots/s, indexer CPU ${result.cpuSeconds?.toFixed(2)} s, peak RSS ${result.peakMiB?.toFixed(0)} MiB (load ${load})\n`,
        );
      }
    }
  } finally {
    pg.stop();
  }
}

async function main(): Promise<void> {
  const [command, arg, url] = process.argv.slice(2);
  if (command === 'seed') return seed(Number(arg ?? 5000));
  if (command === 'run') return alternate(Number(arg ?? 3));
  if (command === 'one') return one(arg ?? 'pglite', url);
  throw new Error('usage: npx tsx test/bench/rebuild.ts seed <lots> | run <rounds>');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`rebuild bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
