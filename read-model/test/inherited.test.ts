import type { BlockTransaction, BlockWrite, DecodedBlock } from '@lotline/ledger-client';
import { expect } from 'chai';
import { applyBlocks, ensureSchema, openStore, type Store } from '../src';

const NS = 'lotline';

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Lot {
  readonly id: string;
  holds: { holdId: string; includeDescendants: boolean }[];
  recall: { recallId: string; eventId: string } | null;
}

function write(attributes: string[], value: unknown): BlockWrite {
  return { namespace: NS, key: `\u0000lot\u0000${attributes.join('\u0000')}\u0000`, objectType: 'lot', attributes, isDelete: false, value };
}

function lotWrite(lot: Lot): BlockWrite {
  return write([lot.id], {
    id: lot.id,
    product: { code: 'P', name: 'p' },
    quantity: { amount: 10, unit: 'EA' },
    producer: 'PartsCoMSP',
    custodian: 'PartsCoMSP',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    holds: lot.holds,
    recall: lot.recall,
  });
}

function tx(txId: string, writes: BlockWrite[]): BlockTransaction {
  return {
    txId,
    txIndex: 0,
    validationCode: 'VALID',
    valid: true,
    timestamp: '2026-01-01T00:00:00.000Z',
    creatorMsp: 'PartsCoMSP',
    chaincode: NS,
    writes,
    event: null,
  };
}

/**
 * 40 blocks of a random lineage: each block creates lots with up to three parents among the earlier ones, and
 * places, releases or recalls on earlier lots; the lots and their parents as they stand after the last block.
 */
function history(seed: number): { blocks: DecodedBlock[]; lots: Map<string, Lot>; parents: Map<string, string[]> } {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(next() * list.length)];
  const lots = new Map<string, Lot>();
  const parents = new Map<string, string[]>();
  const blocks: DecodedBlock[] = [{ number: 0n, transactions: [] }];
  let serial = 0;
  for (let b = 1; b <= 40; b++) {
    const writes: BlockWrite[] = [];
    const ids = [...lots.keys()];
    for (let n = Math.floor(next() * 6); n > 0; n--) {
      const lot: Lot = { id: `L${serial++}`, holds: [], recall: null };
      const from = new Set<string>();
      for (let p = Math.floor(next() * 4); p > 0; p--) {
        const parent = pick(ids);
        if (parent !== undefined) from.add(parent);
      }
      lots.set(lot.id, lot);
      parents.set(lot.id, [...from]);
      writes.push(lotWrite(lot), ...[...from].map((p) => write([p, 'child', lot.id], { quantity: { amount: 1, unit: 'EA' } })));
    }
    for (let n = Math.floor(next() * 3); n > 0; n--) {
      const lot = lots.get(pick(ids) ?? '');
      if (lot === undefined) continue;
      const roll = next();
      if (roll < 0.4) lot.holds = [...lot.holds, { holdId: `h${serial++}`, includeDescendants: next() < 0.6 }];
      else if (roll < 0.7) lot.holds = lot.holds.slice(1);
      else lot.recall = lot.recall === null ? { recallId: `R${serial}`, eventId: `e${serial++}` } : null;
      writes.push(lotWrite(lot));
    }
    blocks.push({ number: BigInt(b), transactions: [tx(`t${b}`, writes)] });
  }
  return { blocks, lots, parents };
}

/** What each lot inherits, worked out from the final lots: every proper ancestor's recall and descendant-covering holds. */
function expected(lots: Map<string, Lot>, parents: Map<string, string[]>): string[] {
  const rows = new Set<string>();
  for (const id of lots.keys()) {
    const seen = new Set<string>();
    const queue = [...(parents.get(id) ?? [])];
    while (queue.length > 0) {
      const a = queue.pop() ?? '';
      if (seen.has(a)) continue;
      seen.add(a);
      queue.push(...(parents.get(a) ?? []));
      const lot = lots.get(a);
      if (lot?.recall) rows.add(`${id} recall ${a} ${lot.recall.eventId} ${lot.recall.recallId}`);
      for (const h of lot?.holds ?? []) if (h.includeDescendants) rows.add(`${id} hold ${a} ${h.holdId} -`);
    }
  }
  return [...rows].sort();
}

async function stored(store: Store): Promise<string[]> {
  const rows = await store.query<{ r: string }>(
    `SELECT lot_id || ' ' || kind || ' ' || source_lot_id || ' ' || event_id || ' ' || coalesce(recall_id, '-') AS r FROM lot_inherited`,
  );
  return rows.map((x) => x.r).sort();
}

describe('inherited refs', function () {
  this.timeout(120_000);

  for (const seed of [1, 2, 3]) {
    it(`match every ancestor's recall and descendant-covering holds after random runs of blocks (seed ${seed})`, async function () {
      const { blocks, lots, parents } = history(seed);
      const store = await openStore({ kind: 'pglite-memory' });
      try {
        await ensureSchema(store);
        const runs = random(seed + 100);
        for (let i = 0; i < blocks.length; ) {
          const size = 1 + Math.floor(runs() * 8);
          await store.transaction((sql) => applyBlocks(sql, blocks.slice(i, i + size), NS));
          i += size;
        }
        const want = expected(lots, parents);
        expect(want.length, 'the history has inherited refs to check').to.be.greaterThan(20);
        expect(await stored(store)).to.deep.equal(want);
      } finally {
        await store.close();
      }
    });
  }
});
