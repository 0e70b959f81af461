import { createHash } from 'node:crypto';
import { fail } from '../errors';
import { KEYS } from '../keys';
import type { Ledger } from '../ledger';
import { fromMicro } from './quantity';

/**
 * A lot's remaining quantity, split over shard keys so that concurrent
 * consumers of one hot lot mostly touch different keys. See README
 * "Quantity enforcement".
 */

/** Number of balance shards per lot. */
export const BALANCE_SHARDS = 16;

interface Shard {
  readonly micro: number;
}

function shardKey(ledger: Ledger, lotId: string, shard: number): string {
  return ledger.key(KEYS.balance, [lotId, String(shard).padStart(2, '0')]);
}

/** Spread a new lot's quantity (micro-units) over its shards; the first shards take the remainder. */
export async function initBalance(ledger: Ledger, lotId: string, micro: number): Promise<void> {
  const base = Math.floor(micro / BALANCE_SHARDS);
  const extra = micro % BALANCE_SHARDS;
  for (let i = 0; i < BALANCE_SHARDS; i++) {
    await ledger.put(shardKey(ledger, lotId, i), { micro: base + (i < extra ? 1 : 0) });
  }
}

/** The remaining quantity of a lot in micro-units (one range read over its shards). */
export async function remainingMicro(ledger: Ledger, lotId: string): Promise<number> {
  const shards = await ledger.scan<Shard>(KEYS.balance, [lotId], BALANCE_SHARDS);
  return shards.reduce((sum, s) => sum + s.value.micro, 0);
}

/** The shard a transaction starts consuming from: derived from the tx id, so every endorser agrees. */
export function startShard(txId: string, lotId: string): number {
  return createHash('sha256').update(`${txId}\u0000${lotId}`).digest().readUInt32BE(0) % BALANCE_SHARDS;
}

/**
 * Debit `micro` from a lot's balance. Reads shards one at a time, starting at
 * the transaction's own shard, and stops as soon as the amount is covered, so
 * a small consumption reads and writes one key. Throws INSUFFICIENT_QUANTITY
 * when all shards together hold less.
 */
export async function consume(ledger: Ledger, lotId: string, unit: string, micro: number): Promise<void> {
  const start = startShard(ledger.txId, lotId);
  let needed = micro;
  let seen = 0;
  for (let k = 0; k < BALANCE_SHARDS && needed > 0; k++) {
    const key = shardKey(ledger, lotId, (start + k) % BALANCE_SHARDS);
    const shard = await ledger.get<Shard>(key);
    const available = shard?.micro ?? 0;
    seen += available;
    const take = Math.min(available, needed);
    if (take > 0) {
      await ledger.put(key, { micro: available - take });
      needed -= take;
    }
  }
  if (needed > 0) {
    throw fail('INSUFFICIENT_QUANTITY', `lot ${lotId} has ${fromMicro(seen)} ${unit} remaining, ${fromMicro(micro)} ${unit} requested`);
  }
}
