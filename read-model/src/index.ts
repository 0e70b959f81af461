/**
 * @lotline/read-model: an organisation's verifiable read model. Its own
 * peer's committed blocks (VALID transactions only) indexed into PostgreSQL
 * tables, embedded PGlite by default or a PostgreSQL server, with the
 * checkpoint in the same transaction as the rows; traces, recall reports and
 * lot search served from it, each answer stating `asOfBlock`.
 */
export { checkpointAt, readPosition, type Position } from './checkpointer';
export {
  backfillSearch,
  capturedFor,
  changedEpcisEvents,
  createNamedQuery,
  createSubscription,
  deleteNamedQuery,
  deleteSubscription,
  epcisEvent,
  epcisOutputEvent,
  epcisVocabulary,
  namedQueries,
  namedQuery,
  pageSql,
  queryEpcisEvents,
  recordDelivery,
  subscriptions,
  type CapturedFor,
  type EpcisPage,
  type EpcisRow,
  type EpcisVocabulary,
  type NamedQuery,
  type Subscription,
} from './epcis';
export {
  ANY_IDENTIFIER,
  DEFAULT_PER_PAGE,
  EpcisQueryError,
  MAX_PER_PAGE,
  STANDARD_PARAMETERS,
  isControlParameter,
  parseEpcisQuery,
  tokenOf,
  type Condition,
  type Cursor,
  type EpcisQuery,
  type RawQuery,
} from './epcis-query';
export { searchDocument, type SearchDocument } from './epcis-search';
export {
  analyzeDue,
  BLOCKS_PER_TRANSACTION,
  ensureSchema,
  Indexer,
  maintainStore,
  type IndexerOptions,
  type IndexerStatus,
} from './indexer';
export { affectedBy, summaries, traceLot, type AffectedRef, type Direction, type LotSummary, type Trace } from './lineage';
export { applyBlock, applyBlocks, BALANCE_SHARDS, initialShare, remainingOf } from './project';
export { ReadModel, type AsOf, type ReadModelOptions } from './read-model';
export {
  recallReport,
  searchLots,
  type AffectedLot,
  type FoundLot,
  type LotSearch,
  type NotifiedOrganisation,
  type RecallQuery,
  type RecallReport,
} from './reports';
export { DATA_TABLES, DERIVED_TABLES, SCHEMA, SCHEMA_VERSION } from './schema';
export { openStore, postgresApplicationName, type Sql, type Store, type StoreLocation } from './store';
