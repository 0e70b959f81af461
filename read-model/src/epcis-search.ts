/**
 * The search document of a captured EPCIS event (`epcis_events.search`,
 * `epcis_declarations.search`): what the EPCIS query language compares, in
 * canonical form, computed once when the block is indexed and indexed with
 * GIN. The event itself is kept exactly as captured beside it.
 *
 * - Identifiers by GS1 key (`identifierKey`: URN and Digital Link spellings
 *   match): `epc` (epcList, childEPCs), `parent`, `input`, `output` (EPC
 *   lists), `class`, `inputClass`, `outputClass` (quantity lists).
 * - Locations by location key (`locationKey`): `readPoint`, `bizLocation`.
 * - `bizTransaction`, `source`, `destination`: `{<CBV type word>: [values]}`.
 * - Extension fields: `ext` (top-level), `ilmd`, and `innerExt` / `innerIlmd`
 *   (fields nested inside those), each `{<name>: [scalar values]}`. A
 *   namespaced name appears as written (`example:grading`) and expanded
 *   through the event's `@context` (`https://ns.example.com/epcis/grading`).
 */
import { cbvWord, identifierKey, locationKey } from '@lotline/domain';

type Json = Record<string, unknown>;

/** The search document of one event. */
export interface SearchDocument {
  readonly [field: string]: string[] | Record<string, unknown[]>;
}

const EPC_FIELDS: Record<string, readonly string[]> = {
  epc: ['epcList', 'childEPCs'],
  input: ['inputEPCList'],
  output: ['outputEPCList'],
};
const CLASS_FIELDS: Record<string, readonly string[]> = {
  class: ['quantityList', 'childQuantityList'],
  inputClass: ['inputQuantityList'],
  outputClass: ['outputQuantityList'],
};

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)) : [];
}

const unique = (values: string[]): string[] => [...new Set(values)].sort();

/** Prefix → namespace IRI, from a JSON-LD `@context` (strings are remote contexts and give none). */
function prefixes(contexts: readonly unknown[]): Map<string, string> {
  const map = new Map<string, string>();
  const visit = (context: unknown): void => {
    if (Array.isArray(context)) context.forEach(visit);
    else if (typeof context === 'object' && context !== null) {
      for (const [prefix, iri] of Object.entries(context as Json)) if (typeof iri === 'string') map.set(prefix, iri);
    }
  };
  contexts.forEach(visit);
  return map;
}

/** The names a field is found under: as written, and expanded when its prefix is declared. */
function namesOf(name: string, ns: ReadonlyMap<string, string>): string[] {
  const colon = name.indexOf(':');
  if (colon <= 0) return [name];
  const iri = ns.get(name.slice(0, colon));
  return iri === undefined ? [name] : [name, iri + name.slice(colon + 1)];
}

function scalars(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(scalars);
  return typeof value === 'object' && value !== null ? [] : [value];
}

/** Record `fields` (name → values) into `into`, and everything nested in object values into `inner`. */
function collect(
  fields: Json,
  ns: ReadonlyMap<string, string>,
  into: Record<string, unknown[]>,
  inner: Record<string, unknown[]> | undefined,
): void {
  for (const [name, value] of Object.entries(fields)) {
    for (const n of namesOf(name, ns)) (into[n] ??= []).push(...scalars(value));
    if (inner === undefined) continue;
    const nested = (Array.isArray(value) ? value : [value]).filter(
      (v): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v),
    );
    for (const object of nested) collect(object, ns, inner, inner);
  }
}

function typed(list: unknown, valueField: string, vocabulary: 'BTT' | 'SDT'): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const entry of objects(list)) {
    const value = entry[valueField];
    if (typeof value !== 'string') continue;
    const type = typeof entry.type === 'string' ? cbvWord(entry.type, vocabulary) : '';
    (out[type] ??= []).push(value);
  }
  return out;
}

/** Whether a top-level key of an event is an extension field (namespaced), not a standard one. */
const isExtension = (key: string): boolean => key.includes(':');

/** The search document of an event captured with `context` (the capture document's `@context`). */
export function searchDocument(event: Json, context: unknown): SearchDocument {
  const ns = prefixes([context, event['@context']]);
  const doc: Record<string, string[] | Record<string, unknown[]>> = {};
  for (const [field, sources] of Object.entries(EPC_FIELDS)) {
    doc[field] = unique(sources.flatMap((s) => strings(event[s])).map(identifierKey));
  }
  doc.parent = typeof event.parentID === 'string' ? [identifierKey(event.parentID)] : [];
  for (const [field, sources] of Object.entries(CLASS_FIELDS)) {
    doc[field] = unique(
      sources
        .flatMap((s) => objects(event[s]))
        .map((q) => q.epcClass)
        .filter((c): c is string => typeof c === 'string')
        .map(identifierKey),
    );
  }
  for (const field of ['readPoint', 'bizLocation'] as const) {
    const id = (event[field] as Json | undefined)?.id;
    doc[field] = typeof id === 'string' ? [locationKey(id)] : [];
  }
  doc.bizTransaction = typed(event.bizTransactionList, 'bizTransaction', 'BTT');
  doc.source = typed(event.sourceList, 'source', 'SDT');
  doc.destination = typed(event.destinationList, 'destination', 'SDT');
  const ext: Record<string, unknown[]> = {};
  const innerExt: Record<string, unknown[]> = {};
  collect(Object.fromEntries(Object.entries(event).filter(([k]) => isExtension(k))), ns, ext, innerExt);
  const ilmd: Record<string, unknown[]> = {};
  const innerIlmd: Record<string, unknown[]> = {};
  const ilmdObject = event.ilmd;
  if (typeof ilmdObject === 'object' && ilmdObject !== null && !Array.isArray(ilmdObject)) collect(ilmdObject as Json, ns, ilmd, innerIlmd);
  Object.assign(doc, { ext, innerExt, ilmd, innerIlmd });
  return doc;
}
