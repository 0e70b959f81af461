/**
 * The read model against the chaincode, on the real network. A random
 * lineage DAG (hundreds of lots, random holds, releases, recalls and custody
 * transfers) is written; then, through PartsCo's API:
 *  - traces from the read model equal the chaincode's (`?source=ledger`), in
 *    both directions, with random depth and node limits (truncation included);
 *  - each recall's complete, paged report lists exactly the lots the
 *    chaincode's report lists, with the same custodians, statuses and depths;
 *  - lot search filters and pages;
 * and, with indexers in child processes on the run's store (PGlite, or the
 * PostgreSQL server of LOTLINE_READ_DB_URL in the runner's PostgreSQL pass):
 * killed inside a block's database transaction and restarted, an indexer ends
 * with exactly the rows of a rebuild from block 0, and the rebuild answers as
 * the live read model does; and the same schema and SQL on the other store
 * (a PostgreSQL server from Debian's packages, as the bench installs them,
 * which the spec fails without; or PGlite) hold the same rows and give the
 * same answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { canonicalJson } from '@lotline/domain';
import { DATA_TABLES, Indexer, openStore, readPosition, recallReport, traceLot, type Store, type StoreLocation } from '@lotline/read-model';
import { startPostgres, type Postgres } from '../../bench/postgres';
import { apiFetch } from '../faults/api';
import { ASSEMBLYCO, closeConnections, contractFor, PARTSCO, submitSynced } from '../support/identities';
import { prng, submit } from '../support/ledger';
import { newLot } from '../support/lots';
import { config, connect, uniqueId } from '../support/network';

const run = uniqueId('RM');
const product = { code: `RM-${run}`, name: 'Read model test part' };
const random = prng(17);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const LOTS = 240;
const BATCH = 80;

const ids: string[] = [];
const held: string[] = [];
const recalls: { recallId: string; lotId: string }[] = [];
const transferred: string[] = [];
let lastBlock = 0;

/** The run's read-model store: the PostgreSQL server of LOTLINE_READ_DB_URL (the runner's PostgreSQL pass), else PGlite. */
const serverUrl = process.env.LOTLINE_READ_DB_URL === '' ? undefined : process.env.LOTLINE_READ_DB_URL;
type StoreKind = 'PGlite' | 'PostgreSQL';
const runStore: StoreKind = serverUrl !== undefined ? 'PostgreSQL' : 'PGlite';
const otherStore: StoreKind = serverUrl !== undefined ? 'PGlite' : 'PostgreSQL';

const qm = () => contractFor(PARTSCO, 'qm1');
const quality = () => contractFor(PARTSCO, 'qm1', 'Quality');

function note(committed: { blockNumber: number | bigint }): void {
  lastBlock = Math.max(lastBlock, Number(committed.blockNumber));
}

/** Drop what only the read model states. */
function withoutAsOf(body: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...body };
  delete rest.asOfBlock;
  return rest;
}

async function get(urlPath: string): Promise<Record<string, unknown>> {
  let res;
  try {
    res = await apiFetch('PartsCo', 'auditor1', 'GET', urlPath);
  } catch {
    // A kept-alive socket the server closed during a long pause (the child indexers): a GET is safe to send again.
    res = await apiFetch('PartsCo', 'auditor1', 'GET', urlPath);
  }
  expect(res.status, `GET ${urlPath}: ${JSON.stringify(res.body).slice(0, 300)}`).to.equal(200);
  return res.body;
}

async function writeDag(): Promise<void> {
  for (let start = 0; start < LOTS; start += BATCH) {
    const lots = [];
    for (let i = start; i < start + BATCH; i++) {
      const id = `${PARTSCO.msp}:${run}-${String(i).padStart(3, '0')}`;
      const parents = new Set<string>();
      const fanIn = ids.length === 0 ? 0 : Math.floor(random() * 4);
      // Mostly recent parents, for depth; some from anywhere, for diamonds.
      for (let k = 0; k < fanIn; k++) parents.add(random() < 0.7 ? pick(ids.slice(-25)) : pick(ids));
      lots.push(
        newLot(PARTSCO.msp, `${run}-${String(i).padStart(3, '0')}`, {
          amount: 1000,
          product,
          inputs: [...parents].map((lotId) => ({ lotId, quantity: { amount: 1 + Math.floor(random() * 3), unit: 'EA' } })),
        }),
      );
      ids.push(id);
    }
    note(await submit(qm(), 'ImportLots', [JSON.stringify({ lots })]));
  }
  // Custody: a few lots go to AssemblyCo.
  for (const lotId of [ids[5], ids[60], ids[170]] as string[]) {
    await submitSynced(qm(), 'ProposeTransfer', [lotId, ASSEMBLYCO.msp]);
    note(await submitSynced(contractFor(ASSEMBLYCO, 'qm1'), 'AcceptTransfer', [lotId]));
    transferred.push(lotId);
  }
  // Holds (some covering descendants, one released) and recalls in random places.
  const holdIds: { lotId: string; holdId: string }[] = [];
  for (let h = 0; h < 6; h++) {
    const lotId = pick(ids.filter((id) => !transferred.includes(id) && !held.includes(id)));
    const placed = await submit(quality(), 'PlaceHold', [lotId, JSON.stringify({ reason: `hold ${h}`, includeDescendants: h % 2 === 0 })]);
    note(placed);
    held.push(lotId);
    holdIds.push({ lotId, holdId: (placed.result as { holdId: string }).holdId });
  }
  const release = holdIds[1] as { lotId: string; holdId: string };
  note(await submit(quality(), 'ReleaseHold', [release.lotId, release.holdId, 'cleared']));
  for (let r = 0; r < 3; r++) {
    const lotId = pick(ids.slice(0, 120).filter((id) => !transferred.includes(id)));
    const recallId = `${run}-recall-${r}`;
    note(await submit(quality(), 'StartRecall', [lotId, JSON.stringify({ reason: `recall ${r}`, recallId })]));
    recalls.push({ recallId, lotId });
  }
}

/** Every row of every table, canonical and sorted. */
async function dump(store: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of DATA_TABLES) {
    const rows = await store.query<{ r: unknown }>(`SELECT to_jsonb(t) AS r FROM ${table} t`);
    out[table] = rows.map((row) => canonicalJson(row.r)).sort();
  }
  return out;
}

function runIndexer(location: StoreLocation, until: number, killAt?: number): Promise<{ code: number | null; signal: string | null }> {
  const script = path.join(__dirname, 'indexer-process.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        RM_STORE: JSON.stringify(location),
        RM_UNTIL: String(until),
        ...(killAt !== undefined ? { RM_KILL_AT_BLOCK: String(killAt) } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`indexer process exited ${String(code)}: ${stderr.slice(-2000)}`));
      else resolve({ code, signal });
    });
  });
}

describe('the read model', function () {
  this.timeout(600_000);

  before(async function () {
    await writeDag();
  });

  after(closeConnections);

  describe('traces', function () {
    it('from the read model equal the chaincode’s, both directions, with random depth and node limits', async function () {
      const roots = [...new Set([...held, ...recalls.map((r) => r.lotId), ...Array.from({ length: 24 }, () => pick(ids))])];
      let truncated = 0;
      let affected = 0;
      for (const [i, root] of roots.entries()) {
        for (const direction of ['backward', 'forward']) {
          const depth = i % 3 === 0 ? 50 : Math.floor(random() * 8);
          const maxNodes = pick([1, 3, 20, 1000]);
          const query = `direction=${direction}&depth=${depth}&maxNodes=${maxNodes}`;
          const url = `/lots/${encodeURIComponent(root)}/trace?${query}`;
          const fromModel = await get(`${url}&minBlock=${lastBlock}`);
          const fromLedger = await get(`${url}&source=ledger`);
          expect(fromModel.asOfBlock, 'asOfBlock').to.be.at.least(lastBlock);
          expect(fromLedger).to.not.have.property('asOfBlock');
          expect(canonicalJson(withoutAsOf(fromModel)), `${root} ${query}`).to.equal(canonicalJson(fromLedger));
          if (fromModel.truncated === true) truncated++;
          affected += (fromModel.nodes as { affected: boolean }[]).filter((n) => n.affected).length;
        }
      }
      // The sample exercises the bounds and the affected status, or it proves little.
      expect(truncated, 'truncated traces compared').to.be.greaterThan(3);
      expect(affected, 'affected nodes compared').to.be.greaterThan(10);
    });

    it('answers 404 LOT_NOT_FOUND for an unknown lot, as the chaincode does', async function () {
      const res = await apiFetch('PartsCo', 'auditor1', 'GET', `/lots/${encodeURIComponent(`${PARTSCO.msp}:${run}-nope`)}/trace`);
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('LOT_NOT_FOUND');
    });
  });

  describe('recall reports', function () {
    it('list, over every page, exactly the lots of the chaincode’s report, with custodian, status and depth, and whom to notify', async function () {
      for (const { recallId } of recalls) {
        const ledger = await get(`/recalls/${recallId}?source=ledger`);
        expect(ledger.truncated, 'the chaincode report is within its caps here').to.equal(false);
        const pages: Record<string, unknown>[] = [];
        let cursor: string | null = null;
        do {
          const page = await get(`/recalls/${recallId}?limit=7&minBlock=${lastBlock}${cursor !== null ? `&cursor=${cursor}` : ''}`);
          pages.push(page);
          cursor = page.nextCursor as string | null;
        } while (cursor !== null);
        const fields = (a: Record<string, unknown>) =>
          canonicalJson({ lotId: a.lotId, custodian: a.custodian, producer: a.producer, status: a.status, depth: a.depth });
        const modelLots = pages.flatMap((p) => p.affected as Record<string, unknown>[]);
        const ledgerLots = ledger.affected as Record<string, unknown>[];
        expect(modelLots.map(fields).sort()).to.deep.equal(ledgerLots.map(fields).sort());
        expect(pages[0]?.total).to.equal(ledgerLots.length);
        const holders = new Map<string, number>();
        for (const lot of ledgerLots) holders.set(lot.custodian as string, (holders.get(lot.custodian as string) ?? 0) + 1);
        const organisations = (pages[0]?.organisations as { msp: string; lots: number }[]).map((o) => [o.msp, o.lots]);
        expect(organisations).to.deep.equal([...holders.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      }
    });
  });

  describe('lot search', function () {
    it('filters by product, custodian and status, and pages through every match once', async function () {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await get(`/lots?product=${product.code}&limit=50&minBlock=${lastBlock}${cursor !== null ? `&cursor=${cursor}` : ''}`);
        all.push(...(page.lots as { id: string }[]).map((l) => l.id));
        cursor = page.nextCursor as string | null;
      } while (cursor !== null);
      expect([...all].sort()).to.deep.equal([...ids].sort());
      const atAssembly = await get(`/lots?product=${product.code}&custodian=${ASSEMBLYCO.msp}`);
      expect((atAssembly.lots as { id: string }[]).map((l) => l.id).sort()).to.deep.equal([...transferred].sort());
      const recalled = await get(`/lots?product=${product.code}&status=recalled`);
      expect((recalled.lots as { id: string }[]).map((l) => l.id).sort()).to.deep.equal(recalls.map((r) => r.lotId).sort());
    });

    it('refuses a cursor it did not issue with 400', async function () {
      const res = await apiFetch('PartsCo', 'auditor1', 'GET', '/lots?cursor=bm90LWEtY3Vyc29y');
      expect(res.status).to.equal(400);
    });
  });

  describe('crash and rebuild', function () {
    const dirs: string[] = [];
    let schemas = 0;
    let rebuiltRows: Record<string, string[]> = {};
    let postgres: Postgres | undefined;
    after(() => {
      dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
      postgres?.stop();
    });

    /** A new, empty store: a temporary PGlite folder, or a schema of its own on the run's PostgreSQL server (or one started here). */
    async function newStore(kind: StoreKind): Promise<StoreLocation> {
      if (kind === 'PGlite') {
        const dir = mkdtempSync(path.join(tmpdir(), 'lotline-rm-'));
        dirs.push(dir);
        return { kind: 'pglite', dir };
      }
      postgres ??= serverUrl === undefined ? await startPostgres() : undefined;
      schemas += 1;
      return {
        kind: 'postgres',
        url: serverUrl ?? `postgres://postgres@127.0.0.1:${String(postgres?.port)}/postgres`,
        schema: `read_model_spec_${process.pid}_${schemas}`,
      };
    }

    it(`an indexer killed inside a block’s transaction resumes with no row missing or duplicated, equal to a rebuild from block 0 and to the live answers (on ${runStore})`, async function () {
      const [crashed, rebuilt] = [await newStore(runStore), await newStore(runStore)];
      const killAt = lastBlock - 2;
      const killed = await runIndexer(crashed, lastBlock + 1, killAt);
      expect(killed.signal, 'the indexer died inside the block').to.equal('SIGKILL');
      await runIndexer(crashed, lastBlock + 1);
      await runIndexer(rebuilt, lastBlock + 1);
      const [a, b] = await Promise.all([openStore(crashed), openStore(rebuilt)]);
      try {
        const [positionA, positionB] = [await readPosition(a), await readPosition(b)];
        // Both stopped at or past the last write; compare at the same block.
        expect(Number(positionA.nextBlock)).to.be.greaterThan(lastBlock);
        expect(Number(positionB.nextBlock)).to.be.greaterThan(lastBlock);
        const [rowsA, rowsB] = [await dump(a), await dump(b)];
        rebuiltRows = rowsB;
        const ours = (rows: string[]) => rows.filter((r) => r.includes(run));
        expect(ours(rowsA.lots ?? []).length, 'every lot of the run, once').to.equal(LOTS);
        for (const table of DATA_TABLES) {
          const upTo = (rows: string[]) => rows.filter((r) => Number((JSON.parse(r) as { block: number }).block) <= lastBlock);
          expect(upTo(rowsA[table] ?? []), `${table} after the crash vs the rebuild`).to.deep.equal(upTo(rowsB[table] ?? []));
        }
        for (const root of [ids[0], recalls[0]?.lotId, held[0]] as string[]) {
          for (const direction of ['backward', 'forward'] as const) {
            const live = await get(`/lots/${encodeURIComponent(root)}/trace?direction=${direction}&depth=50&maxNodes=5000`);
            const fromRebuild = await b.transaction((tx) => traceLot(tx, root, direction, 50, 5000));
            expect(canonicalJson(fromRebuild), `${root} ${direction}`).to.equal(canonicalJson(withoutAsOf(live)));
          }
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it(`on ${otherStore}, the same schema and SQL index the same rows and give the same answers`, async function () {
      expect(Object.keys(rebuiltRows).length, `the ${runStore} rebuild ran first`).to.be.greaterThan(0);
      const store = await openStore(await newStore(otherStore));
      const conn = connect('PartsCo', 'auditor1');
      const indexer = new Indexer({ store, gateway: () => conn.gateway, channel: config.channel, chaincode: config.chaincode });
      try {
        await indexer.start();
        expect(await indexer.waitFor(BigInt(lastBlock), 300_000), `indexed block ${lastBlock}`).to.equal(true);
        await indexer.stop();
        const rows = await dump(store);
        for (const table of DATA_TABLES) {
          const upTo = (all: string[]) => all.filter((r) => Number((JSON.parse(r) as { block: number }).block) <= lastBlock);
          expect(upTo(rows[table] ?? []), `${table} on ${otherStore} vs ${runStore}`).to.deep.equal(upTo(rebuiltRows[table] ?? []));
        }
        for (const root of [ids[0], recalls[1]?.lotId, held[2]] as string[]) {
          for (const direction of ['backward', 'forward'] as const) {
            const live = await get(`/lots/${encodeURIComponent(root)}/trace?direction=${direction}&depth=50&maxNodes=5000`);
            const fromOther = await store.transaction((tx) => traceLot(tx, root, direction, 50, 5000));
            expect(canonicalJson(fromOther), `${root} ${direction}`).to.equal(canonicalJson(withoutAsOf(live)));
          }
        }
        const { recallId } = recalls[0] as { recallId: string };
        const live = await get(`/recalls/${recallId}?limit=5000`);
        const fromOther = await store.transaction((tx) => recallReport(tx, recallId, { limit: 5000 }));
        expect(canonicalJson(fromOther)).to.equal(canonicalJson(withoutAsOf(live)));
      } finally {
        await indexer.stop();
        await store.close();
        conn.close();
      }
    });
  });
});
