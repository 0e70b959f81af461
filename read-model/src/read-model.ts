/**
 * The read model of one organisation: its store, its indexer, and the
 * answers it serves, each stating `asOfBlock` (the last block indexed, read
 * in the same database transaction as the answer).
 */
import type { Gateway } from '@hyperledger/fabric-gateway';
import { readPosition } from './checkpointer';
import {
  backfillSearch,
  capturedFor,
  changedEpcisEvents,
  epcisEvent,
  epcisVocabulary,
  queryEpcisEvents,
  type CapturedFor,
  type EpcisPage,
  type EpcisRow,
  type EpcisVocabulary,
} from './epcis';
import type { Condition, EpcisQuery } from './epcis-query';
import { searchDocument } from './epcis-search';
import { ensureSchema, Indexer, type IndexerStatus } from './indexer';
import { traceLot, type Direction, type Trace } from './lineage';
import { recallReport, searchLots, type LotSearch, type RecallQuery, type RecallReport, type FoundLot } from './reports';
import { openStore, type Sql, type Store, type StoreLocation } from './store';

/** An answer with the block it is as of. */
export type AsOf<T> = T & { readonly asOfBlock: number };

/** What opening a read model needs. */
export interface ReadModelOptions {
  readonly location: StoreLocation;
  readonly gateway: () => Gateway;
  readonly channel: string;
  readonly chaincode: string;
  readonly onError?: (error: unknown) => void;
}

/** An organisation's read model: started with {@link ReadModel.open}, following blocks until closed. */
export class ReadModel {
  private constructor(
    readonly store: Store,
    readonly indexer: Indexer,
  ) {}

  /** Open the store, create the schema if needed, and start the indexer. */
  static async open(options: ReadModelOptions): Promise<ReadModel> {
    const store = await openStore(options.location);
    // A store indexed before EPCIS search documents existed gets them now, before the indexer adds rows.
    await ensureSchema(store);
    await backfillSearch(store, searchDocument);
    const indexer = new Indexer({
      store,
      gateway: options.gateway,
      channel: options.channel,
      chaincode: options.chaincode,
      ...(options.onError !== undefined ? { onError: options.onError } : {}),
    });
    await indexer.start();
    return new ReadModel(store, indexer);
  }

  private async asOf<T extends object>(work: (sql: Sql) => Promise<T>): Promise<AsOf<T>> {
    return this.store.transaction(async (tx) => {
      const position = await readPosition(tx);
      const answer = await work(tx);
      return { ...answer, asOfBlock: Number(position.nextBlock) - 1 };
    });
  }

  /** A lot's trace, as the chaincode's TraceLot answers it. */
  trace(id: string, direction: Direction, maxDepth: number, maxNodes: number): Promise<AsOf<Trace>> {
    return this.asOf((sql) => traceLot(sql, id, direction, maxDepth, maxNodes));
  }

  /** One page of a recall's complete report. */
  recall(recallId: string, query: RecallQuery): Promise<AsOf<RecallReport>> {
    return this.asOf((sql) => recallReport(sql, recallId, query));
  }

  /** One page of a lot search. */
  lots(search: LotSearch): Promise<AsOf<{ lots: FoundLot[]; nextCursor: string | null }>> {
    return this.asOf((sql) => searchLots(sql, search));
  }

  /** One page of an EPCIS query (and `extra` conditions, e.g. a sub-resource's). */
  epcisEvents(query: EpcisQuery, extra: readonly Condition[] = []): Promise<AsOf<EpcisPage>> {
    return this.asOf((sql) => queryEpcisEvents(sql, query, extra));
  }

  /** One captured event (by hash ID or eventID) with its error declarations; undefined when unknown. */
  async epcisEvent(id: string): Promise<AsOf<{ found: Awaited<ReturnType<typeof epcisEvent>> }>> {
    return this.asOf(async (sql) => ({ found: await epcisEvent(sql, id) }));
  }

  /** Events matching `query` that changed in blocks after `afterBlock`, up to the last one indexed (`asOfBlock`). */
  epcisChanges(query: EpcisQuery, afterBlock: number, limit: number): Promise<AsOf<{ events: EpcisRow[] }>> {
    return this.store.transaction(async (tx) => {
      const uptoBlock = Number((await readPosition(tx)).nextBlock) - 1;
      const events = await changedEpcisEvents(tx, query, { afterBlock, uptoBlock, limit });
      return { events, asOfBlock: uptoBlock };
    });
  }

  /** The captured events that created `lotIds`, and the events `hashIds`, as captured (trace exports). */
  epcisCapturedFor(lotIds: readonly string[], hashIds: readonly string[]): Promise<AsOf<CapturedFor>> {
    return this.asOf((sql) => capturedFor(sql, lotIds, hashIds));
  }

  /** A page of a REST-binding vocabulary (event types, EPCs, bizSteps, ...). */
  epcisVocabulary(
    vocabulary: EpcisVocabulary,
    perPage: number,
    after: string | undefined,
  ): Promise<AsOf<{ values: string[]; next: string | undefined }>> {
    return this.asOf((sql) => epcisVocabulary(sql, vocabulary, { perPage, after }));
  }

  /** Resolves true once block `block` is indexed, false after `withinMs`. */
  waitFor(block: number, withinMs: number): Promise<boolean> {
    return this.indexer.waitFor(BigInt(block), withinMs);
  }

  status(): Promise<IndexerStatus> {
    return this.indexer.status();
  }

  /** Stop the indexer and close the store. */
  async close(): Promise<void> {
    await this.indexer.stop();
    await this.store.close();
  }
}
