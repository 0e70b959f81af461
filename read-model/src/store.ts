/**
 * The read model's database: one interface over PGlite (PostgreSQL compiled
 * to WebAssembly, embedded, the default) and a PostgreSQL server
 * (`LOTLINE_READ_DB_URL`). Both run the same schema and the same SQL; this
 * file is the only place that knows which one it is.
 */
import { existsSync, mkdirSync, openAsBlob, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** Something SQL runs on: the store itself, or one of its transactions. */
export interface Sql {
  /** Run one statement with `$n` parameters; rows as plain objects. */
  query<T extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
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

function pgliteStore(db: PGlite, location: string): Store {
  const on = (q: Pick<PGlite, 'query'>): Sql => ({
    async query<T extends object>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await q.query<T>(text, [...params])).rows;
    },
  });
  return {
    kind: 'pglite',
    location,
    ...on(db),
    transaction: (work) => db.transaction((tx) => work(on(tx))),
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

function postgresStore(url: string, schema: string): Store {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`read-model schema ${schema}: use lowercase letters, digits and _`);
  // No JIT: the read model's statements are short, and a recursive CTE's row estimates (ten times its first term)
  // reach jit_above_cost, so PostgreSQL spent ~0.1 s compiling each of them (PGlite has no JIT to begin with).
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema} -c jit=off` });
  const on = (client: Pick<pg.Pool, 'query'>): Sql => ({
    async query<T extends object>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await client.query<T>(text, [...params])).rows;
    },
  });
  return {
    kind: 'postgres',
    location: `${redact(url)} (schema ${schema})`,
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
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
 * A pristine PGlite data folder, as a tarball, cached per PGlite version
 * (`$LOTLINE_CACHE_DIR`, default `~/.cache/lotline`). PGlite's initdb costs
 * seconds of CPU; a new read model loads this copy of an empty cluster
 * instead, and the first one ever made writes it.
 */
function templateFile(): string {
  const cache = process.env.LOTLINE_CACHE_DIR ?? path.join(homedir(), '.cache', 'lotline');
  return path.join(cache, `pglite-${PGLITE_VERSION}-datadir.tar`);
}

/**
 * PGlite's server settings: PostgreSQL's defaults but for `shared_buffers`,
 * 32 MB instead of 128 MB. PGlite's buffer pool lives in its WebAssembly heap,
 * touched when the server starts: 128 MB was a quarter of the indexer's RSS.
 * Pages beyond it come from the data folder through the OS page cache.
 */
const PGLITE_START = { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'] };

async function openPglite(dir: string): Promise<PGlite> {
  mkdirSync(dir, { recursive: true });
  if (existsSync(path.join(dir, 'PG_VERSION'))) return PGlite.create(dir, PGLITE_START);
  const template = templateFile();
  // A file-backed Blob: PGlite reads the tarball once, with no copy of it held here.
  if (existsSync(template)) return PGlite.create(dir, { ...PGLITE_START, loadDataDir: await openAsBlob(template) });
  const db = await PGlite.create(dir, PGLITE_START);
  try {
    const dump = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
    mkdirSync(path.dirname(template), { recursive: true });
    const partial = `${template}.${process.pid}.partial`;
    writeFileSync(partial, dump);
    renameSync(partial, template);
  } catch {
    // No cache: the next new read model runs initdb again.
  }
  return db;
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
