/**
 * `npm run test:integration`: the integration suite in two passes, each on a
 * fresh network in a temporary data folder (on ports shifted by
 * LOTLINE_PORT_OFFSET, 1000 by default, so that a running `npm start` network
 * is left alone) with one API process per organisation, torn down afterwards:
 *
 *  1. the whole suite (test/.mocharc.json), every read model on embedded PGlite;
 *  2. the specs whose answers go through a read model (test/.mocharc.postgres.json)
 *     again, on a network 500 ports further whose APIs, and the in-process test
 *     APIs with a read model, keep their read models on a throwaway PostgreSQL
 *     server (Debian's packages, test/bench/postgres.ts). The runner then checks
 *     that every organisation's schema on that server holds indexed rows.
 *
 * Pass 2 runs even when pass 1 failed; a failure in either fails the run. The
 * PostgreSQL server and each network are torn down whatever happens.
 * LOTLINE_SKIP_PG_PASS=1 skips pass 2 and says so loudly, at the start and in
 * the summary.
 *
 * `--pass embedded|postgres|both` picks the passes (default: both for the
 * whole suite, embedded for spec files named on the command line). The
 * embedded pass uses the read-model store the environment names (PGlite,
 * or the server of LOTLINE_READ_DB_URL when it is set).
 *
 * With LOTLINE_DATA_DIR set, the embedded pass runs on that network, started
 * if needed and left running afterwards (a developer's own network).
 * LOTLINE_KEEP_NETWORK=1 also leaves the embedded pass's fresh network running
 * for debugging (the PostgreSQL pass's network and server are always removed).
 * Other arguments are passed to mocha (for example spec files).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, readPosition } from '@lotline/read-model';
import { readModelEnvironment } from '../../network/src/api';
import { loadConfig, type NetworkConfig } from '../../network/src/config';
import { startApis, startNetwork } from '../../network/src/network';
import { detail, step } from '../../network/src/progress';
import { startPostgres } from '../bench/postgres';
import { runMocha, tearDownNetwork } from './runner';

/** The mocha configuration of each pass (the spec files of the PostgreSQL pass, and why, are in test/README.md). */
const SUITE_CONFIG = 'test/.mocharc.json';
const POSTGRES_CONFIG = 'test/.mocharc.postgres.json';
/** The PostgreSQL pass's network is this many ports above the embedded pass's, so a straggler of one never meets the other. */
const POSTGRES_PORT_SHIFT = 500;

type Pass = 'embedded' | 'postgres';

/** One pass's outcome: mocha's exit code, or the error that stopped it before or after the tests. */
interface Outcome {
  readonly label: string;
  readonly code: number;
  readonly error?: string;
}

/** `--pass X` / `--pass=X` taken out of the arguments; the rest goes to mocha. */
function parseArguments(argv: readonly string[]): { passes: Pass[]; rest: string[] } {
  const rest: string[] = [];
  let pass: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--pass') pass = argv[++i];
    else if (arg.startsWith('--pass=')) pass = arg.slice('--pass='.length);
    else rest.push(arg);
  }
  const files = rest.some((arg) => !arg.startsWith('-'));
  switch (pass ?? (files ? 'embedded' : 'both')) {
    case 'both':
      return { passes: ['embedded', 'postgres'], rest };
    case 'embedded':
      return { passes: ['embedded'], rest };
    case 'postgres':
      return { passes: ['postgres'], rest };
    default:
      throw new Error(`--pass ${String(pass)}: use --pass embedded, --pass postgres or --pass both`);
  }
}

/**
 * The pass's mocha configuration, or only the arguments given on the command
 * line (mocha would otherwise add spec files to the configuration's list).
 */
function mochaArgs(rest: readonly string[], configFile: string): string[] {
  if (rest.length === 0) return ['--config', configFile];
  return ['--no-config', '--require', 'tsx/cjs', '--timeout', '300000', '--slow', '5000', '--exit', ...rest];
}

/** Brings up the network of `process.env`, runs `work` on it, and tears it down unless `keep`. */
async function onNetwork(label: string, keep: boolean, work: (config: NetworkConfig) => Promise<number>): Promise<number> {
  const config = loadConfig();
  step(`${label}: network in ${config.dataDir}, ports offset by ${process.env.LOTLINE_PORT_OFFSET}`);
  try {
    await startNetwork(config);
    // The fault and bad-input specs talk to the organisations' APIs as separate processes, as in production.
    await startApis(config);
    step(`${label}: running the tests`);
    return await work(config);
  } finally {
    if (keep) {
      step(
        `${label}: network left running; stop it with LOTLINE_DATA_DIR=${config.dataDir} LOTLINE_PORT_OFFSET=${process.env.LOTLINE_PORT_OFFSET} npm stop`,
      );
    } else {
      await tearDownNetwork(config, `${label} test`);
    }
  }
}

/** Pass 1: the read models where the environment puts them (PGlite unless LOTLINE_READ_DB_URL is set). */
async function embeddedPass(label: string, rest: readonly string[]): Promise<number> {
  const reuse = process.env.LOTLINE_DATA_DIR !== undefined;
  process.env.LOTLINE_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'lotline-test-'));
  return onNetwork(label, reuse || process.env.LOTLINE_KEEP_NETWORK === '1', (config) => runMocha(config, mochaArgs(rest, SUITE_CONFIG)));
}

/**
 * The proof that the PostgreSQL pass used the server: every organisation's schema there holds lots and a
 * checkpoint past block 0 (an API that fell back to PGlite would leave its schema missing). Returns 0 or 1.
 */
async function checkSchemas(config: NetworkConfig, url: string): Promise<number> {
  let failed = 0;
  for (const org of config.orgs) {
    const schema = readModelEnvironment(org).LOTLINE_READ_DB_SCHEMA ?? '(none: LOTLINE_READ_DB_URL was not set)';
    const store = await openStore({ kind: 'postgres', url, schema });
    try {
      const [row] = await store.query<{ lots: number }>('SELECT count(*)::int AS lots FROM lots');
      const position = await readPosition(store);
      const lots = row?.lots ?? 0;
      detail(`${org.name}: schema ${schema} holds ${lots} lots, indexed to block ${String(position.nextBlock - 1n)}`);
      if (lots === 0 || position.nextBlock === 0n) failed += 1;
    } catch (error) {
      detail(`${org.name}: schema ${schema} unreadable (${error instanceof Error ? error.message : String(error)})`);
      failed += 1;
    } finally {
      await store.close();
    }
  }
  const store = await openStore({ kind: 'postgres', url, schema: 'public' });
  try {
    const [row] = await store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name LIKE 'read\\_model\\_%\\_test\\_%'",
    );
    detail(`and ${row?.n ?? 0} read models of in-process test APIs, each in a schema of its own`);
  } finally {
    await store.close();
  }
  if (failed === 0) return 0;
  step(
    `${failed} organisation(s) left no indexed rows on the PostgreSQL server: their APIs did not use it (see the API logs of the run above)`,
  );
  return 1;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Pass 2: a fresh network whose read models are on a throwaway PostgreSQL server. */
async function postgresPass(label: string, rest: readonly string[]): Promise<number> {
  step(`${label}: starting a throwaway PostgreSQL server`);
  const postgres = await startPostgres();
  const saved = { url: process.env.LOTLINE_READ_DB_URL, dir: process.env.LOTLINE_DATA_DIR, offset: process.env.LOTLINE_PORT_OFFSET };
  try {
    const url = `postgres://postgres@127.0.0.1:${postgres.port}/postgres`;
    process.env.LOTLINE_READ_DB_URL = url;
    process.env.LOTLINE_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'lotline-test-pg-'));
    process.env.LOTLINE_PORT_OFFSET = String(Number(process.env.LOTLINE_PORT_OFFSET) + POSTGRES_PORT_SHIFT);
    step(`${label}: read models on ${postgres.version} at 127.0.0.1:${postgres.port}, one schema per organisation`);
    return await onNetwork(label, false, async (config) => {
      const code = await runMocha(config, mochaArgs(rest, POSTGRES_CONFIG));
      step(`${label}: what the APIs indexed on the PostgreSQL server`);
      const proof = await checkSchemas(config, url);
      return code !== 0 ? code : proof;
    });
  } finally {
    restore('LOTLINE_READ_DB_URL', saved.url);
    restore('LOTLINE_DATA_DIR', saved.dir);
    restore('LOTLINE_PORT_OFFSET', saved.offset);
    step(`${label}: stopping the PostgreSQL server`);
    postgres.stop();
  }
}

const SKIPPED = [
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '!!  LOTLINE_SKIP_PG_PASS=1: the PostgreSQL pass is SKIPPED.',
  '!!  The read models were tested on embedded PGlite only; nothing here says that',
  '!!  they give the same answers on a PostgreSQL server. Unset the variable to run it.',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
].join('\n');

function storeOfEnvironment(): string {
  return process.env.LOTLINE_READ_DB_URL ? 'read models on the PostgreSQL server of LOTLINE_READ_DB_URL' : 'read models on PGlite';
}

/** The passes to run after LOTLINE_SKIP_PG_PASS and LOTLINE_READ_DB_URL, with a line for each one left out. */
function plan(passes: Pass[]): { passes: Pass[]; notes: string[] } {
  if (!passes.includes('postgres') || passes.length === 1) return { passes, notes: [] };
  if (process.env.LOTLINE_SKIP_PG_PASS === '1') return { passes: ['embedded'], notes: [SKIPPED] };
  if (process.env.LOTLINE_READ_DB_URL)
    return {
      passes: ['embedded'],
      notes: ['PostgreSQL pass not run: LOTLINE_READ_DB_URL is set, so the whole suite runs on that PostgreSQL server'],
    };
  return { passes, notes: [] };
}

async function main(): Promise<number> {
  process.env.LOTLINE_PORT_OFFSET ??= '1000';
  const args = parseArguments(process.argv.slice(2));
  const { passes, notes } = plan(args.passes);
  for (const note of notes) process.stderr.write(`\n${note}\n\n`);
  const suite = args.rest.length === 0 ? 'whole suite' : 'given specs';
  const outcomes: Outcome[] = [];
  for (const [index, pass] of passes.entries()) {
    const label =
      pass === 'embedded'
        ? `pass ${index + 1} of ${passes.length} (${suite}, ${storeOfEnvironment()})`
        : `pass ${index + 1} of ${passes.length} (${args.rest.length === 0 ? 'specs that read a read model' : suite}, read models on PostgreSQL)`;
    step(`${label}: starting`);
    try {
      const code = pass === 'embedded' ? await embeddedPass(label, args.rest) : await postgresPass(label, args.rest);
      outcomes.push({ label, code });
    } catch (error) {
      outcomes.push({ label, code: 1, error: error instanceof Error ? error.message : String(error) });
    }
  }
  step('integration passes:');
  for (const { label, code, error } of outcomes)
    detail(
      `${label}: ${error !== undefined ? `FAILED before or after the tests: ${error}` : code === 0 ? 'passed' : `FAILED (mocha exit ${code})`}`,
    );
  for (const note of notes) process.stderr.write(`\n${note}\n`);
  return outcomes.find((o) => o.code !== 0)?.code ?? 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nlotline: integration run failed before the tests: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
