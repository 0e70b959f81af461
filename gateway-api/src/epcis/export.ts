import { epcisError, fromLedgerError } from './errors';
import type { EpcisLedger } from './ledger';
import { EPCIS_CONTEXT } from './query';

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
  containment: { container: string; lotId: string; quantity: { amount: number; unit: string } | null; recordedAt: string }[];
  truncated: boolean;
}

/** Options of a trace export. */
export interface ExportOptions {
  readonly direction: 'backward' | 'forward';
  readonly maxDepth: number;
  readonly maxNodes: number;
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

/**
 * One EPCIS event per lot: an ObjectEvent ADD (with ILMD) for a lot without
 * inputs, a TransformationEvent from its inputs for the others; then an
 * AggregationEvent ADD per containment. Importing the document again
 * recreates the same lots, lineage edges and quantities.
 */
export function traceDocument(material: ExportMaterial, now: Date = new Date()): Record<string, unknown> {
  const events: Record<string, unknown>[] = [];
  for (const lot of inCreationOrder(material.lots)) {
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
    '@context': [EPCIS_CONTEXT, { lotline: LOTLINE_NAMESPACE }],
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
  return { document: traceDocument(material), truncated: material.truncated };
}
