/**
 * EPCIS queries over the read model: the parsed query language
 * (epcis-query.ts) as SQL over `epcis_events` and `epcis_declarations`, the
 * REST binding's vocabulary lists, the events a subscription has not seen
 * yet, and the organisation's named queries and webhook subscriptions.
 *
 * The rows queried are every captured event with its latest error
 * declaration, and every declared event that is not on the ledger (its
 * latest declaration stands for it), so such declarations are queryable too.
 * Identifier, location, business-transaction, source/destination and
 * extension-field conditions use the GIN-indexed `search` document
 * (epcis-search.ts); times, type and bizStep use their columns.
 */
import type { Condition, Cursor, EpcisQuery, SensorCondition } from './epcis-query';
import { EpcisQueryError, measurementType } from './epcis-query';
import type { Sql } from './store';

type Json = Record<string, unknown>;

/** One matching event as stored, with what an EPCIS answer needs. */
export interface EpcisRow {
  readonly hashId: string;
  /** The event exactly as captured (for a declared event not on the ledger: its latest declaration). */
  readonly event: Json;
  /** The capture document's `@context`. */
  readonly context: unknown;
  /** The capture transaction's time (EPCIS recordTime). */
  readonly recordTime: string;
  /** The latest error declaration (`errorDeclaration` object), if any. */
  readonly errorDeclaration: Json | null;
  /** Block and transaction of the capture. */
  readonly block: number;
  readonly txId: string;
  /** The block of the event or of its latest declaration, whichever is later. */
  readonly changedBlock: number;
}

/** A page of events. */
export interface EpcisPage {
  readonly events: readonly EpcisRow[];
  /** The position after this page, when there are more events. */
  readonly next: Cursor | undefined;
}

/** Strip CBV URI/URN/CURIE prefixes in SQL, as `cbvWord` does in TypeScript. */
const CBV_PREFIX = `'^(https?://ref[.]gs1[.]org/cbv/[A-Za-z]+-|urn:epcglobal:cbv:[a-z]+:|(cbv|gs1):[A-Za-z]+-)'`;
const cbv = (expr: string): string => `regexp_replace(${expr}, ${CBV_PREFIX}, '')`;
/** A JSON value as an array (empty unless it is one). */
const arr = (expr: string): string => `(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN ${expr} ELSE '[]'::jsonb END)`;
/** A JSON string as timestamptz, NULL unless it looks like an ISO 8601 date-time. */
const ts = (expr: string): string =>
  `(CASE WHEN (${expr}) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})$' THEN (${expr})::timestamptz END)`;
/** A JSON value as numeric: a number, or a string that spells one (extension values are often strings); NULL otherwise. */
const num = (expr: string): string =>
  `(CASE WHEN jsonb_typeof(${expr}) = 'number' THEN (${expr})::text::numeric WHEN jsonb_typeof(${expr}) = 'string' AND (${expr} #>> '{}') ~ '^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$' THEN (${expr} #>> '{}')::numeric END)`;

/**
 * The queryable rows: captured events with their latest declaration, and
 * declared events that are not on the ledger.
 */
const ROWS = `
WITH latest AS (
  SELECT DISTINCT ON (hash_id) hash_id, event, context, search, block, tx_id, doc->>'recordedAt' AS recorded_at
  FROM epcis_declarations ORDER BY hash_id, block DESC, length(idx) DESC, idx DESC
), r AS (
  SELECT e.hash_id, e.type, e.event, e.context, e.search, e.biz_step, e.disposition, e.event_time_ms,
         e.record_time, e.block, e.tx_id, d.event->'errorDeclaration' AS decl, greatest(e.block, d.block) AS changed_block
  FROM epcis_events e LEFT JOIN latest d ON d.hash_id = e.hash_id
  UNION ALL
  SELECT d.hash_id, d.event->>'type', d.event, d.context, d.search, ${cbv(`d.event->>'bizStep'`)}, ${cbv(`d.event->>'disposition'`)},
         (extract(epoch FROM ${ts(`d.event->>'eventTime'`)}) * 1000)::bigint,
         d.recorded_at, d.block, d.tx_id, d.event->'errorDeclaration', d.block
  FROM latest d WHERE NOT EXISTS (SELECT 1 FROM epcis_events e WHERE e.hash_id = d.hash_id)
)`;

/** Collects `$n` parameters. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const COLUMNS: Record<string, string> = {
  type: 'r.type',
  action: `r.event->>'action'`,
  biz_step: 'r.biz_step',
  disposition: 'r.disposition',
  transformation_id: `r.event->>'transformationID'`,
};

const TIMES: Record<string, string> = {
  event_time: 'r.event_time_ms',
  record_time: `${ts('r.record_time')}`,
  declaration_time: ts(`r.decl->>'declarationTime'`),
};

const SQL_OPS = { EQ: '=', GT: '>', GE: '>=', LT: '<', LE: '<=' } as const;

function keysSql(c: Extract<Condition, { kind: 'keys' }>, p: Params): string {
  const alternatives: string[] = [];
  for (const field of c.fields) {
    for (const key of c.exact) alternatives.push(`r.search @> ${p.add(JSON.stringify({ [field]: [key] }))}::jsonb`);
    const likes = [...c.prefixes.map((prefix) => `${prefix}%`), ...c.patterns];
    if (likes.length > 0) {
      alternatives.push(
        `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${arr(`r.search->'${field}'`)}) k WHERE k LIKE ANY (${p.add(likes)}::text[]))`,
      );
    }
  }
  return alternatives.length === 0 ? 'false' : `(${alternatives.join(' OR ')})`;
}

function fieldSql(c: Extract<Condition, { kind: 'field' }>, p: Params): string {
  if (c.op === 'EXISTS') return `(r.search->'${c.scope}') ? ${p.add(c.name)}`;
  const values = arr(`(r.search->'${c.scope}'->${p.add(c.name)}::text)`);
  if (c.op === 'EQ') {
    const candidates = c.values.flatMap((v) => {
      const forms: unknown[] = [v];
      if (v.trim() !== '' && Number.isFinite(Number(v))) forms.push(Number(v));
      if (v === 'true' || v === 'false') forms.push(v === 'true');
      return forms;
    });
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${values}) v WHERE v = ANY (SELECT jsonb_array_elements(${p.add(JSON.stringify(candidates))}::jsonb)))`;
  }
  const v = c.values[0] as string;
  const op = SQL_OPS[c.op];
  if (Number.isFinite(Number(v)))
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${values}) v WHERE ${num('v')} ${op} ${p.add(Number(v))}::numeric)`;
  return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${values}) v WHERE ${ts('v')} ${op} ${p.add(new Date(v).toISOString())}::timestamptz)`;
}

function sensorSql(conditions: readonly SensorCondition[], p: Params): string {
  const where = conditions.map((c) => {
    switch (c.kind) {
      case 'type':
        return `regexp_replace(regexp_replace(sr->>'type', '^(gs1:|https?://gs1[.]org/voc/|https?://ref[.]gs1[.]org/voc/)', ''), '^MeasurementType-', '') = ANY (${p.add(c.values.map(measurementType))}::text[])`;
      case 'text': {
        const report = `sr->>'${c.field}'`;
        const meta = `se->'sensorMetadata'->>'${c.field}'`;
        const expr = c.metadata === 'only' ? meta : c.metadata === 'also' ? `coalesce(${report}, ${meta})` : report;
        return `${expr} = ANY (${p.add(c.values)}::text[])`;
      }
      case 'boolean':
        return `sr->'${c.field}' = ${p.add(JSON.stringify(c.value))}::jsonb`;
      case 'number':
        return `${num(`sr->'${c.field}'`)} ${SQL_OPS[c.op]} ${p.add(c.value)}::numeric`;
      case 'time':
        return `${ts(`coalesce(sr->>'${c.field}', se->'sensorMetadata'->>'${c.field}')`)} ${SQL_OPS[c.op]} ${p.add(c.value)}::timestamptz`;
    }
    return 'false';
  });
  return `EXISTS (SELECT 1 FROM jsonb_array_elements(${arr(`r.event->'sensorElementList'`)}) se
    LEFT JOIN LATERAL jsonb_array_elements(${arr(`se->'sensorReport'`)}) sr ON true WHERE ${where.join(' AND ')})`;
}

/** One condition as SQL over the row `r`. */
function conditionSql(c: Condition, p: Params): string {
  switch (c.kind) {
    case 'in':
      return `${COLUMNS[c.column] as string} = ANY (${p.add(c.values)}::text[])`;
    case 'time':
      return c.column === 'event_time'
        ? `r.event_time_ms ${SQL_OPS[c.op]} ${p.add(Date.parse(c.value))}::bigint`
        : `${TIMES[c.column] as string} ${SQL_OPS[c.op]} ${p.add(c.value)}::timestamptz`;
    case 'keys':
      return keysSql(c, p);
    case 'persistent':
      return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${arr(`r.event->'persistentDisposition'->'${c.which}'`)}) d WHERE ${cbv('d')} = ANY (${p.add(c.values)}::text[]))`;
    case 'typed':
      return `(${c.values.map((v) => `r.search @> ${p.add(JSON.stringify({ [c.field]: { [c.type]: [v] } }))}::jsonb`).join(' OR ') || 'false'})`;
    case 'quantity':
      return `EXISTS (SELECT 1 FROM jsonb_array_elements(${arr(`r.event->'quantityList'`)} || ${arr(`r.event->'childQuantityList'`)} || ${arr(`r.event->'inputQuantityList'`)} || ${arr(`r.event->'outputQuantityList'`)}) q WHERE ${num(`q->'quantity'`)} ${SQL_OPS[c.op]} ${p.add(c.value)}::numeric)`;
    case 'eventID':
      return `(r.hash_id = ANY (${p.add(c.values)}::text[]) OR r.event->>'eventID' = ANY (${p.add(c.values)}::text[]))`;
    case 'declared':
      return 'r.decl IS NOT NULL';
    case 'errorReason':
      return `${cbv(`r.decl->>'reason'`)} = ANY (${p.add(c.values)}::text[])`;
    case 'correctiveEventID':
      return `(${arr(`r.decl->'correctiveEventIDs'`)}) ?| ${p.add(c.values)}::text[]`;
    case 'field':
      return fieldSql(c, p);
    case 'sensor':
      return sensorSql(c.conditions, p);
  }
  return 'false';
}

/** The WHERE clause of a query's conditions (and extra SQL conditions). */
function whereOf(conditions: readonly Condition[], p: Params, extra: readonly string[] = []): string {
  const parts = [...conditions.map((c) => conditionSql(c, p)), ...extra];
  return parts.length === 0 ? 'true' : parts.join('\n  AND ');
}

interface RawRow {
  hash_id: string;
  event: Json;
  context: unknown;
  record_time: string;
  decl: Json | null;
  block: string | number;
  tx_id: string;
  changed_block: string | number;
  sort: string;
}

const SELECT = `SELECT r.hash_id, r.event, r.context, r.record_time, r.decl, r.block, r.tx_id, r.changed_block`;

function rowOf(raw: RawRow): EpcisRow {
  return {
    hashId: raw.hash_id,
    event: raw.event,
    context: raw.context,
    recordTime: raw.record_time,
    errorDeclaration: raw.decl,
    block: Number(raw.block),
    txId: raw.tx_id,
    changedBlock: Number(raw.changed_block),
  };
}

/** The SQL of one page of a query (exported for tests and EXPLAIN). */
export function pageSql(query: EpcisQuery, extra: readonly Condition[] = []): { text: string; params: unknown[]; limit: number } {
  const p = new Params();
  const sort = query.orderBy === 'eventTime' ? 'r.event_time_ms' : 'r.record_time';
  const cast = query.orderBy === 'eventTime' ? 'bigint' : 'text';
  const cmp = query.orderDirection === 'ASC' ? '>' : '<';
  const seek =
    query.after === undefined
      ? []
      : [`(${sort}, r.hash_id) ${cmp} (${p.add(query.after.sort)}::${cast}, ${p.add(query.after.hashId)}::text)`];
  const done = query.after?.count ?? 0;
  const remaining = query.eventCountLimit === undefined ? query.perPage : Math.min(query.perPage, query.eventCountLimit - done);
  const where = whereOf([...query.conditions, ...extra], p, seek);
  const limit = Math.max(0, remaining);
  const text = `${ROWS}
${SELECT}, ${sort}::text AS sort FROM r
WHERE ${where}
ORDER BY ${sort} ${query.orderDirection}, r.hash_id ${query.orderDirection}
LIMIT ${p.add(limit + 1)}`;
  return { text, params: p.values, limit };
}

/**
 * One page of an EPCIS query. With `maxEventCount`, a query matching more
 * events is refused ({@link EpcisQueryError} with status 413).
 */
export async function queryEpcisEvents(sql: Sql, query: EpcisQuery, extra: readonly Condition[] = []): Promise<EpcisPage> {
  if (query.maxEventCount !== undefined) {
    const p = new Params();
    const where = whereOf([...query.conditions, ...extra], p);
    const [counted] = await sql.query<{ n: string | number }>(
      `${ROWS} SELECT count(*) AS n FROM (SELECT 1 FROM r WHERE ${where} LIMIT ${p.add(query.maxEventCount + 1)}) x`,
      p.values,
    );
    if (Number(counted?.n ?? 0) > query.maxEventCount) {
      throw new EpcisQueryError(
        'maxEventCount',
        `the query matches more than ${query.maxEventCount} events; narrow it, or page through it without maxEventCount`,
        413,
      );
    }
  }
  const { text, params, limit } = pageSql(query, extra);
  if (limit === 0) return { events: [], next: undefined };
  const raw = await sql.query<RawRow>(text, params);
  const events = raw.slice(0, limit).map(rowOf);
  const last = raw[limit - 1];
  const count = (query.after?.count ?? 0) + events.length;
  const more = raw.length > limit && (query.eventCountLimit === undefined || count < query.eventCountLimit);
  return { events, next: more && last !== undefined ? { sort: last.sort, hashId: last.hash_id, count } : undefined };
}

/**
 * Events matching `query` whose row changed (captured, or newly declared in
 * error) in blocks `afterBlock` < block ≤ `uptoBlock`, in block order: what a
 * subscription has not seen yet. At most `limit`; page with the last one.
 */
export async function changedEpcisEvents(
  sql: Sql,
  query: EpcisQuery,
  range: { readonly afterBlock: number; readonly uptoBlock: number; readonly afterHashId?: string; readonly limit: number },
): Promise<EpcisRow[]> {
  const p = new Params();
  const from =
    range.afterHashId === undefined
      ? `r.changed_block > ${p.add(range.afterBlock)}::bigint`
      : `(r.changed_block, r.hash_id) > (${p.add(range.afterBlock)}::bigint, ${p.add(range.afterHashId)}::text)`;
  const where = whereOf(query.conditions, p, [from, `r.changed_block <= ${p.add(range.uptoBlock)}::bigint`]);
  const raw = await sql.query<RawRow>(
    `${ROWS}\n${SELECT} FROM r WHERE ${where} ORDER BY r.changed_block, r.hash_id LIMIT ${p.add(range.limit)}`,
    p.values,
  );
  return raw.map(rowOf);
}

/** The event as an EPCIS answer gives it: eventID (the hash ID when it had none), recordTime, and its latest error declaration. */
export function epcisOutputEvent(row: EpcisRow): Json {
  return {
    ...row.event,
    eventID: typeof row.event.eventID === 'string' ? row.event.eventID : row.hashId,
    recordTime: row.recordTime,
    ...(row.errorDeclaration !== null ? { errorDeclaration: row.errorDeclaration } : {}),
  };
}

/** One stored event and its declarations, as the chaincode's GetEvent answers; undefined when neither exists. */
export async function epcisEvent(sql: Sql, id: string): Promise<{ event: Json | null; errorDeclarations: Json[] } | undefined> {
  const [event] = await sql.query<{ doc: Json; hash_id: string }>(
    `SELECT doc, hash_id FROM epcis_events WHERE hash_id = $1 OR event_id = $1 ORDER BY hash_id LIMIT 1`,
    [id],
  );
  const hashId = event?.hash_id ?? id;
  const declarations = await sql.query<{ doc: Json }>(
    `SELECT doc FROM epcis_declarations WHERE hash_id = $1 ORDER BY block, length(idx), idx LIMIT 50`,
    [hashId],
  );
  if (event === undefined && declarations.length === 0) return undefined;
  return { event: event?.doc ?? null, errorDeclarations: declarations.map((d) => d.doc) };
}

/** The REST binding's top-level vocabularies. */
export type EpcisVocabulary = 'eventTypes' | 'epcs' | 'bizSteps' | 'bizLocations' | 'readPoints' | 'dispositions';

const EPC_LISTS = `ARRAY['epcList','childEPCs','inputEPCList','outputEPCList']`;
const QUANTITY_LISTS = `ARRAY['quantityList','childQuantityList','inputQuantityList','outputQuantityList']`;

const VOCABULARY_VALUES: Record<EpcisVocabulary, string> = {
  eventTypes: 'SELECT r.type AS v FROM r',
  bizSteps: 'SELECT r.biz_step AS v FROM r',
  dispositions: 'SELECT r.disposition AS v FROM r',
  readPoints: `SELECT r.event->'readPoint'->>'id' AS v FROM r`,
  bizLocations: `SELECT r.event->'bizLocation'->>'id' AS v FROM r`,
  epcs: `SELECT x.v FROM r, LATERAL (
      SELECT jsonb_array_elements_text(${arr(`r.event->f`)}) AS v FROM unnest(${EPC_LISTS}) f
      UNION ALL SELECT r.event->>'parentID'
      UNION ALL SELECT q->>'epcClass' FROM unnest(${QUANTITY_LISTS}) f, jsonb_array_elements(${arr(`r.event->f`)}) q
    ) x`,
};

/** A page of a vocabulary: its distinct values in order, after `after`. */
export async function epcisVocabulary(
  sql: Sql,
  vocabulary: EpcisVocabulary,
  page: { readonly perPage: number; readonly after: string | undefined },
): Promise<{ values: string[]; next: string | undefined }> {
  const rows = await sql.query<{ v: string }>(
    `${ROWS} SELECT DISTINCT v FROM (${VOCABULARY_VALUES[vocabulary]}) s WHERE v IS NOT NULL AND ($1::text IS NULL OR v > $1::text) ORDER BY v LIMIT $2`,
    [page.after ?? null, page.perPage + 1],
  );
  const values = rows.slice(0, page.perPage).map((r) => r.v);
  return { values, next: rows.length > page.perPage ? values[values.length - 1] : undefined };
}

/** A named query of the organisation. */
export interface NamedQuery {
  readonly name: string;
  /** The query's parameters, as given (each a list of values). */
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** Store a named query; false when the name is taken. */
export async function createNamedQuery(sql: Sql, query: NamedQuery): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO epcis_named_queries (name, params, created_by, created_at) VALUES ($1, $2::jsonb, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name`,
    [query.name, JSON.stringify(query.params), query.createdBy, query.createdAt],
  );
  return rows.length === 1;
}

interface NamedRow {
  name: string;
  params: Record<string, string[]>;
  created_by: string;
  created_at: string;
}
const named = (r: NamedRow): NamedQuery => ({ name: r.name, params: r.params, createdBy: r.created_by, createdAt: r.created_at });

/** A page of named queries, by name. */
export async function namedQueries(
  sql: Sql,
  page: { readonly perPage: number; readonly after: string | undefined },
): Promise<{ queries: NamedQuery[]; next: string | undefined }> {
  const rows = await sql.query<NamedRow>(
    `SELECT * FROM epcis_named_queries WHERE ($1::text IS NULL OR name > $1::text) ORDER BY name LIMIT $2`,
    [page.after ?? null, page.perPage + 1],
  );
  const queries = rows.slice(0, page.perPage).map(named);
  return { queries, next: rows.length > page.perPage ? queries[queries.length - 1]?.name : undefined };
}

/** One named query, or undefined. */
export async function namedQuery(sql: Sql, name: string): Promise<NamedQuery | undefined> {
  const [row] = await sql.query<NamedRow>(`SELECT * FROM epcis_named_queries WHERE name = $1`, [name]);
  return row === undefined ? undefined : named(row);
}

/** Delete a named query and its subscriptions; false when there was none. */
export async function deleteNamedQuery(sql: Sql, name: string): Promise<boolean> {
  return (await sql.query(`DELETE FROM epcis_named_queries WHERE name = $1 RETURNING name`, [name])).length === 1;
}

/** A webhook subscription to a named query. */
export interface Subscription {
  readonly id: string;
  readonly queryName: string;
  readonly dest: string;
  readonly reportIfEmpty: boolean;
  /** Events of blocks up to this one have been delivered. */
  readonly afterBlock: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastDeliveryAt: string | null;
  readonly lastError: string | null;
  /** The client's secret the dispatcher signs each delivery with (`GS1-Signature`); null when none was given. Never shown to clients. */
  readonly signatureToken: string | null;
  /** A scheduled subscription's schedule (the standard's fields, as given); null for one delivered as blocks are indexed (`stream`). */
  readonly schedule: Readonly<Record<string, string>> | null;
  /** When a scheduled subscription runs next (ms since the epoch); null for a streaming one. */
  readonly nextRunAt: number | null;
}

interface SubscriptionRow {
  id: string;
  query_name: string;
  dest: string;
  report_if_empty: boolean;
  after_block: string | number;
  created_by: string;
  created_at: string;
  last_delivery_at: string | null;
  last_error: string | null;
  signature_token: string | null;
  schedule: Record<string, string> | null;
  next_run_at: string | number | null;
}

const subscription = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  queryName: r.query_name,
  dest: r.dest,
  reportIfEmpty: r.report_if_empty,
  afterBlock: Number(r.after_block),
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastDeliveryAt: r.last_delivery_at,
  lastError: r.last_error,
  signatureToken: r.signature_token,
  schedule: r.schedule,
  nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at),
});

/** Store a subscription. */
export async function createSubscription(sql: Sql, s: Omit<Subscription, 'lastDeliveryAt' | 'lastError'>): Promise<void> {
  await sql.query(
    `INSERT INTO epcis_subscriptions (id, query_name, dest, report_if_empty, after_block, created_by, created_at, signature_token, schedule, next_run_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)`,
    [
      s.id,
      s.queryName,
      s.dest,
      s.reportIfEmpty,
      s.afterBlock,
      s.createdBy,
      s.createdAt,
      s.signatureToken,
      s.schedule === null ? null : JSON.stringify(s.schedule),
      s.nextRunAt,
    ],
  );
}

/** The subscriptions of a named query, or all of them. */
export async function subscriptions(sql: Sql, queryName?: string): Promise<Subscription[]> {
  const rows = await sql.query<SubscriptionRow>(
    `SELECT * FROM epcis_subscriptions WHERE ($1::text IS NULL OR query_name = $1::text) ORDER BY created_at, id`,
    [queryName ?? null],
  );
  return rows.map(subscription);
}

/** Delete a subscription; false when there was none. */
export async function deleteSubscription(sql: Sql, queryName: string, id: string): Promise<boolean> {
  return (await sql.query(`DELETE FROM epcis_subscriptions WHERE query_name = $1 AND id = $2 RETURNING id`, [queryName, id])).length === 1;
}

/**
 * Record a delivery: blocks up to `afterBlock` delivered (and, for a scheduled
 * subscription, when it runs next), or the error of a failed attempt.
 */
export async function recordDelivery(
  sql: Sql,
  id: string,
  outcome: { afterBlock: number; at: string; nextRunAt?: number } | { error: string },
): Promise<void> {
  if ('error' in outcome) await sql.query(`UPDATE epcis_subscriptions SET last_error = $2 WHERE id = $1`, [id, outcome.error]);
  else {
    await sql.query(
      `UPDATE epcis_subscriptions SET after_block = $2, last_delivery_at = $3, last_error = NULL, next_run_at = COALESCE($4, next_run_at) WHERE id = $1`,
      [id, outcome.afterBlock, outcome.at, outcome.nextRunAt ?? null],
    );
  }
}

/** The events as captured that created lots, and that packed them: for trace exports. */
export interface CapturedFor {
  /** Lot id → the hash ID of the event that created it (its `epcis.hashId` attribute), for lots created by a capture. */
  readonly byLot: Readonly<Record<string, string>>;
  /** Hash ID → the event as captured and its capture document's `@context`. */
  readonly events: Readonly<Record<string, { readonly event: Json; readonly context: unknown }>>;
}

/** The captured events behind `lotIds` (their creating events) and `hashIds` (e.g. containment events). */
export async function capturedFor(sql: Sql, lotIds: readonly string[], hashIds: readonly string[]): Promise<CapturedFor> {
  const lots = await sql.query<{ id: string; h: string | null }>(
    `SELECT id, doc->'attributes'->>'epcis.hashId' AS h FROM lots WHERE id = ANY ($1::text[])`,
    [lotIds],
  );
  const byLot = Object.fromEntries(lots.filter((l) => l.h !== null).map((l) => [l.id, l.h as string]));
  const wanted = [...new Set([...Object.values(byLot), ...hashIds])];
  const rows = await sql.query<{ hash_id: string; event: Json; context: unknown }>(
    `SELECT hash_id, event, context FROM epcis_events WHERE hash_id = ANY ($1::text[])`,
    [wanted],
  );
  return { byLot, events: Object.fromEntries(rows.map((r) => [r.hash_id, { event: r.event, context: r.context }])) };
}

/**
 * Fill in the `search` documents of rows indexed before that column existed
 * (a store from an earlier version), in batches; returns how many rows it filled.
 */
export async function backfillSearch(sql: Sql, compute: (event: Json, context: unknown) => unknown): Promise<number> {
  let filled = 0;
  for (const table of ['epcis_events', 'epcis_declarations'] as const) {
    for (;;) {
      const rows = await sql.query<{ ctid: string; event: Json; context: unknown }>(
        `SELECT ctid::text AS ctid, event, context FROM ${table} WHERE search IS NULL LIMIT 500`,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        await sql.query(`UPDATE ${table} SET search = $2::jsonb WHERE ctid = $1::tid`, [
          row.ctid,
          JSON.stringify(compute(row.event, row.context)),
        ]);
      }
      filled += rows.length;
    }
  }
  return filled;
}
