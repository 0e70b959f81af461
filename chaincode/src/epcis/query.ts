import { z } from 'zod';
import { fail } from '@lotline/domain';
import type { Ledger } from '../ledger';
import { cbvWord } from './event-fields';
import { identifierKey } from './identifiers';
import { declarationsOf, EPCIS_KEYS, type ErrorDeclarationRecord, findEvent, type StoredEvent } from './model';

/**
 * EPCIS simple event query over the captured events, paginated with
 * bookmarks (read-only: Fabric's paginated range queries). With MATCH_*
 * parameters, the first one given drives the scan: its values' index ranges
 * are read one after the other (an event found under an earlier value is not
 * repeated), and every other MATCH_* parameter is checked with one GetState
 * per value on its index; without one, the stored events are scanned. The
 * other parameters filter. One call reads at most `QUERY_LIMITS.scanned`
 * entries, so a page may come back short with a bookmark: ask again with it.
 */

/** Bounds of one query call. */
export const QUERY_LIMITS = {
  /** Index or event entries one call may read. */
  scanned: 2_000,
  /** Largest page. */
  perPage: 1_000,
  /** Values per parameter. */
  values: 100,
  /** Error declarations returned per event. */
  declarations: 50,
} as const;

const values = z.array(z.string().min(1).max(2048)).max(QUERY_LIMITS.values).optional();
const time = z
  .string()
  .max(64)
  .refine((t) => !Number.isNaN(Date.parse(t)), 'must be a date-time')
  .optional();

/** The query argument. */
export const querySchema = z.strictObject({
  anyEPC: values,
  anyEPCClass: values,
  inputEPCClass: values,
  outputEPCClass: values,
  bizStep: values,
  disposition: values,
  geEventTime: time,
  ltEventTime: time,
  perPage: z.number().int().min(1).max(QUERY_LIMITS.perPage),
  bookmark: z.string().max(8192).optional(),
});

/** A validated query. */
export type EventQuery = z.infer<typeof querySchema>;

/** A stored event with the error declarations recorded against it. */
export type QueriedEvent = StoredEvent & { readonly errorDeclarations: readonly ErrorDeclarationRecord[] };

/** One page of results. */
export interface QueryPage {
  readonly events: readonly QueriedEvent[];
  /** The bookmark of the next page, or '' on the last page. */
  readonly bookmark: string;
}

/** A MATCH_* parameter: the index range of each value, where the hash ID sits in the key. */
interface MatchParam {
  readonly objectType: string;
  readonly prefixes: readonly (readonly string[])[];
}

function matchParams(q: EventQuery): MatchParam[] {
  const params: [string[] | undefined, string, (v: string) => string[]][] = [
    [q.anyEPC, EPCIS_KEYS.epcIndex, (v) => [identifierKey(v)]],
    [q.anyEPCClass, EPCIS_KEYS.classIndex, (v) => ['any', identifierKey(v)]],
    [q.inputEPCClass, EPCIS_KEYS.classIndex, (v) => ['input', identifierKey(v)]],
    [q.outputEPCClass, EPCIS_KEYS.classIndex, (v) => ['output', identifierKey(v)]],
  ];
  return params
    .filter((p): p is [string[], string, (v: string) => string[]] => p[0] !== undefined)
    .map(([given, objectType, prefix]) => ({ objectType, prefixes: given.map(prefix) }));
}

/** The query's position: which value of the driving parameter, and the bookmark inside its range. */
interface Position {
  readonly value: number;
  readonly inner: string;
}

function decodePosition(bookmark: string | undefined): Position {
  if (bookmark === undefined || bookmark === '') return { value: 0, inner: '' };
  const match = /^([0-9]{1,3})\.([A-Za-z0-9_-]*)$/.exec(bookmark);
  if (match === null)
    throw fail('INVALID_ARGUMENT', 'bookmark: not a bookmark of this query; pass the one the previous page returned, or none');
  return { value: Number(match[1]), inner: match[2] as string };
}

const encodePosition = (p: Position): string => `${p.value}.${p.inner}`;

async function indexed(ledger: Ledger, param: MatchParam, prefix: readonly string[], hashId: string): Promise<boolean> {
  return (await ledger.get(ledger.key(param.objectType, [...prefix, hashId]))) !== undefined;
}

/** Whether an event passes every MATCH_* parameter but the driving one (one GetState per value). */
async function matchesOthers(ledger: Ledger, others: readonly MatchParam[], hashId: string): Promise<boolean> {
  for (const param of others) {
    let any = false;
    for (const prefix of param.prefixes) if ((any = await indexed(ledger, param, prefix, hashId))) break;
    if (!any) return false;
  }
  return true;
}

function matchesFilters(event: StoredEvent, q: EventQuery): boolean {
  if (q.bizStep !== undefined && !q.bizStep.map((b) => cbvWord(b, 'BizStep')).includes(event.bizStep ?? '')) return false;
  if (q.disposition !== undefined && !q.disposition.map((d) => cbvWord(d, 'Disp')).includes(event.disposition ?? '')) return false;
  if (q.geEventTime !== undefined && event.eventTimeMs < Date.parse(q.geEventTime)) return false;
  if (q.ltEventTime !== undefined && event.eventTimeMs >= Date.parse(q.ltEventTime)) return false;
  return true;
}

/** Run a query: one page of matching events and the bookmark of the next. */
export async function queryEvents(ledger: Ledger, q: EventQuery): Promise<QueryPage> {
  const [driving, ...others] = matchParams(q);
  const ranges = driving?.prefixes.map((prefix) => ({ objectType: driving.objectType, prefix })) ?? [
    { objectType: EPCIS_KEYS.event, prefix: [] },
  ];
  let position = decodePosition(q.bookmark);
  if (position.value >= ranges.length)
    throw fail('INVALID_ARGUMENT', 'bookmark: not a bookmark of this query; pass the one the previous page returned, or none');
  const events: QueriedEvent[] = [];
  let budget = QUERY_LIMITS.scanned;
  while (events.length < q.perPage && budget > 0) {
    const range = ranges[position.value] as { objectType: string; prefix: readonly string[] };
    const page = await ledger.page<unknown>(range.objectType, range.prefix, Math.min(budget, q.perPage - events.length), position.inner);
    budget -= page.entries.length;
    for (const entry of page.entries) {
      const hashId = entry.attributes[entry.attributes.length - 1] as string;
      if (driving !== undefined && (await repeated(ledger, driving, position.value, hashId))) continue;
      if (!(await matchesOthers(ledger, others, hashId))) continue;
      const event = driving === undefined ? (entry.value as StoredEvent) : await findEvent(ledger, hashId);
      if (event === undefined || !matchesFilters(event, q)) continue;
      events.push({ ...event, errorDeclarations: await declarationsOf(ledger, hashId, QUERY_LIMITS.declarations) });
    }
    if (page.bookmark !== '') position = { value: position.value, inner: page.bookmark };
    else if (position.value + 1 < ranges.length) position = { value: position.value + 1, inner: '' };
    else return { events, bookmark: '' };
  }
  return { events, bookmark: encodePosition(position) };
}

/** Whether an event found under value `at` of the driving parameter was already returned under an earlier value. */
async function repeated(ledger: Ledger, driving: MatchParam, at: number, hashId: string): Promise<boolean> {
  for (let i = 0; i < at; i++) if (await indexed(ledger, driving, driving.prefixes[i] as string[], hashId)) return true;
  return false;
}
