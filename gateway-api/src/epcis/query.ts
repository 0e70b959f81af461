import { epcisError, fromLedgerError } from './errors';
import type { ApiError } from '../errors';
import type { EpcisLedger } from './ledger';

/** The GS1 EPCIS 2.0 JSON-LD context every Lotline document starts with. */
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/epcis-context.jsonld';

/** Query parameters supported by `GET /epcis/events`, and the chaincode field each one becomes. */
const LIST_PARAMS = {
  MATCH_anyEPC: 'anyEPC',
  MATCH_anyEPCClass: 'anyEPCClass',
  MATCH_inputEPCClass: 'inputEPCClass',
  MATCH_outputEPCClass: 'outputEPCClass',
  EQ_bizStep: 'bizStep',
  EQ_disposition: 'disposition',
} as const;
const TIME_PARAMS = { GE_eventTime: 'geEventTime', LT_eventTime: 'ltEventTime' } as const;
const OTHER_PARAMS = new Set(['perPage', 'nextPageToken']);

/** Page size when `perPage` is absent, and its maximum. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 1000;

type QueryValue = string | string[] | undefined;

interface StoredEvent {
  hashId: string;
  eventID: string | null;
  event: Record<string, unknown>;
  context: unknown;
  recordedAt: string;
  errorDeclarations: { event: Record<string, unknown> }[];
}

/** A page of an EPCIS query. */
export interface QueryResult {
  /** The EPCISQueryDocument. */
  readonly document: Record<string, unknown>;
  /** Token for the next page, or undefined on the last page. */
  readonly nextPageToken: string | undefined;
}

function bad(parameter: string, reason: string): ApiError {
  return epcisError({
    status: 400,
    code: 'EPCIS_QUERY_PARAMETER',
    title: 'Invalid query parameter',
    detail: `${parameter}: ${reason}`,
    violations: [{ pointer: parameter, reason }],
  });
}

/** Values of a list parameter: repeated parameters and `|`-separated values (EPCIS 2.0 REST binding). */
function listOf(value: QueryValue): string[] {
  return (Array.isArray(value) ? value : value !== undefined ? [value] : []).flatMap((v) => v.split('|')).filter((v) => v !== '');
}

function single(name: string, value: QueryValue): string | undefined {
  if (Array.isArray(value)) throw bad(name, 'must be given once');
  return value;
}

/** Translate HTTP query parameters into the chaincode query; unknown parameters are refused (400), as EPCIS requires. */
export function parseQuery(params: Record<string, QueryValue>): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name in LIST_PARAMS) query[LIST_PARAMS[name as keyof typeof LIST_PARAMS]] = listOf(value);
    else if (name in TIME_PARAMS) {
      const time = single(name, value) ?? '';
      if (Number.isNaN(Date.parse(time))) throw bad(name, 'must be an ISO 8601 date-time');
      query[TIME_PARAMS[name as keyof typeof TIME_PARAMS]] = time;
    } else if (!OTHER_PARAMS.has(name)) throw bad(name, 'is not a supported query parameter');
  }
  const perPage = single('perPage', params.perPage);
  query.perPage = perPage === undefined ? DEFAULT_PER_PAGE : Number(perPage);
  if (!Number.isInteger(query.perPage) || (query.perPage as number) < 1 || (query.perPage as number) > MAX_PER_PAGE) {
    throw bad('perPage', `must be an integer from 1 to ${MAX_PER_PAGE}`);
  }
  const token = single('nextPageToken', params.nextPageToken);
  if (token !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,8192}$/.test(token)) throw bad('nextPageToken', 'is not a token this API issued');
    query.bookmark = token;
  }
  return query;
}

/** The event as EPCIS returns it: eventID (the hash ID when it had none), recordTime, and its latest error declaration. */
function outputEvent(stored: StoredEvent): Record<string, unknown> {
  const latest = stored.errorDeclarations[stored.errorDeclarations.length - 1];
  const declaration = latest?.event.errorDeclaration;
  return {
    ...stored.event,
    eventID: stored.eventID ?? stored.hashId,
    recordTime: stored.recordedAt,
    ...(declaration !== undefined ? { errorDeclaration: declaration } : {}),
  };
}

/** One @context for a set of events: the GS1 context first, then each distinct entry of the captured documents' contexts. */
export function mergedContext(contexts: readonly unknown[]): unknown[] {
  const out: unknown[] = [EPCIS_CONTEXT];
  const seen = new Set([JSON.stringify(EPCIS_CONTEXT)]);
  for (const context of contexts) {
    for (const entry of Array.isArray(context) ? context : context !== undefined && context !== null ? [context] : []) {
      const key = JSON.stringify(entry);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(entry);
      }
    }
  }
  return out;
}

/** Run `GET /epcis/events`: one page, as an EPCISQueryDocument. */
export async function queryEvents(ledger: EpcisLedger, params: Record<string, QueryValue>, now: Date = new Date()): Promise<QueryResult> {
  const query = parseQuery(params);
  let page: { events: StoredEvent[]; bookmark: string };
  try {
    page = await ledger.evaluate<{ events: StoredEvent[]; bookmark: string }>('Epcis', 'QueryEvents', JSON.stringify(query));
  } catch (error) {
    throw fromLedgerError(error);
  }
  return {
    document: {
      '@context': mergedContext(page.events.map((e) => e.context)),
      type: 'EPCISQueryDocument',
      schemaVersion: '2.0',
      creationDate: now.toISOString(),
      epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: page.events.map(outputEvent) } } },
    },
    nextPageToken: page.bookmark !== '' ? page.bookmark : undefined,
  };
}
