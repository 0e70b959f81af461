/**
 * The read model's database: one interface over PGlite (PostgreSQL compiled
 * to WebAssembly, embedded, the default) and a PostgreSQL server
 * (`LOTLINE_READ_DB_URL`). Both run the same schema and the same SQL; this
 * file is the only place that knows which one it is.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL runs on: the store itself, or one of its transactions. */
export interface Sql {
  /**
   * Run one statement with `$n` parameters; rows as plain objects. With `prepareAs` (a name unique to `text`), the
   * statement is prepared once per connection and its generic plan reused: for large statements run often (a
   * trace), whose planning is a tenth of their time in PGlite. Its parameters must be strings or finite numbers.
   */
  query<T extends object = Record<string, unknown>>(text: string, params?: readonly unknown[], prepareAs?: string): Promise<T[]>;
}

/** An open read-model database. */
export interface Store extends Sql {
  /** `pglite` (embedded) or `postgres` (a server). */
  readonly kind: 'pglite' | 'postgres';
  /** Where it is: the PGlite folder, or the server URL without its password. */
  readonly location: string;
  /** Run `work` in one transaction: all of it commits, or none. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** Run several statements separated by `;` (no parameters): the schema. */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the read model lives. */
export type StoreLocation =
  | { readonly kind: 'pglite'; readonly dir: string }
  | { readonly kind: 'pglite-memory' }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/**
 * A parameter as an SQL literal, for `EXECUTE` (which takes no bound parameters): a finite number, or a string
 * quoted as PostgreSQL reads it with `standard_conforming_strings` on (its default, which the read model never
 * changes; a backslash is then an ordinary character).
 */
function literal(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && !value.includes('\u0000')) return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`a prepared statement's parameter must be a finite number or a string without NUL, not ${typeof value}`);
}

/** Whether `name` can name a prepared statement as it is (no quoting). */
const STATEMENT_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function pgliteStore(db: PGlite, location: string): Store {
  // PGlite is one session: a statement prepared once serves every later call. PGlite's query() has no named
  // statements, so they are prepared in SQL and run with EXECUTE and literal parameters, with the generic plan
  // (PostgreSQL's default would plan again for each set of parameters, which is what this saves). Only for that
  // statement: the plan mode is set back before anything else in the transaction runs.
  const prepared = new Set<string>();
  const on = (q: Pick<PGlite, 'query'>, inTransaction: boolean): Sql => ({
    async query<T extends object>(text: string, params: readonly unknown[] = [], prepareAs?: string): Promise<T[]> {
      if (prepareAs === undefined) return (await q.query<T>(text, [...params])).rows;
      if (!inTransaction) return db.transaction((tx) => on(tx, true).query<T>(text, params, prepareAs));
      if (!STATEMENT_NAME.test(prepareAs)) throw new Error(`prepared statement name ${prepareAs}: use lowercase letters, digits and _`);
      const args = params.map(literal);
      if (!prepared.has(prepareAs)) {
        await q.query(`PREPARE ${prepareAs} AS ${text}`);
        prepared.add(prepareAs);
      }
      await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const rows = (await q.query<T>(args.length === 0 ? `EXECUTE ${prepareAs}` : `EXECUTE ${prepareAs}(${args.join(', ')})`)).rows;
      await q.query('SET LOCAL plan_cache_mode TO DEFAULT');
      return rows;
    },
  });
  return {
    kind: 'pglite',
    location,
    ...on(db, false),
    transaction: (work) => db.transaction((tx) => work(on(tx, true))),
    exec: async (text) => {
      await db.exec(text);
    },
    close: () => db.close(),
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** The `application_name` of a read model's connections to PostgreSQL (`pg_stat_activity`). */
export function postgresApplicationName(schema: string): string {
  return `lotline read model ${schema}`;
}

function postgresStore(url: string, schema: string): Store {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`read-model schema ${schema}: use lowercase letters, digits and _`);
  // No JIT: the read model's statements are short, and a recursive CTE's row estimates (ten times its first term)
  // reach jit_above_cost, so PostgreSQL spent 0.1–0.4 s compiling each of them (PGlite has no JIT to begin with).
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    options: `-c search_path=${schema} -c jit=off`,
    // Named, so that an operator (and the PostgreSQL pass's spec) can tell this read model's connections apart.
    application_name: postgresApplicationName(schema),
  });
  // A server restart, a failover or a terminated backend must fail the statements in flight (the indexer retries,
  // a read answers 503), not the process: without a listener, pg's 'error' event on a connection is thrown.
  pool.on('error', () => undefined);
  const on = (client: Pick<pg.Pool, 'query'>): Sql => ({
    async query<T extends object>(text: string, params: readonly unknown[] = [], prepareAs?: string): Promise<T[]> {
      // node-pg prepares a named statement once per connection.
      return (
        await client.query<T>(prepareAs === undefined ? { text, values: [...params] } : { name: prepareAs, text, values: [...params] })
      ).rows;
    },
  });
  return {
    kind: 'postgres',
    location: `${redact(url)} (schema ${schema})`,
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      // The statement in flight rejects with the same error; this only keeps the event from being thrown.
      const ignore = () => undefined;
      client.on('error', ignore);
      let broken = false;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.removeListener('error', ignore);
        // A connection that cannot even roll back is dropped, not returned to the pool.
        client.release(broken);
      }
    },
    async exec(text) {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(text);
    },
    close: () => pool.end(),
  };
}

/** The pinned PGlite version (this workspace's package.json), which names the template. */
const PGLITE_VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@electric-sql/pglite'];

/**
 * PGlite's server settings: PostgreSQL's defaults but for these.
 * - `shared_buffers` 32 MB instead of 128 MB. PGlite's buffer pool lives in its WebAssembly heap, touched when the
 *   server starts: 128 MB of it was about 110 MiB of the indexer's RSS. Pages beyond it come from the data folder
 *   through the OS page cache.
 * - `max_wal_size` 64 MB (and `min_wal_size` 32 MB) instead of 1 GB: PGlite has no checkpointer, so the indexer
 *   takes checkpoints itself (`maintainStore`), and a checkpoint keeps, for reuse, WAL segments up to this size.
 */
const PGLITE_START = {
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB', '-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB'],
};

/**
 * A pristine PGlite data folder, cached per PGlite version
 * (`$LOTLINE_CACHE_DIR`, default `~/.cache/lotline`). PGlite's initdb costs
 * seconds of CPU; a new read model starts as a copy of this empty cluster
 * instead, and the first one ever made writes it. A folder rather than a
 * tarball: PGlite unpacks a tarball (`loadDataDir`) in memory, which raised the
 * peak RSS of a new store by about 130 MiB.
 */
function templateDir(): string {
  const cache = process.env.LOTLINE_CACHE_DIR ?? path.join(homedir(), '.cache', 'lotline');
  return path.join(cache, `pglite-${PGLITE_VERSION}-datadir`);
}

/** Write the template (initdb into a folder of this process's own, then renamed into place); false if that failed. */
async function makeTemplate(template: string): Promise<boolean> {
  const partial = `${template}.${process.pid}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    await (await PGlite.create(partial, PGLITE_START)).close();
    renameSync(partial, template);
  } catch {
    // Another process made it first (the rename found the folder), or there is no cache: initdb in place instead.
    rmSync(partial, { recursive: true, force: true });
  }
  return existsSync(path.join(template, 'PG_VERSION'));
}

async function openPglite(dir: string): Promise<PGlite> {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    const template = templateDir();
    if (existsSync(path.join(template, 'PG_VERSION')) || (await makeTemplate(template))) cpSync(template, dir, { recursive: true });
  }
  return PGlite.create(dir, PGLITE_START);
}

/** Open (creating if needed) the database at `location`. The first PGlite open of a folder initialises it (seconds). */
export async function openStore(location: StoreLocation): Promise<Store> {
  switch (location.kind) {
    case 'pglite':
      return pgliteStore(await openPglite(location.dir), location.dir);
    case 'pglite-memory':
      return pgliteStore(await PGlite.create(PGLITE_START), 'memory');
    case 'postgres':
      return postgresStore(location.url, location.schema);
  }
}
