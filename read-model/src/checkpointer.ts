/**
 * fabric-gateway's Checkpointer, over the read model's own database: the
 * next block to index lives in the `checkpoint` row, which `applyBlock`
 * moves in the same transaction as the block's rows. A crash at any point
 * leaves both as they were before the block, or both after it.
 */
import type { Checkpoint } from '@lotline/ledger-client';
import type { Sql } from './store';

/** Where the database says indexing resumes. */
export interface Position {
  /** The next block to index (0 on a new database). */
  readonly nextBlock: bigint;
  /** The last VALID transaction indexed, if any. */
  readonly lastTxId: string | undefined;
}

/** The stored position. */
export async function readPosition(sql: Sql): Promise<Position> {
  const [row] = await sql.query<{ next_block: string; last_tx_id: string | null }>(
    'SELECT next_block::text AS next_block, last_tx_id FROM checkpoint WHERE id = 1',
  );
  if (row === undefined) throw new Error('read model: the checkpoint row is missing; the schema was not created');
  return { nextBlock: BigInt(row.next_block), lastTxId: row.last_tx_id ?? undefined };
}

/** A fabric-gateway Checkpoint at a stored position (block events resume at its block). */
export function checkpointAt(position: Position): Checkpoint {
  return {
    getBlockNumber: () => position.nextBlock,
    getTransactionId: () => position.lastTxId,
  };
}
