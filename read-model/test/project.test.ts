import type { BlockTransaction, BlockWrite, DecodedBlock } from '@lotline/ledger-client';
import { expect } from 'chai';
import {
  affectedBy,
  applyBlock,
  applyBlocks,
  DATA_TABLES,
  DERIVED_TABLES,
  ensureSchema,
  openStore,
  readPosition,
  type Store,
} from '../src';

const NS = 'lotline';

function write(objectType: string, attributes: string[], value: unknown, isDelete = false): BlockWrite {
  return { namespace: NS, key: `\u0000${[objectType, ...attributes].join('\u0000')}\u0000`, objectType, attributes, isDelete, value };
}

function lotDoc(
  id: string,
  custodian: string,
  holds: { holdId: string; includeDescendants: boolean }[] = [],
  recall: { recallId: string; eventId: string } | null = null,
) {
  return {
    id,
    product: { code: 'P', name: 'p' },
    quantity: { amount: 10, unit: 'EA' },
    producer: 'PartsCoMSP',
    custodian,
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    holds,
    recall,
  };
}

function tx(txId: string, writes: BlockWrite[], valid = true): BlockTransaction {
  return {
    txId,
    txIndex: 0,
    validationCode: valid ? 'VALID' : 'MVCC_READ_CONFLICT',
    valid,
    timestamp: '2026-01-01T00:00:00.000Z',
    creatorMsp: 'PartsCoMSP',
    chaincode: NS,
    writes,
    event: null,
  };
}

const hold = (holdId: string) => ({ holdId, includeDescendants: true });

/** Blocks that create, hold, release, re-hold, debit and hand over lots, with a write of the same key in several blocks. */
const BLOCKS: DecodedBlock[] = [
  { number: 0n, transactions: [] },
  {
    number: 1n,
    transactions: [tx('t1', [write('lot', ['A'], lotDoc('A', 'PartsCoMSP')), write('lot', ['B'], lotDoc('B', 'PartsCoMSP'))])],
  },
  {
    number: 2n,
    transactions: [
      tx('t2', [write('lot', ['A'], lotDoc('A', 'PartsCoMSP', [hold('h1')]))]),
      tx('t3', [
        write('lot', ['C'], lotDoc('C', 'PartsCoMSP')),
        write('lot', ['A', 'child', 'C'], { quantity: { amount: 1, unit: 'EA' } }),
        write('lot', ['A', 'balance', '3'], { micro: '0' }),
      ]),
      tx('bad', [write('lot', ['Z'], lotDoc('Z', 'PartsCoMSP'))], false),
    ],
  },
  { number: 3n, transactions: [tx('t4', [write('lot', ['A'], lotDoc('A', 'AssemblyCoMSP', [hold('h1'), hold('h2')]))])] },
  {
    number: 4n,
    transactions: [tx('t5', [write('lot', ['A'], lotDoc('A', 'AssemblyCoMSP', [hold('h2')])), write('transfer', ['B'], { to: 'x' })])],
  },
  {
    number: 5n,
    transactions: [
      tx('t6', [write('lot', ['A'], lotDoc('A', 'AssemblyCoMSP', [hold('h1'), hold('h2')])), write('transfer', ['B'], null, true)]),
    ],
  },
  {
    number: 6n,
    transactions: [
      tx('t7', [
        write('lot', ['D'], lotDoc('D', 'PartsCoMSP')),
        write('lot', ['C', 'child', 'D'], { quantity: { amount: 1, unit: 'EA' } }),
      ]),
    ],
  },
  {
    number: 7n,
    transactions: [
      tx('t8', [
        write('lot', ['C'], lotDoc('C', 'PartsCoMSP', [{ holdId: 'h3', includeDescendants: false }], { recallId: 'R1', eventId: 'e1' })),
      ]),
      tx('t9', [write('lot', ['A'], lotDoc('A', 'AssemblyCoMSP', [hold('h1')]))]),
    ],
  },
];

async function rows(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [...DATA_TABLES, ...DERIVED_TABLES]) out[table] = await store.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`);
  return out;
}

describe('applying blocks', function () {
  this.timeout(60_000);
  let one: Store;
  let many: Store;

  before(async function () {
    [one, many] = await Promise.all([openStore({ kind: 'pglite-memory' }), openStore({ kind: 'pglite-memory' })]);
    await Promise.all([ensureSchema(one), ensureSchema(many)]);
  });
  after(async function () {
    await Promise.all([one.close(), many.close()]);
  });

  it('gives the same rows, provenance included, whether the blocks are applied one per transaction or all in one', async function () {
    for (const block of BLOCKS) await one.transaction((sql) => applyBlock(sql, block, NS));
    await many.transaction((sql) => applyBlocks(sql, BLOCKS.slice(0, 2), NS));
    await many.transaction((sql) => applyBlocks(sql, BLOCKS.slice(2), NS));
    const [a, b] = await Promise.all([rows(one), rows(many)]);
    expect(b).to.deep.equal(a);
    expect((await readPosition(many)).nextBlock).to.equal(8n);
    // h1 was released in block 4 and held again in block 5 (a row from then on); h3 came with C's document of block 7.
    expect(a.holds).to.deep.equal([
      { lot_id: 'A', hold_id: 'h1', include_descendants: true, block: 5, tx_id: 't6' },
      { lot_id: 'C', hold_id: 'h3', include_descendants: false, block: 7, tx_id: 't8' },
    ]);
    expect(a.lots?.map((l) => (l as { id: string }).id)).to.deep.equal(['A', 'B', 'C', 'D']);
    expect(a.transfers).to.deep.equal([]);
  });

  it('keeps what each lot inherits up to date: recalls and descendant-covering holds of every ancestor, not the others', async function () {
    const affected = await one.transaction((sql) => affectedBy(sql, ['A', 'B', 'C', 'D']));
    const refs = (id: string) => (affected.get(id) ?? []).map((r) => `${r.kind} ${r.sourceLotId} ${r.eventId}`);
    expect(refs('A')).to.deep.equal(['hold A h1']);
    expect(refs('B')).to.deep.equal([]);
    // C: its own recall and hold, and A's h1 (h2 was released in block 7).
    expect(refs('C')).to.deep.equal(['hold A h1', 'hold C h3', 'recall C e1']);
    // D: C's recall and A's h1 through C; not C's h3 (it does not cover descendants).
    expect(refs('D')).to.deep.equal(['hold A h1', 'recall C e1']);
  });

  it('refuses a run that does not start at the checkpoint', async function () {
    const late = many.transaction((sql) => applyBlocks(sql, [{ number: 9n, transactions: [] }], NS));
    await late.then(
      () => expect.fail('a block past the checkpoint was applied'),
      (error: Error) => expect(error.message).to.match(/block 9 is not the next block to index/),
    );
  });
});
