import { KEYS, LOT_RECORDS } from '../keys';
import type { Ledger } from '../ledger';
import { BALANCE_SHARDS, writtenShards, type WrittenShards } from './balance';
import { childEdgesOf, type Edge } from './edge';
import type { Lot } from './lot';
import type { LatestInspection } from './quality-event';

/**
 * A lot read with everything stored under its key prefix, in one
 * partial-composite-key scan of `lot [lotId]`: the document, its written
 * balance shards, its child edges and its latest-inspection pointer.
 *
 * For read-only transactions only. In a write transaction the scanned range
 * enters the read set, and the peer re-checks it at validation: a concurrent
 * child or debit of the same lot would then invalidate the transaction.
 */
export interface LotSnapshot {
  readonly lot: Lot;
  readonly shards: WrittenShards;
  /** Child edges in key order: all of them when `complete`, otherwise more than the number asked for. */
  readonly children: readonly Edge[];
  /** True when the scan reached the end of the lot's prefix. */
  readonly complete: boolean;
  /** The latest-inspection pointer, or undefined when the scan stopped before it (it sorts after the children). */
  readonly latestInspection: LatestInspection | null | undefined;
}

/**
 * Entries the peer returns per range-query batch (`MaxResultLimit` in Fabric's
 * core/chaincode). Reading up to this many costs one round trip, so a snapshot
 * never asks for fewer.
 */
const PEER_BATCH = 100;

/** Load a lot with its sub-records, seeing at least `minChildren` child edges if it has them; undefined if absent. */
export async function loadLotSnapshot(ledger: Ledger, lotId: string, minChildren = 0): Promise<LotSnapshot | undefined> {
  // Document + every shard + the children asked for + one more entry, so that a cut scan proves there are more.
  const limit = Math.max(PEER_BATCH, 2 + BALANCE_SHARDS + minChildren);
  const entries = await ledger.scan<unknown>(KEYS.lot, [lotId], limit);
  const doc = entries[0];
  if (doc === undefined || doc.attributes.length !== 1) return undefined;
  const complete = entries.length < limit;
  const pointer = entries.find((e) => e.attributes.length === 2 && e.attributes[1] === LOT_RECORDS.inspection);
  return {
    lot: doc.value as Lot,
    shards: writtenShards(entries),
    children: childEdgesOf(entries),
    complete,
    latestInspection: pointer !== undefined ? (pointer.value as LatestInspection) : complete ? null : undefined,
  };
}
