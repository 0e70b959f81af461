import { z } from 'zod';
import { fail } from '@lotline/domain';
import type { Ledger } from '../ledger';
import { cbvWord } from './event-fields';
import { identifierKey } from './identifiers';
import { declarationsOf, EPCIS_KEYS, type ErrorDeclarationRecord, findEvent, type StoredEvent } from './model';

/**
 * EPCIS simple event query over the captured events. MATCH_* parameters are
 * answered from the class and EPC indexes (values OR'ed within a parameter,
 * parameters AND'ed); the other parameters filter. Results come in hash-ID
 * order; `after` is the last hash ID of the previous page.
 */

/** Bounds of one query call. */
export const QUERY_LIMITS = {
  /** Index entries one MATCH_* parameter may select. */
  candidates: 10_000,
  /** Stored events one call may read (a page may come back short, with a `next` token). */
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
  after: z.string().max(512).optional(),
});

/** A validated query. */
export type EventQuery = z.infer<typeof querySchema>;

/** A stored event with the error declarations recorded against it. */
export type QueriedEvent = StoredEvent & { readonly errorDeclarations: readonly ErrorDeclarationRecord[] };

/** One page of results. */
export interface QueryPage {
  readonly events: readonly QueriedEvent[];
  /** The `after` value for the next page, or null on the last page. */
  readonly next: string | null;
}

async function indexed(ledger: Ledger, objectType: string, prefix: readonly string[], hashAt: number): Promise<Set<string>> {
  const entries = await ledger.scan<unknown>(objectType, prefix, QUERY_LIMITS.candidates + 1);
  if (entries.length > QUERY_LIMITS.candidates) {
    throw fail(
      'LIMIT_EXCEEDED',
      `query parameter value ${prefix.join(' ')} matches more than ${QUERY_LIMITS.candidates} events; narrow it`,
    );
  }
  return new Set(entries.map((e) => e.attributes[hashAt] as string));
}

async function candidates(ledger: Ledger, q: EventQuery): Promise<string[] | undefined> {
  const sets: Set<string>[] = [];
  const params: [string[] | undefined, (v: string) => Promise<Set<string>>][] = [
    [q.anyEPC, (v) => indexed(ledger, EPCIS_KEYS.epcIndex, [identifierKey(v)], 1)],
    [q.anyEPCClass, (v) => indexed(ledger, EPCIS_KEYS.classIndex, ['any', identifierKey(v)], 2)],
    [q.inputEPCClass, (v) => indexed(ledger, EPCIS_KEYS.classIndex, ['input', identifierKey(v)], 2)],
    [q.outputEPCClass, (v) => indexed(ledger, EPCIS_KEYS.classIndex, ['output', identifierKey(v)], 2)],
  ];
  for (const [given, lookup] of params) {
    if (given === undefined) continue;
    const union = new Set<string>();
    for (const value of given) for (const hash of await lookup(value)) union.add(hash);
    sets.push(union);
  }
  if (sets.length === 0) return undefined;
  const [first, ...rest] = sets as [Set<string>, ...Set<string>[]];
  return [...first].filter((h) => rest.every((s) => s.has(h))).sort();
}

function matches(event: StoredEvent, q: EventQuery): boolean {
  if (q.bizStep !== undefined && !q.bizStep.map((b) => cbvWord(b, 'BizStep')).includes(event.bizStep ?? '')) return false;
  if (q.disposition !== undefined && !q.disposition.map((d) => cbvWord(d, 'Disp')).includes(event.disposition ?? '')) return false;
  if (q.geEventTime !== undefined && event.eventTimeMs < Date.parse(q.geEventTime)) return false;
  if (q.ltEventTime !== undefined && event.eventTimeMs >= Date.parse(q.ltEventTime)) return false;
  return true;
}

/** Run a query: one page of matching events, in hash-ID order. */
export async function queryEvents(ledger: Ledger, q: EventQuery): Promise<QueryPage> {
  const selected = await candidates(ledger, q);
  const hashes =
    selected ?? (await ledger.scan<StoredEvent>(EPCIS_KEYS.event, [], QUERY_LIMITS.candidates + 1)).map((e) => e.attributes[0] as string);
  if (selected === undefined && hashes.length > QUERY_LIMITS.candidates) {
    throw fail('LIMIT_EXCEEDED', `more than ${QUERY_LIMITS.candidates} events are stored; give a MATCH_* parameter`);
  }
  const after = q.after;
  const pending = after === undefined ? hashes : hashes.filter((h) => h > after);
  const events: QueriedEvent[] = [];
  let scanned = 0;
  let last: string | undefined;
  for (const hash of pending) {
    if (events.length === q.perPage || scanned === QUERY_LIMITS.scanned) return { events, next: last ?? null };
    scanned++;
    last = hash;
    const event = await findEvent(ledger, hash);
    if (event === undefined || !matches(event, q)) continue;
    events.push({ ...event, errorDeclarations: await declarationsOf(ledger, hash, QUERY_LIMITS.declarations) });
  }
  return { events, next: null };
}
