/**
 * The read model's tables. Every row carries the block number and the
 * transaction id that wrote it (`block`, `tx_id`), so any answer can be
 * checked against that transaction's write set with the evidence verifier.
 * Rows mirror what the chaincode wrote, by key; nothing here is computed
 * except `remaining_micro` (from the balance shards, as the chaincode does)
 * and the current holds (from the lot document's `holds`), and the EPCIS
 * events' `search` documents (epcis-search.ts).
 *
 * `epcis_named_queries` and `epcis_subscriptions` are the organisation's own
 * EPCIS named queries and webhook subscriptions: off-ledger, not derived from
 * blocks, so not in {@link DATA_TABLES}. Columns added to it later
 * (`signature_token`, `schedule`, `next_run_at`) are added with `ADD COLUMN IF NOT EXISTS`, so a store
 * written by an earlier version opens and its subscriptions keep working.
 *
 * `checkpoint` holds the next block to index; it is written in the same
 * transaction as the rows of the block before it.
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoint (
  id int PRIMARY KEY CHECK (id = 1),
  next_block bigint NOT NULL,
  last_tx_id text,
  schema_version int NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
  tx_id text PRIMARY KEY, block bigint NOT NULL, tx_index int NOT NULL, tx_time text NOT NULL,
  creator_msp text NOT NULL, event_name text, event jsonb
);
CREATE TABLE IF NOT EXISTS lots (
  id text PRIMARY KEY, product_code text NOT NULL, producer text NOT NULL, custodian text NOT NULL,
  status text NOT NULL, unit text NOT NULL, quantity_micro numeric NOT NULL, remaining_micro numeric NOT NULL,
  created_at text NOT NULL, recall_id text, recall_event_id text,
  doc jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS lots_product ON lots (product_code, created_at, id);
CREATE INDEX IF NOT EXISTS lots_custodian ON lots (custodian, created_at, id);
CREATE INDEX IF NOT EXISTS lots_producer ON lots (producer, created_at, id);
CREATE INDEX IF NOT EXISTS lots_created ON lots (created_at, id);
CREATE TABLE IF NOT EXISTS lineage_edges (
  parent text NOT NULL, child text NOT NULL, quantity jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (parent, child)
);
CREATE INDEX IF NOT EXISTS lineage_edges_child ON lineage_edges (child, parent);
CREATE TABLE IF NOT EXISTS balance_shards (
  lot_id text NOT NULL, shard int NOT NULL, micro numeric NOT NULL, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (lot_id, shard)
);
CREATE TABLE IF NOT EXISTS holds (
  lot_id text NOT NULL, hold_id text NOT NULL, include_descendants boolean NOT NULL, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (lot_id, hold_id)
);
CREATE TABLE IF NOT EXISTS custody (
  lot_id text NOT NULL, custodian text NOT NULL, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (lot_id, block, tx_id)
);
CREATE TABLE IF NOT EXISTS transfers (
  lot_id text PRIMARY KEY, doc jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS latest_inspections (
  lot_id text PRIMARY KEY, event_id text NOT NULL, verdict text NOT NULL, recorded_at text NOT NULL,
  block bigint NOT NULL, tx_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS quality_events (
  lot_id text NOT NULL, event_id text NOT NULL, recorded_at text NOT NULL, type text NOT NULL,
  doc jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (lot_id, recorded_at, event_id)
);
CREATE TABLE IF NOT EXISTS recalls (
  recall_id text PRIMARY KEY, source_lot_id text NOT NULL, doc jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
  msp text PRIMARY KEY, doc jsonb NOT NULL, block bigint NOT NULL, tx_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS epcis_events (
  hash_id text PRIMARY KEY, event_id text, type text NOT NULL, event_time_ms bigint NOT NULL,
  biz_step text, disposition text, record_time text NOT NULL,
  event jsonb NOT NULL, context jsonb, doc jsonb NOT NULL, search jsonb, block bigint NOT NULL, tx_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS epcis_events_time ON epcis_events (event_time_ms, hash_id);
CREATE TABLE IF NOT EXISTS epcis_declarations (
  hash_id text NOT NULL, capture_tx_id text NOT NULL, idx text NOT NULL, reason text, declared_event_known boolean NOT NULL,
  event jsonb NOT NULL, context jsonb, doc jsonb NOT NULL, search jsonb, block bigint NOT NULL, tx_id text NOT NULL,
  PRIMARY KEY (hash_id, capture_tx_id, idx)
);
ALTER TABLE epcis_events ADD COLUMN IF NOT EXISTS search jsonb;
ALTER TABLE epcis_declarations ADD COLUMN IF NOT EXISTS search jsonb;
CREATE INDEX IF NOT EXISTS epcis_events_search ON epcis_events USING gin (search jsonb_path_ops);
CREATE INDEX IF NOT EXISTS epcis_events_record ON epcis_events (record_time, hash_id);
CREATE INDEX IF NOT EXISTS epcis_events_block ON epcis_events (block);
CREATE INDEX IF NOT EXISTS epcis_events_type ON epcis_events (type);
CREATE INDEX IF NOT EXISTS epcis_events_biz_step ON epcis_events (biz_step);
CREATE INDEX IF NOT EXISTS epcis_declarations_block ON epcis_declarations (block);
CREATE TABLE IF NOT EXISTS epcis_named_queries (
  name text PRIMARY KEY, params jsonb NOT NULL, created_by text NOT NULL, created_at text NOT NULL
);
CREATE TABLE IF NOT EXISTS epcis_subscriptions (
  id text PRIMARY KEY, query_name text NOT NULL REFERENCES epcis_named_queries (name) ON DELETE CASCADE,
  dest text NOT NULL, report_if_empty boolean NOT NULL, after_block bigint NOT NULL,
  created_by text NOT NULL, created_at text NOT NULL, last_delivery_at text, last_error text
);
ALTER TABLE epcis_subscriptions ADD COLUMN IF NOT EXISTS signature_token text;
ALTER TABLE epcis_subscriptions ADD COLUMN IF NOT EXISTS schedule jsonb;
ALTER TABLE epcis_subscriptions ADD COLUMN IF NOT EXISTS next_run_at bigint;
CREATE TABLE IF NOT EXISTS lot_inherited (
  lot_id text NOT NULL, kind text NOT NULL, source_lot_id text NOT NULL, event_id text NOT NULL, recall_id text,
  PRIMARY KEY (lot_id, kind, source_lot_id, event_id)
);
INSERT INTO checkpoint (id, next_block, last_tx_id, schema_version) VALUES (1, 0, NULL, ${SCHEMA_VERSION}) ON CONFLICT (id) DO NOTHING;
`;

/**
 * Derived, not indexed: `lot_inherited` holds the recalls and holds each lot
 * inherits from its ancestors (an ancestor's recall, or its hold placed with
 * includeDescendants), kept up to date by the indexer in the same transaction
 * as the rows it derives from (inherited.ts), so that a trace reads a lot's
 * affected status instead of walking its ancestry. Its rows carry no
 * provenance of their own: each follows from the lots, holds and edges.
 */
export const DERIVED_TABLES = ['lot_inherited'] as const;

/** The tables that hold indexed rows (everything but the checkpoint), for rebuilds and comparisons. */
export const DATA_TABLES = [
  'transactions',
  'lots',
  'lineage_edges',
  'balance_shards',
  'holds',
  'custody',
  'transfers',
  'latest_inspections',
  'quality_events',
  'recalls',
  'participants',
  'epcis_events',
  'epcis_declarations',
] as const;
