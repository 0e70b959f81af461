/**
 * The EPCIS 2.0 query language (SimpleEventQuery parameters, REST binding
 * spelling) parsed into conditions. Pure: no SQL here, see epcis.ts.
 *
 * Values of list parameters are given repeated or separated by `|`; a list
 * parameter matches when any of its values matches, and the parameters are
 * AND-ed. Unknown parameters are refused (EPCIS QueryParameterException).
 */
import { cbvWord, identifierKey, locationKey } from '@lotline/domain';

/** A refused query: the parameter, why, and the HTTP status (400, or 413 for `maxEventCount`). */
export class EpcisQueryError extends Error {
  constructor(
    readonly parameter: string,
    readonly reason: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(`${parameter}: ${reason}`);
    this.name = 'EpcisQueryError';
  }
}

/** A raw query: parameter → its value(s), as HTTP query strings or a stored named query give them. */
export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Comparison operators of the query language. */
export type Op = 'EQ' | 'GT' | 'GE' | 'LT' | 'LE';

/** Identifier fields of the search document (epcis-search.ts). */
export type KeyField = 'epc' | 'parent' | 'input' | 'output' | 'class' | 'inputClass' | 'outputClass' | 'readPoint' | 'bizLocation';

/** A sensor condition, on one sensor report (or its element's metadata). */
export type SensorCondition =
  | { readonly kind: 'text'; readonly field: string; readonly metadata: 'also' | 'only' | 'never'; readonly values: readonly string[] }
  | { readonly kind: 'type'; readonly values: readonly string[] }
  | { readonly kind: 'boolean'; readonly field: string; readonly value: boolean }
  | { readonly kind: 'number'; readonly field: string; readonly op: Op; readonly value: number }
  | { readonly kind: 'time'; readonly field: string; readonly op: 'GE' | 'LT'; readonly value: string };

/** One condition of a query; all of a query's conditions must hold. */
export type Condition =
  | {
      readonly kind: 'in';
      readonly column: 'type' | 'action' | 'biz_step' | 'disposition' | 'transformation_id';
      readonly values: readonly string[];
    }
  | {
      readonly kind: 'time';
      readonly column: 'event_time' | 'record_time' | 'declaration_time';
      readonly op: 'GE' | 'LT';
      readonly value: string;
    }
  | {
      readonly kind: 'keys';
      readonly fields: readonly KeyField[];
      /** Keys that must be present (any of them). */
      readonly exact: readonly string[];
      /** Key prefixes: a key that starts with one (after `exact`) matches. */
      readonly prefixes: readonly string[];
      /** SQL LIKE patterns (EPC pattern URIs). */
      readonly patterns: readonly string[];
    }
  | { readonly kind: 'persistent'; readonly which: 'set' | 'unset'; readonly values: readonly string[] }
  | {
      readonly kind: 'typed';
      readonly field: 'bizTransaction' | 'source' | 'destination';
      readonly type: string;
      readonly values: readonly string[];
    }
  | { readonly kind: 'quantity'; readonly op: Op; readonly value: number }
  | { readonly kind: 'eventID'; readonly values: readonly string[] }
  | { readonly kind: 'declared' }
  | { readonly kind: 'errorReason'; readonly values: readonly string[] }
  | { readonly kind: 'correctiveEventID'; readonly values: readonly string[] }
  | {
      readonly kind: 'field';
      readonly scope: 'ext' | 'ilmd' | 'innerExt' | 'innerIlmd';
      readonly name: string;
      readonly op: Op | 'EXISTS';
      readonly values: readonly string[];
    }
  | { readonly kind: 'sensor'; readonly conditions: readonly SensorCondition[] };

/** A parsed query. */
export interface EpcisQuery {
  readonly conditions: readonly Condition[];
  readonly orderBy: 'eventTime' | 'recordTime';
  readonly orderDirection: 'ASC' | 'DESC';
  /** Return at most this many events in all (the first ones in the order). */
  readonly eventCountLimit: number | undefined;
  /** Refuse (413) a query that matches more events than this. */
  readonly maxEventCount: number | undefined;
  readonly perPage: number;
  /** The position after the last event of the previous page. */
  readonly after: Cursor | undefined;
}

/** Where a page ends: the sort value and hash ID of its last event, and how many events came before. */
export interface Cursor {
  readonly sort: string;
  readonly hashId: string;
  readonly count: number;
}

/** Page size when `perPage` is absent, and its maximum. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;
/** Values per list parameter. */
export const MAX_VALUES = 100;

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** PostgreSQL text cannot hold NUL: refuse it (400) rather than fail in the database. */
function text(name: string, value: string): string {
  if (value.includes('\u0000')) throw new EpcisQueryError(name, 'must not contain NUL characters');
  return value;
}

function valuesOf(name: string, value: string | readonly string[] | undefined): string[] {
  const list = (typeof value === 'string' ? [value] : (value ?? [])).flatMap((v) => text(name, v).split('|')).filter((v) => v !== '');
  if (list.length > MAX_VALUES) throw new EpcisQueryError(name, `give at most ${MAX_VALUES} values`);
  if (list.some((v) => v.length > 2048)) throw new EpcisQueryError(name, 'a value is longer than 2048 characters');
  return list;
}

function one(name: string, value: string | readonly string[] | undefined): string {
  const list = typeof value === 'string' ? [value] : (value ?? []);
  if (list.length !== 1 || list[0] === undefined || list[0] === '') throw new EpcisQueryError(name, 'give exactly one value');
  return text(name, list[0]);
}

function time(name: string, value: string | readonly string[] | undefined): string {
  const v = one(name, value);
  if (!TIME.test(v) || Number.isNaN(Date.parse(v)) || v.startsWith('0000'))
    throw new EpcisQueryError(name, 'must be an ISO 8601 date-time with a time zone, e.g. 2024-01-31T12:00:00Z');
  return new Date(v).toISOString();
}

function number(name: string, value: string | readonly string[] | undefined): number {
  const v = one(name, value);
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new EpcisQueryError(name, 'must be a number');
  return n;
}

function count(name: string, value: string | readonly string[] | undefined, max: number): number {
  const n = number(name, value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new EpcisQueryError(name, `must be an integer from 1 to ${max}`);
  return n;
}

/** LIKE-escape a literal. */
function literal(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const IDPAT = /^urn:epc:idpat:(sgtin|lgtin|sscc|sgln|grai|giai):(.+)$/;

/**
 * A MATCH_ value: an EPC or class (URN or Digital Link, compared by GS1 key),
 * an EPC pattern URI (`urn:epc:idpat:sgtin:0614141.107346.*`, `…:0614141.*.*`,
 * `urn:epc:idpat:sscc:0614141.*`), or a GTIN-only Digital Link, which matches
 * every lot and serial of the GTIN.
 */
function matchValue(name: string, value: string): { exact?: string[]; prefix?: string; pattern?: string } {
  const pat = IDPAT.exec(value);
  if (pat) {
    const [scheme, rest] = [pat[1] as string, pat[2] as string];
    const parts = rest.split('.');
    if ((scheme === 'sgtin' || scheme === 'lgtin') && parts.length === 3) {
      const [cp, item, last] = parts as [string, string, string];
      if (last !== '*') return { exact: [identifierKey(`urn:epc:id:sgtin:${rest}`)] };
      if (item === '*' && /^\d{6,12}$/.test(cp)) return { exact: [value], pattern: `01/_${cp}%` };
      if (/^\d{6,12}$/.test(cp) && /^\d{1,7}$/.test(item)) {
        const key = identifierKey(`urn:epc:class:lgtin:${cp}.${item}.x`);
        const gtin = /^01\/(\d{14})\//.exec(key)?.[1];
        if (gtin !== undefined) return { exact: [value, `01/${gtin}`], pattern: `01/${gtin}/%` };
      }
    }
    if (scheme === 'sscc' && parts.length === 2 && parts[1] === '*' && /^\d{6,12}$/.test(parts[0] as string)) {
      return { exact: [value], pattern: `00/_${parts[0] as string}%` };
    }
    throw new EpcisQueryError(
      name,
      `${value}: EPC patterns are supported for sgtin/lgtin (<prefix>.<item>.* or <prefix>.*.*) and sscc (<prefix>.*)`,
    );
  }
  const key = identifierKey(value);
  return /^01\/\d{14}$/.test(key) ? { exact: [key], prefix: `${key}/` } : { exact: [key] };
}

function keys(name: string, fields: readonly KeyField[], values: readonly string[]): Condition {
  const parsed = values.map((v) => matchValue(name, v));
  return {
    kind: 'keys',
    fields,
    exact: [...new Set(parsed.flatMap((p) => p.exact ?? []))],
    prefixes: parsed.flatMap((p) => (p.prefix !== undefined ? [literal(p.prefix)] : [])),
    patterns: parsed.flatMap((p) => (p.pattern !== undefined ? [p.pattern] : [])),
  };
}

const MATCH: Record<string, readonly KeyField[]> = {
  MATCH_epc: ['epc'],
  MATCH_parentID: ['parent'],
  MATCH_inputEPC: ['input'],
  MATCH_outputEPC: ['output'],
  MATCH_anyEPC: ['epc', 'parent', 'input', 'output'],
  MATCH_epcClass: ['class'],
  MATCH_inputEPCClass: ['inputClass'],
  MATCH_outputEPCClass: ['outputClass'],
  MATCH_anyEPCClass: ['class', 'inputClass', 'outputClass'],
};

/** Every identifier field: `/epcis/epcs/{epc}/events`. */
export const ANY_IDENTIFIER: readonly KeyField[] = ['epc', 'parent', 'input', 'output', 'class', 'inputClass', 'outputClass'];

/** Sensor report text fields, and whether their sensor element's metadata may carry them too. */
const SENSOR_TEXT: Record<string, 'also' | 'only' | 'never'> = {
  deviceID: 'also',
  deviceMetadata: 'also',
  rawData: 'also',
  dataProcessingMethod: 'also',
  bizRules: 'only',
  microorganism: 'never',
  chemicalSubstance: 'never',
  stringValue: 'never',
  uriValue: 'never',
  hexBinaryValue: 'never',
  uom: 'never',
  component: 'never',
};
const SENSOR_NUMBERS = new Set(['value', 'minValue', 'maxValue', 'meanValue', 'sDev', 'percRank', 'percValue']);
const SENSOR_TIMES = new Set(['time', 'startTime', 'endTime']);

/** A sensor parameter, or undefined when `name` is not one. */
function sensorCondition(name: string, value: string | readonly string[] | undefined): SensorCondition | undefined {
  const m = /^(EQ|GT|GE|LT|LE)_([A-Za-z]+)$/.exec(name);
  if (m === null) return undefined;
  const [op, field] = [m[1] as Op, m[2] as string];
  if (field === 'type' && op === 'EQ') return { kind: 'type', values: valuesOf(name, value).map(measurementType) };
  if (field in SENSOR_TEXT && op === 'EQ')
    return { kind: 'text', field, metadata: SENSOR_TEXT[field] ?? 'never', values: valuesOf(name, value) };
  if (field === 'booleanValue' && op === 'EQ') {
    const v = one(name, value);
    if (v !== 'true' && v !== 'false') throw new EpcisQueryError(name, 'must be true or false');
    return { kind: 'boolean', field, value: v === 'true' };
  }
  if (SENSOR_NUMBERS.has(field)) return { kind: 'number', field, op, value: number(name, value) };
  if (SENSOR_TIMES.has(field) && (op === 'GE' || op === 'LT')) return { kind: 'time', field, op, value: time(name, value) };
  return undefined;
}

/** A measurement type as compared: the bare word (`Temperature`) of `gs1:Temperature` or its URI. */
export function measurementType(value: string): string {
  return value.replace(/^(gs1:|https?:\/\/gs1\.org\/voc\/|https?:\/\/ref\.gs1\.org\/voc\/)/, '').replace(/^MeasurementType-/, '');
}

const FIELD = /^(EQ|GT|GE|LT|LE|EXISTS)_(INNER_)?(ILMD_)?(.+)$/;

/** An extension or ILMD field parameter (`EQ_ILMD_example:grading`), or undefined. Field names are namespaced (contain `:`). */
function fieldCondition(name: string, value: string | readonly string[] | undefined): Condition | undefined {
  const m = FIELD.exec(name);
  if (m === null || !(m[4] as string).includes(':')) return undefined;
  const op = m[1] as Op | 'EXISTS';
  const scope = m[2] !== undefined ? (m[3] !== undefined ? 'innerIlmd' : 'innerExt') : m[3] !== undefined ? 'ilmd' : 'ext';
  if (op === 'EXISTS') return { kind: 'field', scope, name: m[4] as string, op, values: [] };
  const values = op === 'EQ' ? valuesOf(name, value) : [one(name, value)];
  if (op !== 'EQ') {
    const v = values[0] as string;
    if (!Number.isFinite(Number(v)) && !(TIME.test(v) && !Number.isNaN(Date.parse(v)))) {
      throw new EpcisQueryError(name, 'compare with a number or an ISO 8601 date-time');
    }
  }
  if (values.length === 0) throw new EpcisQueryError(name, 'give a value');
  return { kind: 'field', scope, name: m[4] as string, op, values };
}

const TYPED = /^EQ_(bizTransaction|source|destination)_(.+)$/;

/** Decode a page token (base64url JSON) or refuse it. */
function cursorOf(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursor>;
    const ok = (v: unknown): v is string => typeof v === 'string' && !v.includes('\u0000') && v.length <= 2048;
    if (ok(c.sort) && ok(c.hashId) && Number.isInteger(c.count) && (c.count as number) >= 0) {
      return { sort: c.sort, hashId: c.hashId, count: c.count as number };
    }
  } catch {
    // refused below
  }
  throw new EpcisQueryError('nextPageToken', 'is not a token this API issued; pass the one the previous page returned, or none');
}

/** The token of the page after `cursor`. */
export function tokenOf(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

type Parameter = (name: string, value: string | readonly string[] | undefined) => Condition;

const SIMPLE: Record<string, Parameter> = {
  eventType: (n, v) => ({ kind: 'in', column: 'type', values: valuesOf(n, v) }),
  EQ_action: (n, v) => {
    const values = valuesOf(n, v);
    const bad = values.find((a) => !['ADD', 'OBSERVE', 'DELETE'].includes(a));
    if (bad !== undefined) throw new EpcisQueryError(n, `${bad} is not an action: ADD, OBSERVE or DELETE`);
    return { kind: 'in', column: 'action', values };
  },
  EQ_bizStep: (n, v) => ({ kind: 'in', column: 'biz_step', values: valuesOf(n, v).map((s) => cbvWord(s, 'BizStep')) }),
  EQ_disposition: (n, v) => ({ kind: 'in', column: 'disposition', values: valuesOf(n, v).map((s) => cbvWord(s, 'Disp')) }),
  EQ_transformationID: (n, v) => ({ kind: 'in', column: 'transformation_id', values: valuesOf(n, v) }),
  EQ_persistentDisposition_set: (n, v) => ({ kind: 'persistent', which: 'set', values: valuesOf(n, v).map((s) => cbvWord(s, 'Disp')) }),
  EQ_persistentDisposition_unset: (n, v) => ({ kind: 'persistent', which: 'unset', values: valuesOf(n, v).map((s) => cbvWord(s, 'Disp')) }),
  GE_eventTime: (n, v) => ({ kind: 'time', column: 'event_time', op: 'GE', value: time(n, v) }),
  LT_eventTime: (n, v) => ({ kind: 'time', column: 'event_time', op: 'LT', value: time(n, v) }),
  GE_recordTime: (n, v) => ({ kind: 'time', column: 'record_time', op: 'GE', value: time(n, v) }),
  LT_recordTime: (n, v) => ({ kind: 'time', column: 'record_time', op: 'LT', value: time(n, v) }),
  GE_errorDeclarationTime: (n, v) => ({ kind: 'time', column: 'declaration_time', op: 'GE', value: time(n, v) }),
  LT_errorDeclarationTime: (n, v) => ({ kind: 'time', column: 'declaration_time', op: 'LT', value: time(n, v) }),
  EQ_readPoint: (n, v) => ({ kind: 'keys', fields: ['readPoint'], exact: valuesOf(n, v).map(locationKey), prefixes: [], patterns: [] }),
  EQ_bizLocation: (n, v) => ({ kind: 'keys', fields: ['bizLocation'], exact: valuesOf(n, v).map(locationKey), prefixes: [], patterns: [] }),
  WD_readPoint: (n, v) => withDescendants('readPoint', valuesOf(n, v)),
  WD_bizLocation: (n, v) => withDescendants('bizLocation', valuesOf(n, v)),
  EQ_eventID: (n, v) => ({ kind: 'eventID', values: valuesOf(n, v) }),
  EXISTS_errorDeclaration: () => ({ kind: 'declared' }),
  EQ_errorReason: (n, v) => ({ kind: 'errorReason', values: valuesOf(n, v).map((s) => cbvWord(s, 'ER')) }),
  EQ_correctiveEventID: (n, v) => ({ kind: 'correctiveEventID', values: valuesOf(n, v) }),
  ...Object.fromEntries(
    ['EQ', 'GT', 'GE', 'LT', 'LE'].map((op) => [
      `${op}_quantity`,
      (n: string, v: string | readonly string[] | undefined) => ({ kind: 'quantity', op, value: number(n, v) }) as Condition,
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(MATCH).map(([param, fields]) => [
      param,
      (n: string, v: string | readonly string[] | undefined) => keys(n, fields, valuesOf(n, v)),
    ]),
  ),
};

/**
 * WD_readPoint / WD_bizLocation. The CBV master-data hierarchy is not on the
 * ledger, so Lotline uses the one GS1 identifiers carry: a GLN (SGLN with
 * extension 0, or a Digital Link `…/414/<GLN>`) has as descendants its
 * sub-locations (`…/414/<GLN>/254/<ext>`, SGLN `<prefix>.<ref>.<ext>`); any
 * other location URI has as descendants the URIs that extend it after a `/`.
 */
function withDescendants(field: 'readPoint' | 'bizLocation', values: readonly string[]): Condition {
  const exact = values.map(locationKey);
  return { kind: 'keys', fields: [field], exact, prefixes: exact.map((k) => `${literal(k)}/`), patterns: [] };
}

const CONTROL = new Set(['orderBy', 'orderDirection', 'eventCountLimit', 'maxEventCount', 'perPage', 'nextPageToken']);

/** The names of the standard parameters with a fixed name, for documentation (OpenAPI). */
export const STANDARD_PARAMETERS: readonly string[] = [...Object.keys(SIMPLE), ...CONTROL];

/**
 * Parse an EPCIS query. Throws {@link EpcisQueryError} naming the first
 * parameter that is unknown or invalid.
 */
export function parseEpcisQuery(raw: RawQuery): EpcisQuery {
  const conditions: Condition[] = [];
  const sensor: SensorCondition[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || CONTROL.has(text(name, name))) continue;
    const condition = SIMPLE[name]?.(name, value) ?? typedCondition(name, value) ?? fieldCondition(name, value);
    if (condition !== undefined) {
      conditions.push(condition);
      continue;
    }
    const s = sensorCondition(name, value);
    if (s === undefined) {
      throw new EpcisQueryError(name, 'is not a query parameter this repository supports; see GET /openapi.json (epcisQueryEvents)');
    }
    sensor.push(s);
  }
  if (sensor.length > 0) conditions.push({ kind: 'sensor', conditions: sensor });
  return { conditions, ...controls(raw) };
}

/** `EQ_bizTransaction_<type>`, `EQ_source_<type>`, `EQ_destination_<type>`, or undefined. */
function typedCondition(name: string, value: string | readonly string[] | undefined): Condition | undefined {
  const typed = TYPED.exec(name);
  if (typed === null) return undefined;
  const field = typed[1] as 'bizTransaction' | 'source' | 'destination';
  return {
    kind: 'typed',
    field,
    type: cbvWord(typed[2] as string, field === 'bizTransaction' ? 'BTT' : 'SDT'),
    values: valuesOf(name, value),
  };
}

/** Order, limits and paging. */
function controls(raw: RawQuery): Omit<EpcisQuery, 'conditions'> {
  const orderBy = raw.orderBy === undefined ? 'eventTime' : one('orderBy', raw.orderBy);
  if (orderBy !== 'eventTime' && orderBy !== 'recordTime') throw new EpcisQueryError('orderBy', 'order by eventTime or recordTime');
  const direction = raw.orderDirection === undefined ? 'ASC' : one('orderDirection', raw.orderDirection);
  if (direction !== 'ASC' && direction !== 'DESC') throw new EpcisQueryError('orderDirection', 'must be ASC or DESC');
  const eventCountLimit = raw.eventCountLimit === undefined ? undefined : count('eventCountLimit', raw.eventCountLimit, 1_000_000);
  const maxEventCount = raw.maxEventCount === undefined ? undefined : count('maxEventCount', raw.maxEventCount, 1_000_000);
  if (eventCountLimit !== undefined && maxEventCount !== undefined) {
    throw new EpcisQueryError('maxEventCount', 'give eventCountLimit or maxEventCount, not both');
  }
  const perPage = raw.perPage === undefined ? DEFAULT_PER_PAGE : count('perPage', raw.perPage, MAX_PER_PAGE);
  const after = raw.nextPageToken === undefined ? undefined : cursorOf(one('nextPageToken', raw.nextPageToken));
  if (after !== undefined && orderBy === 'eventTime' && !/^-?\d{1,18}$/.test(after.sort)) {
    throw new EpcisQueryError('nextPageToken', 'is not a token of this query (its order differs); pass the one the previous page returned');
  }
  return { orderBy, orderDirection: direction, eventCountLimit, maxEventCount, perPage, after };
}

/** Whether `name` is a paging or ordering parameter rather than a filter. */
export function isControlParameter(name: string): boolean {
  return CONTROL.has(name);
}
