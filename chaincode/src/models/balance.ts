import { createHash } from 'node:crypto';
import { fail, fromMicro, type Micro, toMicro } from '@lotline/domain';
import { KEYS, LOT_RECORDS } from '../keys';
import type { Ledger, ScanEntry } from '../ledger';
import type { Lot } from './lot';

/**
 * A lot's remaining quantity, split over shard keys so that concurrent
 * consumers of one hot lot mostly touch different keys. Shards are lazy: none
 * is written when the lot is created; an absent shard holds its initial share
 * of the lot's quantity, and a shard is written the first time it is debited.
 * See README "Quantity enforcement".
 */

/** Number of balance shards per lot. */
export const BALANCE_SHARDS = 16;

/** A written shard, as stored: micro-units as a JSON number (a safe integer, at most 10^15 within the amount bounds). */
interface Shard {
  readonly micro: number;
}

/** Written shards of one lot: shard index → micro-units left in it. */
export type WrittenShards = ReadonlyMap<number, Micro>;

const SHARDS = BigInt(BALANCE_SHARDS);

function shardMicro(shard: Shard): Micro {
  return BigInt(shard.micro);
}

function storedShard(micro: Micro): Shard {
  return { micro: Number(micro) };
}

function shardName(shard: number): string {
  return String(shard).padStart(2, '0');
}

/** The key of shard `shard` of a lot: `lot [lotId, "balance", "NN"]`. */
export function shardKey(ledger: Ledger, lotId: string, shard: number): string {
  return ledger.key(KEYS.lot, [lotId, LOT_RECORDS.balance, shardName(shard)]);
}

/** The shard index named by a key's last attribute, or undefined if it names none. */
export function shardIndex(name: string | undefined): number | undefined {
  if (name === undefined || !/^\d{2}$/.test(name)) return undefined;
  const index = Number(name);
  return index < BALANCE_SHARDS ? index : undefined;
}

/**
 * What a shard holds before its first debit: the lot's quantity spread evenly,
 * the first shards taking one micro-unit each of the remainder.
 */
export function initialShardMicro(lot: Lot, shard: number): Micro {
  return initialShare(totalMicro(lot), shard);
}

function totalMicro(lot: Lot): Micro {
  return toMicro(lot.quantity.amount, `lot ${lot.id} quantity`);
}

function initialShare(total: Micro, shard: number): Micro {
  return total / SHARDS + (BigInt(shard) < total % SHARDS ? 1n : 0n);
}

/** Collect the shards of a scan over `lot [lotId, …]` (entries that are not shards are skipped). */
export function writtenShards(entries: readonly ScanEntry<unknown>[]): Map<number, Micro> {
  const shards = new Map<number, Micro>();
  for (const { attributes, value } of entries) {
    if (attributes[1] !== LOT_RECORDS.balance) continue;
    const index = shardIndex(attributes[2]);
    if (index !== undefined) shards.set(index, shardMicro(value as Shard));
  }
  return shards;
}

/** The remaining quantity in micro-units: written shards as stored, the others at their initial share. */
export function remainingOf(lot: Lot, written: WrittenShards): Micro {
  const total = totalMicro(lot);
  let sum = 0n;
  for (let i = 0; i < BALANCE_SHARDS; i++) sum += written.get(i) ?? initialShare(total, i);
  return sum;
}

/** The remaining quantity of a lot in micro-units (one range read over its written shards only). */
export async function remainingMicro(ledger: Ledger, lot: Lot): Promise<Micro> {
  const entries = await ledger.scan<Shard>(KEYS.lot, [lot.id, LOT_RECORDS.balance], BALANCE_SHARDS);
  return remainingOf(lot, writtenShards(entries));
}

/** The shard a transaction starts consuming from: derived from the tx id, so every endorser agrees. */
export function startShard(txId: string, lotId: string): number {
  return createHash('sha256').update(`${txId}\u0000${lotId}`).digest().readUInt32BE(0) % BALANCE_SHARDS;
}

/**
 * Debit `micro` from a lot's balance. Reads shards one key at a time (point
 * reads, never a range: a range over the shards would conflict with every
 * concurrent consumer), starting at the transaction's own shard, and stops as
 * soon as the amount is covered, so a small consumption reads and writes one
 * key. Throws INSUFFICIENT_QUANTITY when all shards together hold less.
 */
export async function consume(ledger: Ledger, lot: Lot, micro: Micro): Promise<void> {
  const start = startShard(ledger.txId, lot.id);
  let needed = micro;
  let seen = 0n;
  for (let k = 0; k < BALANCE_SHARDS && needed > 0n; k++) {
    const shard = (start + k) % BALANCE_SHARDS;
    const key = shardKey(ledger, lot.id, shard);
    const stored = await ledger.get<Shard>(key);
    const available = stored !== undefined ? shardMicro(stored) : initialShardMicro(lot, shard);
    seen += available;
    const take = available < needed ? available : needed;
    if (take > 0n) {
      await ledger.put(key, storedShard(available - take));
      needed -= take;
    }
  }
  if (needed > 0n) {
    const unit = lot.quantity.unit;
    throw fail('INSUFFICIENT_QUANTITY', `lot ${lot.id} has ${fromMicro(seen)} ${unit} remaining, ${fromMicro(micro)} ${unit} requested`);
  }
}
