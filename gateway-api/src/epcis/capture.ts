import { epcisError, fromLedgerError, type Violation } from './errors';
import { eventHashId } from './hash';
import type { EpcisLedger } from './ledger';
import { MAX_JSON_DEPTH, tooDeep, tooDeepAt } from '../http/json';
import { schemaViolations } from './schema';

/** Events per capture document (the chaincode's bound). */
export const MAX_CAPTURE_EVENTS = 500;

/** How a capture treats events already on the ledger: the EPCIS `GS1-Capture-Error-Behaviour` header. */
export type CaptureErrorBehaviour = 'rollback' | 'proceed';

/** Options of one capture. */
export interface CaptureOptions {
  /**
   * `rollback` (default): any duplicate or failure refuses the whole document.
   * `proceed`: events already captured (same event hash ID) are skipped and
   * reported; every other failure still refuses the whole document.
   */
  readonly errorBehaviour: CaptureErrorBehaviour;
  /** Party URIs of source/destination lists that name Lotline organisations (for custody transfers). */
  readonly parties: Readonly<Record<string, string>>;
}

/** One event of a capture response. */
export interface CapturedEvent {
  readonly pointer: string;
  readonly hashId: string;
  readonly type: string;
  readonly operations: readonly { kind: string; lotId: string; ref?: string }[];
}

/** The 201 body of a capture. */
export interface CaptureResponse {
  /** The Fabric transaction that committed the capture. */
  readonly captureId: string;
  /** The block that holds it: read it back with `?minBlock=` (read-your-writes on the read model). */
  readonly blockNumber: number;
  readonly captured: readonly CapturedEvent[];
  readonly declarations: readonly { pointer: string; hashId: string; declaredEventKnown: boolean }[];
  readonly skipped: readonly { pointer: string; hashId: string; reason: string }[];
  readonly lotIds: readonly string[];
  /** Un-namespaced `_comment*` keys removed before validation. */
  readonly ignored: readonly string[];
}

interface ChaincodeCaptureResult {
  captureTxId: string;
  captured: { index: number; hashId: string; type: string; operations: CapturedEvent['operations'] }[];
  declarations: { index: number; hashId: string; declaredEventKnown: boolean }[];
  skipped: { index: number; hashId: string; reason: string }[];
  lotIds: string[];
}

type Json = Record<string, unknown>;

const pointerOf = (index: number): string => `/epcisBody/eventList/${index}`;

/** Remove un-namespaced `_comment*` keys (document and event level), which the GS1 schema refuses; return their pointers. */
export function stripComments(document: Json): string[] {
  const removed: string[] = [];
  const strip = (object: Json, at: string): void => {
    for (const key of Object.keys(object)) {
      if (key.startsWith('_comment')) {
        delete object[key];
        removed.push(`${at}/${key}`);
      }
    }
  };
  strip(document, '');
  const events = (document.epcisBody as { eventList?: unknown } | undefined)?.eventList;
  if (Array.isArray(events)) events.forEach((e, i) => typeof e === 'object' && e !== null && strip(e as Json, pointerOf(i)));
  return removed;
}

/** Validate a document: throws a 400 ApiError (EPCIS_VALIDATION) listing every violation. Returns its events and context. */
export function validateDocument(body: unknown): { events: Json[]; context: unknown; ignored: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw epcisError({
      status: 400,
      code: 'EPCIS_VALIDATION',
      title: 'Invalid EPCIS document',
      detail: 'the body must be a JSON object',
      violations: [{ pointer: '', reason: 'must be an object' }],
    });
  }
  // Bounded before anything recursive (structuredClone, the schema validator) walks it.
  const deep = tooDeepAt(body, MAX_JSON_DEPTH);
  if (deep !== undefined) throw tooDeep(deep, MAX_JSON_DEPTH);
  const document = structuredClone(body) as Json;
  const ignored = stripComments(document);
  const violations: Violation[] = schemaViolations(document);
  if (document.type !== 'EPCISDocument') violations.unshift({ pointer: '/type', reason: 'capture takes an EPCISDocument' });
  const events = (document.epcisBody as { eventList?: Json[] } | undefined)?.eventList ?? [];
  if (events.length > MAX_CAPTURE_EVENTS)
    violations.push({ pointer: '/epcisBody/eventList', reason: `at most ${MAX_CAPTURE_EVENTS} events per capture` });
  if (violations.length > 0) {
    throw epcisError({
      status: 400,
      code: 'EPCIS_VALIDATION',
      title: 'Invalid EPCIS document',
      detail: `the document violates the GS1 EPCIS 2.0 JSON schema in ${violations.length} place(s)`,
      violations,
    });
  }
  return { events, context: document['@context'], ignored };
}

/** Duplicates of a capture: repeats inside the document, and events already on the ledger (error declarations excepted). */
async function duplicates(
  ledger: EpcisLedger,
  events: readonly Json[],
  hashIds: readonly string[],
): Promise<{ pointer: string; hashId: string }[]> {
  const known = new Set((await ledger.evaluate<{ known: string[] }>('Epcis', 'FindEvents', JSON.stringify(hashIds))).known);
  const seen = new Set<string>();
  const out: { pointer: string; hashId: string }[] = [];
  hashIds.forEach((hashId, i) => {
    if ((events[i] as Json).errorDeclaration !== undefined) return;
    if (known.has(hashId) || seen.has(hashId)) out.push({ pointer: pointerOf(i), hashId });
    seen.add(hashId);
  });
  return out;
}

/**
 * Capture an EPCIS 2.0 document: validate it against the GS1 schema, compute
 * each event's CBV event hash ID (with the chaincode's function, which
 * recomputes and checks it), refuse duplicates (409) unless `proceed`, and
 * apply the whole document in one Fabric transaction.
 */
export async function captureDocument(ledger: EpcisLedger, body: unknown, options: CaptureOptions): Promise<CaptureResponse> {
  const { events, context, ignored } = validateDocument(body);
  const hashIds = events.map((event, i) => eventHashId(event, context, pointerOf(i)));
  try {
    if (options.errorBehaviour === 'rollback') {
      const found = await duplicates(ledger, events, hashIds);
      if (found.length > 0) {
        throw epcisError({
          status: 409,
          code: 'EPCIS_DUPLICATE',
          title: 'Duplicate events',
          detail: `${found.length} event(s) are already captured (same event hash ID); nothing was captured`,
          violations: found.map((d) => ({ pointer: d.pointer, reason: `duplicate event ${d.hashId}` })),
          extra: { duplicates: found },
        });
      }
    }
    const argument = {
      events: events.map((event, i) => ({ hashId: hashIds[i] as string, event })),
      ...(context !== undefined ? { context } : {}),
      onDuplicate: options.errorBehaviour === 'proceed' ? 'skip' : 'reject',
      parties: options.parties,
    };
    const { result, blockNumber } = await ledger.submit<ChaincodeCaptureResult>('Epcis', 'Capture', [JSON.stringify(argument)]);
    return {
      captureId: result.captureTxId,
      blockNumber: Number(blockNumber),
      captured: result.captured.map((c) => ({ pointer: pointerOf(c.index), hashId: c.hashId, type: c.type, operations: c.operations })),
      declarations: result.declarations.map((d) => ({
        pointer: pointerOf(d.index),
        hashId: d.hashId,
        declaredEventKnown: d.declaredEventKnown,
      })),
      skipped: result.skipped.map((s) => ({ pointer: pointerOf(s.index), hashId: s.hashId, reason: s.reason })),
      lotIds: result.lotIds,
      ignored,
    };
  } catch (error) {
    throw fromLedgerError(error);
  }
}
