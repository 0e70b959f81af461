/**
 * Projection: committed blocks' VALID transactions into table rows, by the
 * keys the chaincode wrote (chaincode/src/keys.ts and
 * chaincode/src/epcis/model.ts), applied with the checkpoint in one database
 * transaction. Later writes of a key replace earlier ones, as the peer's world
 * state does, so a run of blocks is applied as one set of rows (one statement
 * per table), each row with the provenance of the write that produced it:
 * the same rows as applying the blocks one at a time.
 */
import { fromMicro, toMicro, type Micro } from '@lotline/domain';
import type { BlockTransaction, DecodedBlock } from '@lotline/ledger-client';
import { searchDocument } from './epcis-search';
import { inheritableOf, refreshInherited, storedInheritable } from './inherited';
import type { Sql } from './store';

/** Balance shards per lot (chaincode/src/models/balance.ts BALANCE_SHARDS). */
export const BALANCE_SHARDS = 16;
const SHARDS = BigInt(BALANCE_SHARDS);

/** What a shard holds before its first debit: the chaincode's initial share. */
export function initialShare(total: Micro, shard: number): Micro {
  return total / SHARDS + (BigInt(shard) < total % SHARDS ? 1n : 0n);
}

/** Remaining micro-units: written shards as stored, the others at their initial share. */
export function remainingOf(total: Micro, written: ReadonlyMap<number, Micro>): Micro {
  let sum = 0n;
  for (let i = 0; i < BALANCE_SHARDS; i++) sum += written.get(i) ?? initialShare(total, i);
  return sum;
}

type Row = Record<string, unknown>;

/** A table's columns with their SQL types, and its key. */
interface Table {
  readonly name: string;
  readonly columns: readonly (readonly [string, string])[];
  readonly key: readonly string[];
}

const PROVENANCE = [
  ['block', 'bigint'],
  ['tx_id', 'text'],
] as const;

function table(name: string, key: readonly string[], columns: readonly (readonly [string, string])[]): Table {
  return { name, key, columns: [...columns, ...PROVENANCE] };
}

const TABLES = {
  transactions: table(
    'transactions',
    ['tx_id'],
    [
      ['tx_index', 'int'],
      ['tx_time', 'text'],
      ['creator_msp', 'text'],
      ['event_name', 'text'],
      ['event', 'jsonb'],
    ],
  ),
  lots: table(
    'lots',
    ['id'],
    [
      ['id', 'text'],
      ['product_code', 'text'],
      ['producer', 'text'],
      ['custodian', 'text'],
      ['status', 'text'],
      ['unit', 'text'],
      ['quantity_micro', 'numeric'],
      ['remaining_micro', 'numeric'],
      ['created_at', 'text'],
      ['recall_id', 'text'],
      ['recall_event_id', 'text'],
      ['doc', 'jsonb'],
    ],
  ),
  lineage_edges: table(
    'lineage_edges',
    ['parent', 'child'],
    [
      ['parent', 'text'],
      ['child', 'text'],
      ['quantity', 'jsonb'],
    ],
  ),
  balance_shards: table(
    'balance_shards',
    ['lot_id', 'shard'],
    [
      ['lot_id', 'text'],
      ['shard', 'int'],
      ['micro', 'numeric'],
    ],
  ),
  transfers: table(
    'transfers',
    ['lot_id'],
    [
      ['lot_id', 'text'],
      ['doc', 'jsonb'],
    ],
  ),
  latest_inspections: table(
    'latest_inspections',
    ['lot_id'],
    [
      ['lot_id', 'text'],
      ['event_id', 'text'],
      ['verdict', 'text'],
      ['recorded_at', 'text'],
    ],
  ),
  quality_events: table(
    'quality_events',
    ['lot_id', 'recorded_at', 'event_id'],
    [
      ['lot_id', 'text'],
      ['event_id', 'text'],
      ['recorded_at', 'text'],
      ['type', 'text'],
      ['doc', 'jsonb'],
    ],
  ),
  recalls: table(
    'recalls',
    ['recall_id'],
    [
      ['recall_id', 'text'],
      ['source_lot_id', 'text'],
      ['doc', 'jsonb'],
    ],
  ),
  participants: table(
    'participants',
    ['msp'],
    [
      ['msp', 'text'],
      ['doc', 'jsonb'],
    ],
  ),
  epcis_events: table(
    'epcis_events',
    ['hash_id'],
    [
      ['hash_id', 'text'],
      ['event_id', 'text'],
      ['type', 'text'],
      ['event_time_ms', 'bigint'],
      ['biz_step', 'text'],
      ['disposition', 'text'],
      ['record_time', 'text'],
      ['event', 'jsonb'],
      ['context', 'jsonb'],
      ['doc', 'jsonb'],
      ['search', 'jsonb'],
    ],
  ),
  epcis_declarations: table(
    'epcis_declarations',
    ['hash_id', 'capture_tx_id', 'idx'],
    [
      ['hash_id', 'text'],
      ['capture_tx_id', 'text'],
      ['idx', 'text'],
      ['reason', 'text'],
      ['declared_event_known', 'boolean'],
      ['event', 'jsonb'],
      ['context', 'jsonb'],
      ['doc', 'jsonb'],
      ['search', 'jsonb'],
    ],
  ),
  holds: table(
    'holds',
    ['lot_id', 'hold_id'],
    [
      ['lot_id', 'text'],
      ['hold_id', 'text'],
      ['include_descendants', 'boolean'],
    ],
  ),
  custody: table(
    'custody',
    ['lot_id', 'block', 'tx_id'],
    [
      ['lot_id', 'text'],
      ['custodian', 'text'],
    ],
  ),
} as const;

type TableName = keyof typeof TABLES;

function recordset(t: Table, columns: readonly (readonly [string, string])[] = t.columns): string {
  return `jsonb_to_recordset($1::jsonb) AS x(${columns.map(([c, type]) => `${c} ${type}`).join(', ')})`;
}

async function upsert(sql: Sql, t: Table, rows: readonly Row[], onConflict: 'update' | 'nothing' = 'update'): Promise<void> {
  if (rows.length === 0) return;
  const names = t.columns.map(([c]) => c);
  const updates = names.filter((c) => !t.key.includes(c)).map((c) => `${c} = excluded.${c}`);
  const action = onConflict === 'nothing' || updates.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updates.join(', ')}`;
  await sql.query(
    `INSERT INTO ${t.name} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${recordset(t)} ON CONFLICT (${t.key.join(', ')}) ${action}`,
    [JSON.stringify(rows)],
  );
}

async function remove(sql: Sql, t: Table, keys: readonly Row[]): Promise<void> {
  if (keys.length === 0) return;
  const columns = t.columns.filter(([c]) => t.key.includes(c));
  const match = t.key.map((c) => `${t.name}.${c} = x.${c}`).join(' AND ');
  await sql.query(`DELETE FROM ${t.name} USING ${recordset(t, columns)} WHERE ${match}`, [JSON.stringify(keys)]);
}

interface LotDoc {
  readonly id: string;
  readonly product: { readonly code: string };
  readonly quantity: { readonly amount: number; readonly unit: string };
  readonly producer: string;
  readonly custodian: string;
  readonly status: string;
  readonly createdAt: string;
  readonly holds: readonly { readonly holdId: string; readonly includeDescendants: boolean }[];
  readonly recall: { readonly recallId: string; readonly eventId: string } | null;
}

/** A lot document as written, with its provenance. */
interface WrittenLot {
  readonly doc: LotDoc;
  readonly block: number;
  readonly txId: string;
}

/** The rows of a run of blocks, last write of a key winning. */
class BlockRows {
  private readonly puts = new Map<TableName, Map<string, Row>>();
  private readonly deletes = new Map<TableName, Map<string, Row>>();
  /** The last lot document written, by id, with its provenance. */
  readonly lots = new Map<string, WrittenLot>();
  /** The last lot document of each block, by lot, in block order (holds keep the provenance of a block's document). */
  readonly perBlock = new Map<string, WrittenLot[]>();
  /** Lot documents written in the current block. */
  private readonly inBlock = new Map<string, WrittenLot>();
  /** Lots whose balance shards were written. */
  readonly debited = new Set<string>();
  /** Custody changes in write order. */
  readonly custody: Row[] = [];

  put(name: TableName, row: Row): void {
    const id = JSON.stringify(TABLES[name].key.map((k) => row[k]));
    this.deletes.get(name)?.delete(id);
    if (!this.puts.has(name)) this.puts.set(name, new Map());
    this.puts.get(name)?.set(id, row);
  }

  delete(name: TableName, key: Row): void {
    const id = JSON.stringify(TABLES[name].key.map((k) => key[k]));
    this.puts.get(name)?.delete(id);
    if (!this.deletes.has(name)) this.deletes.set(name, new Map());
    this.deletes.get(name)?.set(id, key);
  }

  rows(name: TableName): Row[] {
    return [...(this.puts.get(name)?.values() ?? [])];
  }

  deleted(name: TableName): Row[] {
    return [...(this.deletes.get(name)?.values() ?? [])];
  }

  shard(lotId: string, shard: number): Row | undefined {
    return this.puts.get('balance_shards')?.get(JSON.stringify([lotId, shard]));
  }

  writeLot(lot: WrittenLot): void {
    this.lots.set(lot.doc.id, lot);
    this.inBlock.set(lot.doc.id, lot);
  }

  /** Close the current block: its last document of each lot joins {@link perBlock}. */
  endBlock(): void {
    for (const [id, lot] of this.inBlock) {
      if (!this.perBlock.has(id)) this.perBlock.set(id, []);
      this.perBlock.get(id)?.push(lot);
    }
    this.inBlock.clear();
  }
}

type Write = BlockTransaction['writes'][number];
type At = { readonly block: number; readonly tx_id: string };
type Projector = (rows: BlockRows, w: Write, v: Record<string, unknown>, at: At) => void;

function projectLotKey(rows: BlockRows, w: Write, v: Record<string, unknown>, at: At): void {
  const a = w.attributes;
  if (w.isDelete) return;
  if (a.length === 1) {
    const doc = w.value as LotDoc;
    rows.writeLot({ doc, block: at.block, txId: at.tx_id });
    rows.custody.push({ lot_id: doc.id, custodian: doc.custodian, ...at });
  } else if (a[1] === 'child' && a.length === 3) {
    rows.put('lineage_edges', { parent: a[0], child: a[2], quantity: v.quantity, ...at });
  } else if (a[1] === 'balance' && a.length === 3) {
    rows.put('balance_shards', { lot_id: a[0], shard: Number(a[2]), micro: String(v.micro), ...at });
    rows.debited.add(a[0] ?? '');
  } else if (a[1] === 'inspection' && a.length === 2) {
    rows.put('latest_inspections', { lot_id: a[0], event_id: v.eventId, verdict: v.verdict, recorded_at: v.recordedAt, ...at });
  }
}

const PROJECTORS: Readonly<Record<string, Projector>> = {
  lot: projectLotKey,
  transfer: (rows, w, v, at) => {
    if (w.isDelete) rows.delete('transfers', { lot_id: w.attributes[0] });
    else rows.put('transfers', { lot_id: w.attributes[0], doc: v, ...at });
  },
  qe: (rows, w, v, at) => {
    const [lotId, recordedAt, eventId] = w.attributes;
    if (!w.isDelete) rows.put('quality_events', { lot_id: lotId, recorded_at: recordedAt, event_id: eventId, type: v.type, doc: v, ...at });
  },
  recall: (rows, w, v, at) => {
    if (!w.isDelete) rows.put('recalls', { recall_id: w.attributes[0], source_lot_id: v.sourceLotId, doc: v, ...at });
  },
  participant: (rows, w, v, at) => {
    if (!w.isDelete) rows.put('participants', { msp: w.attributes[0], doc: v, ...at });
  },
  // EPCIS events exactly as captured: the chaincode stores each event document with its own @context.
  'epcis~event': (rows, w, v, at) => {
    if (w.isDelete) return;
    rows.put('epcis_events', {
      hash_id: w.attributes[0],
      event_id: v.eventID ?? null,
      type: v.type,
      event_time_ms: v.eventTimeMs,
      biz_step: v.bizStep ?? null,
      disposition: v.disposition ?? null,
      record_time: v.recordedAt,
      event: v.event,
      context: v.context ?? null,
      doc: v,
      search: searchDocument(v.event as Record<string, unknown>, v.context),
      ...at,
    });
  },
  'epcis~decl': (rows, w, v, at) => {
    if (w.isDelete) return;
    const [hashId, captureTxId, idx] = w.attributes;
    rows.put('epcis_declarations', {
      hash_id: hashId,
      capture_tx_id: captureTxId,
      idx,
      reason: v.reason ?? null,
      declared_event_known: v.declaredEventKnown === true,
      event: v.event,
      context: v.context ?? null,
      doc: v,
      search: searchDocument(v.event as Record<string, unknown>, v.context),
      ...at,
    });
  },
  // The chaincode's own query indexes (capabilities, EPCIS markers, containment) are derivable from the rows above.
};

function record(rows: BlockRows, tx: BlockTransaction, block: number, namespace: string): void {
  const at: At = { block, tx_id: tx.txId };
  rows.put('transactions', {
    tx_index: tx.txIndex,
    tx_time: tx.timestamp,
    creator_msp: tx.creatorMsp,
    event_name: tx.event?.name ?? null,
    event: tx.event?.payload ?? null,
    ...at,
  });
  for (const w of tx.writes) {
    if (w.namespace !== namespace) continue;
    PROJECTORS[w.objectType]?.(rows, w, (w.value ?? {}) as Record<string, unknown>, at);
  }
}

interface KnownLot {
  readonly id: string;
  readonly custodian: string;
  readonly unit: string;
  readonly quantity_micro: string;
}

/** Lots of the block as rows, with remaining quantities and custody changes worked out against the database. */
async function lotRows(sql: Sql, rows: BlockRows): Promise<void> {
  const ids = [...new Set([...rows.lots.keys(), ...rows.debited])];
  if (ids.length === 0) return;
  const known = new Map(
    (
      await sql.query<KnownLot>('SELECT id, custodian, unit, quantity_micro::text AS quantity_micro FROM lots WHERE id = ANY($1::text[])', [
        ids,
      ])
    ).map((r) => [r.id, r]),
  );
  const shards = new Map<string, Map<number, Micro>>();
  for (const s of await sql.query<{ lot_id: string; shard: number; micro: string }>(
    'SELECT lot_id, shard, micro::text AS micro FROM balance_shards WHERE lot_id = ANY($1::text[])',
    [ids],
  )) {
    if (!shards.has(s.lot_id)) shards.set(s.lot_id, new Map());
    shards.get(s.lot_id)?.set(s.shard, BigInt(s.micro));
  }
  const remainingFor = (id: string, total: Micro): string => {
    const written = new Map(shards.get(id) ?? []);
    for (let i = 0; i < BALANCE_SHARDS; i++) {
      const inBlock = rows.shard(id, i);
      if (inBlock !== undefined) written.set(i, BigInt(inBlock.micro as string));
    }
    return remainingOf(total, written).toString();
  };
  const updates: Row[] = [];
  for (const id of ids) {
    const written = rows.lots.get(id);
    if (written === undefined) {
      const lot = known.get(id);
      if (lot !== undefined) updates.push({ id, remaining_micro: remainingFor(id, BigInt(lot.quantity_micro)) });
      continue;
    }
    const { doc, block, txId } = written;
    const total = toMicro(doc.quantity.amount, `lot ${id} quantity`);
    rows.put('lots', {
      id,
      product_code: doc.product.code,
      producer: doc.producer,
      custodian: doc.custodian,
      status: doc.status,
      unit: doc.quantity.unit,
      quantity_micro: total.toString(),
      remaining_micro: remainingFor(id, total),
      created_at: doc.createdAt,
      recall_id: doc.recall?.recallId ?? null,
      recall_event_id: doc.recall?.eventId ?? null,
      doc,
      block,
      tx_id: txId,
    });
  }
  if (updates.length > 0)
    await sql.query(
      'UPDATE lots SET remaining_micro = x.remaining_micro FROM jsonb_to_recordset($1::jsonb) AS x(id text, remaining_micro numeric) WHERE lots.id = x.id',
      [JSON.stringify(updates)],
    );
  // Custody: a row whenever the custodian differs from the one before (the creation included).
  const last = new Map([...known.values()].map((l) => [l.id, l.custodian]));
  for (const change of rows.custody) {
    const id = change.lot_id as string;
    if (last.get(id) === change.custodian) continue;
    last.set(id, change.custodian as string);
    rows.put('custody', change);
  }
}

/**
 * Holds in force: those the latest lot document lists. A hold row keeps the
 * provenance of the block's document that first listed it (as long as every
 * later document lists it), so the holds of each lot written in the run are
 * replayed block by block from the rows stored before it.
 */
async function holdRows(sql: Sql, rows: BlockRows): Promise<void> {
  const ids = [...rows.perBlock.keys()];
  if (ids.length === 0) return;
  const before = new Map<string, Map<string, Row>>();
  for (const h of await sql.query<Row & { lot_id: string; hold_id: string }>(
    'SELECT lot_id, hold_id, include_descendants, block::text AS block, tx_id FROM holds WHERE lot_id = ANY($1::text[])',
    [ids],
  )) {
    if (!before.has(h.lot_id)) before.set(h.lot_id, new Map());
    before.get(h.lot_id)?.set(h.hold_id, h);
  }
  const current: Row[] = [];
  for (const [id, docs] of rows.perBlock) {
    let held = before.get(id) ?? new Map<string, Row>();
    for (const { doc, block, txId } of docs) {
      const next = new Map<string, Row>();
      for (const h of doc.holds)
        next.set(
          h.holdId,
          held.get(h.holdId) ?? { lot_id: id, hold_id: h.holdId, include_descendants: h.includeDescendants, block, tx_id: txId },
        );
      held = next;
    }
    current.push(...held.values());
  }
  await sql.query('DELETE FROM holds WHERE lot_id = ANY($1::text[])', [ids]);
  await upsert(sql, TABLES.holds, current, 'nothing');
}

/**
 * Apply a run of consecutive blocks (their VALID transactions of `namespace`)
 * and move the checkpoint past the last, in `sql`'s transaction.
 */
export async function applyBlocks(sql: Sql, blocks: readonly DecodedBlock[], namespace: string): Promise<number> {
  const first = blocks[0];
  const last = blocks[blocks.length - 1];
  if (first === undefined || last === undefined) return 0;
  const rows = new BlockRows();
  let lastTx: string | null = null;
  for (const block of blocks) {
    const number = Number(block.number);
    lastTx = null;
    for (const tx of block.transactions) {
      if (!tx.valid || tx.chaincode !== namespace) continue;
      record(rows, tx, number, namespace);
      lastTx = tx.txId;
    }
    rows.endBlock();
  }
  const before = await storedInheritable(sql, [...rows.lots.keys()]);
  await lotRows(sql, rows);
  await holdRows(sql, rows);
  for (const name of Object.keys(TABLES) as TableName[]) {
    if (name === 'holds') continue;
    await remove(sql, TABLES[name], rows.deleted(name));
    await upsert(sql, TABLES[name], rows.rows(name));
  }
  // What descendants inherit changed for these lots; new edges change what their children inherit.
  const changed = [...rows.lots.values()]
    .filter(({ doc }) => inheritableOf(doc.recall, doc.holds) !== (before.get(doc.id) ?? ''))
    .map(({ doc }) => doc.id);
  await refreshInherited(sql, [...new Set([...changed, ...rows.rows('lineage_edges').map((e) => e.child as string)])]);
  let written = 0;
  for (const name of Object.keys(TABLES) as TableName[]) written += rows.rows(name).length + rows.deleted(name).length;
  const from = Number(first.number);
  const moved = await sql.query<{ next_block: string }>(
    'UPDATE checkpoint SET next_block = $1, last_tx_id = $2 WHERE id = 1 AND next_block = $3 RETURNING next_block::text AS next_block',
    [Number(last.number) + 1, lastTx, from],
  );
  if (moved.length !== 1) throw new Error(`read model: block ${from} is not the next block to index (another indexer on this database?)`);
  return written;
}

/** Apply one block and move the checkpoint past it, in `sql`'s transaction. Returns the rows written or deleted. */
export async function applyBlock(sql: Sql, block: DecodedBlock, namespace: string): Promise<number> {
  return applyBlocks(sql, [block], namespace);
}

/** fromMicro for text micro-units from the database. */
export function amountOf(micro: string): number {
  return fromMicro(BigInt(micro));
}
