/**
 * The EPCIS query interface over the organisation's read model: the EPCIS
 * 2.0 query language (`@lotline/read-model` parses it and runs it as SQL),
 * rendered as EPCISQueryDocuments.
 */
import {
  EpcisQueryError,
  epcisOutputEvent,
  parseEpcisQuery,
  tokenOf,
  type Condition,
  type EpcisQuery,
  type EpcisRow,
  type RawQuery,
} from '@lotline/read-model';
import type { ApiError } from '../errors';
import type { ReadModelService } from '../read-model';
import { epcisError } from './errors';

/** The GS1 EPCIS 2.0 JSON-LD context every Lotline document starts with. */
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/epcis-context.jsonld';

export { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '@lotline/read-model';

/** A refused query as a problem: 400 `EPCIS_QUERY_PARAMETER` naming the parameter, or 413 `EPCIS_QUERY_TOO_LARGE`. */
export function queryProblem(error: EpcisQueryError): ApiError {
  return error.status === 413
    ? epcisError({
        status: 413,
        code: 'EPCIS_QUERY_TOO_LARGE',
        title: 'Query too large',
        detail: error.message,
        violations: [{ pointer: error.parameter, reason: error.reason }],
        cause: error,
      })
    : epcisError({
        status: 400,
        code: 'EPCIS_QUERY_PARAMETER',
        title: 'Invalid query parameter',
        detail: error.message,
        violations: [{ pointer: error.parameter, reason: error.reason }],
        cause: error,
      });
}

/** Parse an EPCIS query, refusing it as a problem. */
export function parseQuery(params: RawQuery): EpcisQuery {
  try {
    return parseEpcisQuery(params);
  } catch (error) {
    throw error instanceof EpcisQueryError ? queryProblem(error) : error;
  }
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

/** An EPCISQueryDocument of events (each as captured, with eventID, recordTime and its latest error declaration). */
export function queryDocument(
  events: readonly EpcisRow[],
  options: { queryName?: string; subscriptionID?: string } = {},
  now = new Date(),
): Record<string, unknown> {
  return {
    '@context': mergedContext(events.map((e) => e.context)),
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: {
      queryResults: {
        queryName: options.queryName ?? 'SimpleEventQuery',
        ...(options.subscriptionID !== undefined ? { subscriptionID: options.subscriptionID } : {}),
        resultsBody: { eventList: events.map(epcisOutputEvent) },
      },
    },
  };
}

/** A page of an EPCIS query. */
export interface QueryResult {
  /** The EPCISQueryDocument. */
  readonly document: Record<string, unknown>;
  /** Token for the next page, or undefined on the last page. */
  readonly nextPageToken: string | undefined;
  /** The last block the read model had indexed when it answered. */
  readonly asOfBlock: number;
}

/**
 * Run an EPCIS query on the read model: one page. Without `minBlock`, the
 * read model first catches up with the peer's height at the time of the
 * request (bounded), so a query sees every event the peer had committed.
 */
export async function queryEvents(
  reads: ReadModelService,
  query: EpcisQuery,
  options: { minBlock?: number; extra?: readonly Condition[]; queryName?: string } = {},
): Promise<QueryResult> {
  const page = await reads.read(
    options.minBlock,
    async (model) => {
      try {
        return await model.epcisEvents(query, options.extra ?? []);
      } catch (error) {
        throw error instanceof EpcisQueryError ? queryProblem(error) : error;
      }
    },
    { latest: true },
  );
  return {
    document: queryDocument(page.events, options.queryName !== undefined ? { queryName: options.queryName } : {}),
    nextPageToken: page.next === undefined ? undefined : tokenOf(page.next),
    asOfBlock: page.asOfBlock,
  };
}
