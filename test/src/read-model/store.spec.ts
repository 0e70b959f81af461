/**
 * Where the run's read models live, so that a pass meant for PostgreSQL cannot
 * pass on PGlite unnoticed: with LOTLINE_READ_DB_URL set (the integration
 * runner's PostgreSQL pass), every organisation's API process and every
 * in-process test API with a read model index into a schema of their own on
 * that server, and a write lands as a row there; without it, each one runs
 * PGlite in a folder of its own.
 */
import { expect } from 'chai';
import { openStore, postgresApplicationName } from '@lotline/read-model';
import { readModelEnvironment } from '../../../network/src/api';
import { apiFor, closeApis, newLot } from '../api/support';
import { apiFetch, apiRequest } from '../faults/api';
import { config, org, uniqueId } from '../support/network';

const url = process.env.LOTLINE_READ_DB_URL;
const onPostgres = url !== undefined && url !== '';
const kind = onPostgres ? 'postgres' : 'pglite';

/** Where an organisation's API process keeps its read model, as the network configured it. */
function expectedLocation(orgRef: string): string {
  const env = readModelEnvironment(org(orgRef));
  return onPostgres ? `(schema ${env.LOTLINE_READ_DB_SCHEMA})` : (env.LOTLINE_READ_DB_DIR ?? '');
}

/** A new lot written through PartsCo's API, and the search that finds it once the read model has its block. */
async function writeLot(code: string, name: string) {
  const product = { code: uniqueId(code), name };
  const lot = newLot('PartsCoMSP', { product });
  const created = await apiFetch('PartsCo', 'qm1', 'POST', '/lots', lot);
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const search = () => apiFetch('PartsCo', 'auditor1', 'GET', `/lots?product=${product.code}&minBlock=${String(created.body.blockNumber)}`);
  return { lot, search };
}

describe(`the read models of this run (on ${onPostgres ? 'the PostgreSQL server of LOTLINE_READ_DB_URL' : 'PGlite'})`, function () {
  after(closeApis);

  it(`every organisation's API process reports a ${kind} store of its own in /readyz`, async function () {
    const stores = new Set<string>();
    for (const { name } of config.orgs) {
      const res = await apiRequest(name, undefined, 'GET', '/readyz');
      expect(res.status, `${name} /readyz: ${res.text.slice(0, 300)}`).to.equal(200);
      const store = String((res.body.readModel as { store?: string } | undefined)?.store);
      expect(store, `${name}'s read model`).to.match(new RegExp(`^${kind} `));
      expect(store, `${name}'s read model`).to.include(expectedLocation(name));
      stores.add(store);
    }
    expect(stores.size, 'one store per organisation').to.equal(config.orgs.length);
  });

  it(`a lot written through PartsCo's API is indexed into PartsCo's ${kind} read model`, async function () {
    const { lot, search } = await writeLot('STORE', 'Store check part');
    const found = await search();
    expect(found.status, JSON.stringify(found.body)).to.equal(200);
    expect((found.body.lots as { id: string }[]).map((l) => l.id)).to.deep.equal([lot.id]);
    if (url === undefined || url === '') return;
    // On the server itself, not through the API: the row is in PartsCo's schema.
    const schema = readModelEnvironment(org('PartsCo')).LOTLINE_READ_DB_SCHEMA ?? '';
    const store = await openStore({ kind: 'postgres', url, schema });
    try {
      const rows = await store.query<{ id: string }>('SELECT id FROM lots WHERE id = $1', [lot.id]);
      expect(rows.map((r) => r.id)).to.deep.equal([lot.id]);
    } finally {
      await store.close();
    }
  });

  it(`an in-process test API with a read model opens a ${kind} store of its own, not the API process's`, async function () {
    const api = await apiFor('PartsCo', {}, { readModel: true });
    const reads = api.deps.deps.readModel;
    if (reads === undefined) expect.fail('apiFor(…, { readModel: true }) built an API without a read model');
    let status = await reads.status();
    for (let tries = 0; status.state === 'opening' && tries < 300; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await reads.status();
    }
    expect(status.state, JSON.stringify(status)).to.not.be.oneOf(['opening', 'failed']);
    const store = (status as { store: string }).store;
    expect(store).to.match(new RegExp(`^${kind} `));
    expect(store).to.not.include(expectedLocation('PartsCo'));
    expect(store).to.include(onPostgres ? '(schema read_model_partsco_test_' : config.dataDir);
  });

  // PostgreSQL's own failure mode: the server drops the read model's connections (a restart, a failover, an
  // operator's pg_terminate_backend). PGlite runs inside the API process and has no connection to lose.
  if (onPostgres)
    it("PostgreSQL dropping PartsCo's read-model connections does not stop its API: it keeps answering and indexing", async function () {
      const schema = readModelEnvironment(org('PartsCo')).LOTLINE_READ_DB_SCHEMA ?? '';
      const admin = await openStore({ kind: 'postgres', url: url ?? '', schema: 'public' });
      try {
        // Make sure the pool holds connections, then drop every one of them.
        const before = await apiFetch('PartsCo', 'auditor1', 'GET', '/lots?limit=1');
        expect(before.status, JSON.stringify(before.body)).to.equal(200);
        const dropped = await admin.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t',
          [postgresApplicationName(schema)],
        );
        expect(dropped[0]?.n, "PartsCo's read-model connections on the server").to.be.greaterThan(0);
      } finally {
        await admin.close();
      }
      // The process is still there and, once the pool reconnects, indexes a new write and finds it.
      const { lot, search } = await writeLot('DROP', 'Dropped connection check');
      let found = await search();
      for (let tries = 0; found.status !== 200 && tries < 20; tries++) {
        // A read that met a dropped connection answers a 503 problem and says to retry; nothing else is allowed.
        expect(found.status, JSON.stringify(found.body)).to.equal(503);
        await new Promise((resolve) => setTimeout(resolve, 500));
        found = await search();
      }
      expect(found.status, JSON.stringify(found.body)).to.equal(200);
      expect((found.body.lots as { id: string }[]).map((l) => l.id)).to.deep.equal([lot.id]);
      const ready = await apiRequest('PartsCo', undefined, 'GET', '/readyz');
      expect(ready.status, ready.text.slice(0, 300)).to.equal(200);
    });
});
