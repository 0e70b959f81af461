import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeDue, ensureSchema, maintainStore, openStore, type Store } from '../src';

describe('store: prepared statements (PGlite)', function () {
  this.timeout(60_000);
  let store: Store;

  before(async function () {
    store = await openStore({ kind: 'pglite-memory' });
    await store.exec('CREATE TABLE t (id text PRIMARY KEY, n int NOT NULL)');
  });

  after(async function () {
    await store.close();
  });

  const echo = 'SELECT $1::text AS s, $2::int + 1 AS n';

  it('passes strings through as they are: quotes, backslashes, SQL and non-ASCII text', async function () {
    for (const s of ["O'Brien", "\\'", "x'); DROP TABLE t; --", '品番\\n', '']) {
      const [row] = await store.transaction((sql) => sql.query<{ s: string; n: number }>(echo, [s, 41], 'test_echo'));
      expect(row).to.deep.equal({ s, n: 42 });
    }
    const [table] = await store.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'");
    expect(table?.n).to.equal(1);
  });

  it('answers from the data as it is now, not as it was when prepared', async function () {
    const count = (sql: Pick<Store, 'query'>) =>
      sql.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE n >= $1', [0], 'test_count');
    const [before] = await store.transaction(count);
    await store.query("INSERT INTO t VALUES ('a', 1), ('b', 2)");
    const [after] = await store.transaction(count);
    expect(after?.n).to.equal((before?.n ?? -1) + 2);
  });

  it('runs outside a transaction too, and leaves the plan mode of later statements as it was', async function () {
    const [row] = await store.query<{ s: string }>(echo, ['x', 1], 'test_echo');
    expect(row?.s).to.equal('x');
    const mode = await store.transaction(async (sql) => {
      await sql.query(echo, ['y', 2], 'test_echo');
      return sql.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
    });
    expect(mode[0]?.plan_cache_mode).to.equal('auto');
  });

  it('keeps the statement prepared when the transaction that prepared it rolls back, or it fails itself', async function () {
    const divide = 'SELECT $1::text AS s, 10 / $2::int AS n';
    const failed = await store.transaction((sql) => sql.query(divide, ['a', 0], 'test_divide')).catch((e: unknown) => String(e));
    expect(failed).to.match(/division by zero/);
    const rolledBack = await store
      .transaction(async (sql) => {
        await sql.query(echo, ['b', 1], 'test_rolled_back');
        throw new Error('rolled back');
      })
      .catch((e: unknown) => String(e));
    expect(rolledBack).to.match(/rolled back/);
    expect(await store.transaction((sql) => sql.query(divide, ['c', 5], 'test_divide'))).to.deep.equal([{ s: 'c', n: 2 }]);
    expect(await store.transaction((sql) => sql.query(echo, ['d', 1], 'test_rolled_back'))).to.deep.equal([{ s: 'd', n: 2 }]);
  });

  it('refuses parameters it cannot write as literals, and names it cannot use as they are', async function () {
    for (const params of [
      ['a\u0000b', 1],
      ['a', Number.NaN],
      ['a', { n: 1 }],
    ]) {
      const error = await store.query(echo, params, 'test_echo').catch((e: unknown) => e);
      expect(String(error)).to.match(/must be a finite number or a string without NUL/);
    }
    const error = await store.query(echo, ['a', 1], 'Bad-Name').catch((e: unknown) => e);
    expect(String(error)).to.match(/prepared statement name Bad-Name/);
  });
});

describe('store: upkeep (maintainStore)', function () {
  this.timeout(120_000);
  let dir: string;
  let store: Store;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'lotline-upkeep-'));
    store = await openStore({ kind: 'pglite', dir });
    await ensureSchema(store);
  });

  after(async function () {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const walMiB = () =>
    readdirSync(path.join(dir, 'pg_wal')).reduce(
      (sum, f) => sum + (statSync(path.join(dir, 'pg_wal', f)).isFile() ? statSync(path.join(dir, 'pg_wal', f)).size : 0),
      0,
    ) /
    2 ** 20;

  it("on PGlite, vacuums the read model's tables and lets go of the WAL that PGlite (no checkpointer) keeps", async function () {
    // Over 100 MB of WAL: 25,000 lots written and each updated twice, 500 rows a transaction.
    for (let b = 0; b < 50; b++) {
      await store.transaction(async (sql) => {
        await sql.query(
          `INSERT INTO lots (id, product_code, producer, custodian, status, unit, quantity_micro, remaining_micro, created_at, doc, block, tx_id)
           SELECT 'L' || g, 'P', 'PartsCoMSP', 'PartsCoMSP', 'active', 'EA', 1, 1, '2026-01-01', jsonb_build_object('pad', repeat('x', 600)), $1, 't'
             FROM generate_series($1::int * 500, $1::int * 500 + 499) g`,
          [b],
        );
        await sql.query(`UPDATE lots SET remaining_micro = 0 WHERE block = $1`, [b]);
        await sql.query(`UPDATE lots SET status = 'consumed' WHERE block = $1`, [b]);
      });
    }
    const before = walMiB();
    const [dead] = await store.query<{ n: number }>("SELECT n_dead_tup::int AS n FROM pg_stat_user_tables WHERE relname = 'lots'");
    await maintainStore(store);
    const after = walMiB();
    const [stats] = await store.query<{ dead: number; vacuumed: boolean; analysed: boolean }>(
      "SELECT n_dead_tup::int AS dead, last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'lots'",
    );
    expect(before, 'WAL before the upkeep (MiB)').to.be.greaterThan(100);
    expect(after, `WAL after the upkeep (MiB; ${before.toFixed(0)} before)`).to.be.at.most(64);
    expect(dead?.n, 'dead rows before').to.be.greaterThan(10_000);
    expect(stats).to.deep.equal({ dead: 0, vacuumed: true, analysed: true });
  });
});

describe('indexer: when statistics are refreshed (analyzeDue)', function () {
  it("follows autovacuum's rule: 1,000 rows plus a fifth of those the statistics last saw", function () {
    expect(analyzeDue(999, 0)).to.equal(false);
    expect(analyzeDue(1000, 0)).to.equal(true);
    expect(analyzeDue(20_999, 100_000)).to.equal(false);
    expect(analyzeDue(21_000, 100_000)).to.equal(true);
  });
});
