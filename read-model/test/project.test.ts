import type { BlockTransaction, BlockWrite, DecodedBlock } from '@lotline/ledger-client';
import { expect } from 'chai';
import { applyBlock, applyBlocks, DATA_TABLES, ensureSchema, openStore, readPosition, type Store } from '../src';

const NS = 'lotline';

function write(objectType: string, attributes: string[], value: unknown, isDelete = false): BlockWrite {
  return { namespace: NS, key: `\u0000${[objectType, ...attributes].join('\u0000')}\u0000`, objectType, attributes, isDelete, value };
}

function lotDoc(id: string, custodian: string, holds: { holdId: string; includeDescendants: boolean }[] = []) {
  return {
    id,
    product: { code: 'P', name: 'p' },
    quantity: { amount: 10, unit: 'EA' },
    producer: 'PartsCoMSP',
    custodian,
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    holds,
    recall: null,
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
];

async function rows(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of DATA_TABLES) out[table] = await store.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`);
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
    expect((await readPosition(many)).nextBlock).to.equal(6n);
    // h2 was listed from block 3 on; h1 was released in block 4 and held again in block 5.
    expect(a.holds).to.deep.include.members([
      { lot_id: 'A', hold_id: 'h2', include_descendants: true, block: 3, tx_id: 't4' },
      { lot_id: 'A', hold_id: 'h1', include_descendants: true, block: 5, tx_id: 't6' },
    ]);
    expect(a.lots?.map((l) => (l as { id: string }).id)).to.deep.equal(['A', 'B', 'C']);
    expect(a.transfers).to.deep.equal([]);
  });

  it('refuses a run that does not start at the checkpoint', async function () {
    const late = many.transaction((sql) => applyBlocks(sql, [{ number: 9n, transactions: [] }], NS));
    await late.then(
      () => expect.fail('a block past the checkpoint was applied'),
      (error: Error) => expect(error.message).to.match(/block 9 is not the next block to index/),
    );
  });
});
