import type { CapturedFor } from '@lotline/read-model';
import type { ReadModelService } from '../read-model';
import { epcisError, fromLedgerError } from './errors';
import type { EpcisLedger } from './ledger';
import { mergedContext } from './query';

/** The namespace of Lotline's ILMD fields (product code and name, site, line). */
export const LOTLINE_NAMESPACE = 'https://lotline.example/ns/epcis#';

interface ExportedLot {
  id: string;
  product: { code: string; name: string };
  quantity: { amount: number; unit: string };
  inputs: { lotId: string; quantity: { amount: number; unit: string } }[];
  process: { site: string; line: string };
  createdAt: string;
  depth: number;
}

interface ExportMaterial {
  root: string;
  direction: 'backward' | 'forward';
  lots: ExportedLot[];
  containment: {
    container: string;
    lotId: string;
    quantity: { amount: number; unit: string } | null;
    recordedAt: string;
    hashId?: string;
  }[];
  truncated: boolean;
}

/** Options of a trace export. */
export interface ExportOptions {
  readonly direction: 'backward' | 'forward';
  readonly maxDepth: number;
  readonly maxNodes: number;
  /**
   * `captured` (default): each lot's creating event and each containment's
   * event as captured, when a capture made it (synthetic events for the
   * others); `lineage`: one synthetic event per lot and containment, which
   * re-imports into the same lineage under rewritten identifiers.
   */
  readonly events?: 'captured' | 'lineage';
}

const LGTIN = /^urn:epc:class:lgtin:/;

/** The EPCIS class of a Lotline lot id: LGTIN URNs as they are, organisation-qualified ids as `urn:lotline:lot:<id>`. */
export function classOfLot(lotId: string): string {
  return LGTIN.test(lotId) ? lotId : `urn:lotline:lot:${lotId}`;
}

function quantityElement(lotId: string, quantity: { amount: number; unit: string }): Record<string, unknown> {
  return { epcClass: classOfLot(lotId), quantity: quantity.amount, uom: quantity.unit };
}

/** Parents before children (Kahn's algorithm, ties by creation time then id), so a re-import finds every input. */
function inCreationOrder(lots: readonly ExportedLot[]): ExportedLot[] {
  const byId = new Map(lots.map((l) => [l.id, l]));
  const order = [...lots].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  const done = new Set<string>();
  const out: ExportedLot[] = [];
  while (out.length < order.length) {
    const next = order.find((l) => !done.has(l.id) && l.inputs.every((i) => !byId.has(i.lotId) || done.has(i.lotId)));
    const lot = next ?? (order.find((l) => !done.has(l.id)) as ExportedLot);
    done.add(lot.id);
    out.push(lot);
  }
  return out;
}

const NO_CAPTURES: CapturedFor = { byLot: {}, events: {} };

/**
 * One EPCIS event per lot: an ObjectEvent ADD (with ILMD) for a lot without
 * inputs, a TransformationEvent from its inputs for the others; then an
 * AggregationEvent ADD per containment. Importing the document again
 * recreates the same lots, lineage edges and quantities. With `captured`,
 * a lot or containment that a captured event made is exported as that event,
 * exactly as captured (once, however many lots it made).
 */
export function traceDocument(
  material: ExportMaterial,
  now: Date = new Date(),
  captured: CapturedFor = NO_CAPTURES,
): Record<string, unknown> {
  const events: Record<string, unknown>[] = [];
  const contexts: unknown[] = [];
  const exported = new Set<string>();
  /** Push the captured event `hashId` (once); false when there is none. */
  const asCaptured = (hashId: string | undefined): boolean => {
    const found = hashId === undefined ? undefined : captured.events[hashId];
    if (hashId === undefined || found === undefined) return false;
    if (!exported.has(hashId)) {
      exported.add(hashId);
      events.push(found.event);
      contexts.push(found.context);
    }
    return true;
  };
  for (const lot of inCreationOrder(material.lots)) {
    if (asCaptured(captured.byLot[lot.id])) continue;
    const common = {
      eventTime: lot.createdAt,
      eventTimeZoneOffset: '+00:00',
      bizStep: 'creating_class_instance',
      disposition: 'active',
      ilmd: {
        'lotline:productCode': lot.product.code,
        'lotline:productName': lot.product.name,
        'lotline:site': lot.process.site,
        'lotline:line': lot.process.line,
      },
    };
    events.push(
      lot.inputs.length === 0
        ? { type: 'ObjectEvent', ...common, action: 'ADD', quantityList: [quantityElement(lot.id, lot.quantity)] }
        : {
            type: 'TransformationEvent',
            ...common,
            inputQuantityList: lot.inputs.map((i) => quantityElement(i.lotId, i.quantity)),
            outputQuantityList: [quantityElement(lot.id, lot.quantity)],
          },
    );
  }
  const packed = [...material.containment].sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
  for (const c of packed) {
    if (asCaptured(c.hashId)) continue;
    events.push({
      type: 'AggregationEvent',
      eventTime: c.recordedAt,
      eventTimeZoneOffset: '+00:00',
      action: 'ADD',
      bizStep: 'packing',
      parentID: c.container,
      childQuantityList: [
        { epcClass: classOfLot(c.lotId), ...(c.quantity !== null ? { quantity: c.quantity.amount, uom: c.quantity.unit } : {}) },
      ],
    });
  }
  return {
    '@context': mergedContext([{ lotline: LOTLINE_NAMESPACE }, ...contexts]),
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: { eventList: events },
  };
}

/** Export a lot's backward or forward trace as an EPCIS 2.0 document; `truncated` says whether a bound cut it. */
export async function exportTrace(
  ledger: EpcisLedger,
  lotId: string,
  options: ExportOptions,
  reads?: ReadModelService,
): Promise<{ document: Record<string, unknown>; truncated: boolean }> {
  if (!['backward', 'forward'].includes(options.direction)) {
    throw epcisError({
      status: 400,
      code: 'INVALID_ARGUMENT',
      title: 'Invalid direction',
      detail: 'direction must be backward or forward',
    });
  }
  let material: ExportMaterial;
  try {
    material = await ledger.evaluate<ExportMaterial>(
      'Epcis',
      'ExportTrace',
      lotId,
      options.direction,
      String(options.maxDepth),
      String(options.maxNodes),
    );
  } catch (error) {
    throw fromLedgerError(error);
  }
  const hashIds = material.containment.flatMap((c) => (c.hashId !== undefined ? [c.hashId] : []));
  const captured =
    options.events === 'lineage' || reads === undefined
      ? NO_CAPTURES
      : await reads.read(
          undefined,
          (model) =>
            model.epcisCapturedFor(
              material.lots.map((l) => l.id),
              hashIds,
            ),
          { latest: true },
        );
  return { document: traceDocument(material, new Date(), captured), truncated: material.truncated };
}
