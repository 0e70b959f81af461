/**
 * The indexer: follows the organisation's own peer's committed blocks from
 * its checkpoint (block 0 on a new database) and applies them with the
 * checkpoint in database transactions: every block that has arrived while the
 * previous transaction ran goes into the next one (up to
 * {@link BLOCKS_PER_TRANSACTION}), so catching up commits once per many
 * blocks, and a live feed commits each block as it arrives.
 */
import type { Gateway } from '@hyperledger/fabric-gateway';
import { chainHeight, describeError, followBlocks, type DecodedBlock } from '@lotline/ledger-client';
import { inBatches } from './batches';
import { checkpointAt, readPosition } from './checkpointer';
import { applyBlocks } from './project';
import { rebuildInherited } from './inherited';
import { DATA_TABLES, DERIVED_TABLES, SCHEMA, SCHEMA_VERSION } from './schema';
import type { Sql, Store } from './store';

/** Most blocks applied in one database transaction while catching up. */
export const BLOCKS_PER_TRANSACTION = 200;

/** Blocks indexed between two refreshes of the planner's statistics (PGlite runs no autovacuum). */
export const ANALYZE_EVERY_BLOCKS = 500;

/**
 * Rows written since the last refresh that also call for one: like PostgreSQL's autovacuum threshold, a base plus
 * a fraction of the rows the statistics last saw, so a bulk import (200 lots a block) is analysed as it grows.
 */
export function analyzeDue(rowsSince: number, rowsBefore: number): boolean {
  return rowsSince >= 1000 + 0.2 * rowsBefore;
}

/** The read model's own tables: a bare `ANALYZE` takes every table of the database, on a shared server everybody else's. */
const TABLES = [...DATA_TABLES, ...DERIVED_TABLES].join(', ');

/**
 * The upkeep that a PostgreSQL server's background processes do and PGlite does not: PGlite runs PostgreSQL in
 * single-user mode, with no autovacuum and no checkpointer. So on PGlite the indexer vacuums the read model's tables
 * (the space of rows it updated or deleted is reused, instead of the files growing) and takes a checkpoint (without
 * one, every WAL segment since the store was opened is kept: a 100k-lot import left about 1 GB of them). On both
 * stores it refreshes the planner's statistics.
 */
export async function maintainStore(store: Store): Promise<void> {
  if (store.kind === 'postgres') {
    await store.query(`ANALYZE ${TABLES}`);
    return;
  }
  await store.query(`VACUUM (ANALYZE) ${TABLES}`);
  await store.query('CHECKPOINT');
}

/** What an indexer needs. */
export interface IndexerOptions {
  readonly store: Store;
  /** A Gateway to the organisation's own peer (any enrolled member may read blocks). */
  readonly gateway: () => Gateway;
  readonly channel: string;
  /** The chaincode whose writes are indexed (its namespace in the write sets). */
  readonly chaincode: string;
  /** Pause before re-connecting after a broken block stream (default 1000 ms). */
  readonly retryMs?: number;
  /** Called with every failure of the stream (it is retried). */
  readonly onError?: (error: unknown) => void;
  /** Test seam: runs for each block inside its database transaction, after its rows and before the commit. */
  readonly beforeCommit?: (block: DecodedBlock, sql: Sql) => Promise<void>;
}

/** The indexer's state for `/readyz` and `npm run status`. */
export interface IndexerStatus {
  readonly state: 'starting' | 'following' | 'retrying' | 'stopped';
  /** The last block indexed, or -1 before the first. */
  readonly indexedBlock: number;
  /** The peer's height (blocks), when known. */
  readonly peerHeight: number | undefined;
  /** Blocks the peer has that the read model has not indexed yet, when known. */
  readonly lagBlocks: number | undefined;
  readonly store: string;
  readonly lastError: string | undefined;
}

/** Create the schema if needed; a read model of schema version 1 gets its inherited refs derived once. */
export async function ensureSchema(store: Store): Promise<void> {
  await store.exec(SCHEMA);
  await store.transaction(async (tx) => {
    const older = await tx.query('UPDATE checkpoint SET schema_version = $1 WHERE id = 1 AND schema_version < 2 RETURNING id', [
      SCHEMA_VERSION,
    ]);
    if (older.length > 0) await rebuildInherited(tx);
  });
}

/** Follows blocks into the store until stopped. */
export class Indexer {
  readonly #options: IndexerOptions;
  readonly #abort = new AbortController();
  #next = 0n;
  #state: IndexerStatus['state'] = 'starting';
  #lastError: string | undefined;
  #peerHeight: { value: number; at: number } | undefined;
  #waiters: { block: bigint; resolve: () => void }[] = [];
  #running: Promise<void> | undefined;

  constructor(options: IndexerOptions) {
    this.#options = options;
  }

  /** Start following (returns at once; the loop runs until {@link stop}). */
  async start(): Promise<void> {
    await ensureSchema(this.#options.store);
    this.#next = (await readPosition(this.#options.store)).nextBlock;
    this.#running = this.#loop();
  }

  /** Stop following and wait for the current block to finish. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#state = 'stopped';
    await this.#running;
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
  }

  /** The next block to index. */
  get nextBlock(): bigint {
    return this.#next;
  }

  async #loop(): Promise<void> {
    const { store } = this.#options;
    while (!this.#abort.signal.aborted) {
      // One stream per attempt: leaving the loop (stop, or a failed transaction) cancels its read-ahead.
      const attempt = new AbortController();
      const cancel = (): void => attempt.abort();
      this.#abort.signal.addEventListener('abort', cancel);
      try {
        const position = await readPosition(store);
        this.#next = position.nextBlock;
        // Another writer of the same store (a second indexer on one PostgreSQL schema) may have moved the checkpoint.
        this.#wake();
        this.#state = 'following';
        await this.#follow(checkpointAt(position), attempt.signal);
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        this.#state = 'retrying';
        this.#lastError = describeError(error);
        this.#options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryMs ?? 1000));
      } finally {
        attempt.abort();
        this.#abort.signal.removeEventListener('abort', cancel);
      }
    }
    this.#state = 'stopped';
  }

  async #follow(checkpoint: ReturnType<typeof checkpointAt>, signal: AbortSignal): Promise<void> {
    const { store, channel, chaincode } = this.#options;
    const blocks = followBlocks(this.#options.gateway(), { channel, checkpoint }, signal);
    let sinceAnalyze = 0;
    let rowsSince = 0;
    let rowsBefore = 0;
    for await (const batch of inBatches(blocks, BLOCKS_PER_TRANSACTION)) {
      rowsSince += await store.transaction(async (tx) => {
        const written = await applyBlocks(tx, batch, chaincode);
        for (const block of batch) await this.#options.beforeCommit?.(block, tx);
        return written;
      });
      this.#next = (batch[batch.length - 1]?.number ?? this.#next - 1n) + 1n;
      this.#lastError = undefined;
      this.#wake();
      // Fresh statistics (and on PGlite a vacuum and a checkpoint) now and then, and when a long catch-up has drained
      // what was delivered (a large batch that was not full): without statistics the planner guesses, and a trace's
      // recursive CTE runs about 1.7× slower.
      sinceAnalyze += batch.length;
      if (
        sinceAnalyze >= ANALYZE_EVERY_BLOCKS ||
        analyzeDue(rowsSince, rowsBefore) ||
        (batch.length >= 20 && batch.length < BLOCKS_PER_TRANSACTION)
      ) {
        await maintainStore(store);
        sinceAnalyze = 0;
        rowsBefore += rowsSince;
        rowsSince = 0;
      }
      if (this.#abort.signal.aborted) break;
    }
  }

  #wake(): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) {
      if (w.block < this.#next) w.resolve();
      else this.#waiters.push(w);
    }
  }

  /** Resolves true once block `block` is indexed, false after `withinMs`. */
  async waitFor(block: bigint, withinMs: number): Promise<boolean> {
    if (block < this.#next) return true;
    let timer: NodeJS.Timeout | undefined;
    const reached = new Promise<boolean>((resolve) => {
      this.#waiters.push({ block, resolve: () => resolve(true) });
      timer = setTimeout(() => resolve(false), withinMs);
    });
    try {
      return await reached;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves true once every block the peer has now is indexed, false after `withinMs` (or when the peer cannot say). */
  async catchUp(withinMs: number): Promise<boolean> {
    let height: bigint;
    try {
      height = await chainHeight(this.#options.gateway(), this.#options.channel);
    } catch {
      return false;
    }
    return this.waitFor(height - 1n, withinMs);
  }

  /** The state, with the lag behind the peer (its height asked at most once a second). */
  async status(): Promise<IndexerStatus> {
    const now = Date.now();
    if (this.#peerHeight === undefined || now - this.#peerHeight.at > 1000) {
      try {
        this.#peerHeight = { value: Number(await chainHeight(this.#options.gateway(), this.#options.channel)), at: now };
      } catch (error) {
        this.#lastError ??= describeError(error);
      }
    }
    const height = this.#peerHeight?.value;
    const next = Number(this.#next);
    return {
      state: this.#state,
      indexedBlock: next - 1,
      peerHeight: height,
      lagBlocks: height === undefined ? undefined : Math.max(0, height - next),
      store: `${this.#options.store.kind} ${this.#options.store.location}`,
      lastError: this.#lastError,
    };
  }
}
