import { createHash } from 'node:crypto';
import { assertOwnsGs1Prefix, type Caller, recordedBy } from '../access';
import { canonicalJson, EVENTS, fail, fromMicro, schemas, toMicro } from '@lotline/domain';
import { type DomainEvent, type Outcome } from '../events';
import type { Ledger } from '../ledger';
import { LineageReader } from '../lineage';
import { createLot } from '../lot-creation';
import { findLot, type Lot } from '../models/lot';
import { gs1PrefixOwner } from '../models/participant';
import type { InspectionEvent } from '../models/quality-event';
import { findTransfer } from '../models/transfer';
import { acceptTransfer, proposeTransfer } from '../operations/custody';
import { placeHold, recordFinding, recordInspection, startRecall } from '../operations/quality';
import { validate } from '../validation';
import { cbvWord, EventFields, type Json, type QuantityElement } from './event-fields';
import { eventHashId } from './hash';
import { gs1CompanyDigits, identifierKey, lgtinDigitalLink, type LotRef, lotRefOfClass, mspOfParty } from './identifiers';
import {
  type Container,
  type Containment,
  containerKeyOf,
  contentsOf,
  EPCIS_KEYS,
  type ErrorDeclarationRecord,
  eventKey,
  findContainer,
  findEvent,
  type Operation,
  type StoredEvent,
} from './model';

/** Bounds of one capture. */
export const CAPTURE_LIMITS = {
  /** Events per capture. */
  events: 500,
  /** Characters of the capture argument. */
  chars: 2 * 1024 * 1024,
  /** Containment entries read per container. */
  containerContents: 1000,
  /** Operations one capture may perform. */
  operations: 2000,
} as const;

/**
 * One event to capture. `hashId`, when given (the API sends the one it listed
 * duplicates with), must equal the CBV 2.0 hash the chaincode computes.
 */
export interface CaptureItem {
  readonly hashId?: string;
  readonly event: Json;
}

/** The validated argument of `Epcis:Capture`. */
export interface CaptureInput {
  readonly events: readonly CaptureItem[];
  readonly context: unknown;
  /** `reject` (the default, all-or-nothing) or `skip` events already on the ledger. */
  readonly onDuplicate: 'reject' | 'skip';
  /** Party URIs (source/destination values) that name Lotline organisations, from the recorder's configuration. */
  readonly parties: Readonly<Record<string, string>>;
}

/** What happened to each event of a capture. */
export interface CaptureResult {
  readonly captureTxId: string;
  readonly captured: readonly { index: number; hashId: string; type: string; operations: readonly Operation[] }[];
  readonly declarations: readonly { index: number; hashId: string; declaredEventKnown: boolean }[];
  readonly skipped: readonly { index: number; hashId: string; reason: 'duplicate' }[];
  readonly lotIds: readonly string[];
  /** The domain events of the operations, in order: the `events` of the `EpcisCaptured` chaincode event. */
  readonly events: readonly DomainEvent[];
}

interface PlannedLot {
  readonly ref: LotRef;
  readonly amount: number;
  readonly unit: string;
  readonly pointer: string;
}

const CREATING_BIZ_STEPS = new Set(['commissioning', 'creating_class_instance']);
const PARTY_TYPES = new Set(['owning_party', 'possessing_party']);
const VERDICTS: Record<string, InspectionEvent['verdict']> = { conformant: 'pass', non_conformant: 'fail' };

function text(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Split `amount` into `parts` shares (to the millionth); the first share takes the remainder. */
function share(amount: number, parts: number, index: number, what: string): number {
  const micro = toMicro(amount, what);
  const base = micro / BigInt(parts);
  return fromMicro(base + (index === 0 ? micro - base * BigInt(parts) : 0n));
}

/** Flatten an ILMD object's scalar values into lot attributes (`ilmd.<key>`), within the attribute bound. */
function ilmdAttributes(ilmd: Json | undefined, room: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (ilmd === undefined) return out;
  for (const key of Object.keys(ilmd).sort()) {
    if (Object.keys(out).length >= room) break;
    const value = ilmd[key];
    const scalar =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : canonicalJson(value);
    out[text(`ilmd.${key.replace(/[^A-Za-z0-9._-]/g, '.')}`, 64)] = text(scalar, 256);
  }
  return out;
}

/** An extension field of the event whose name is `name` in any namespace (`lotline:includeDescendants`). */
function extensionFlag(event: Json, name: string): boolean {
  return Object.keys(event).some((k) => (k === name || k.endsWith(`:${name}`)) && event[k] === true);
}

function ilmdString(ilmd: Json | undefined, suffix: string): string | undefined {
  if (ilmd === undefined) return undefined;
  const key = Object.keys(ilmd).find((k) => k === suffix || k.endsWith(`:${suffix}`) || k.endsWith(`#${suffix}`));
  const value = key !== undefined ? ilmd[key] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * Applies the events of one EPCIS capture to the ledger, in document order,
 * with the same rules as the Lot and Quality transactions. Any failure throws,
 * and Fabric discards every write of the transaction: all or nothing.
 */
export class EpcisCapture {
  private reader: LineageReader;
  private readonly seen = new Set<string>();
  private readonly lotIds = new Set<string>();
  private operationCount = 0;
  private readonly captured: CaptureResult['captured'][number][] = [];
  private readonly declarations: CaptureResult['declarations'][number][] = [];
  private readonly skipped: CaptureResult['skipped'][number][] = [];
  private readonly events: DomainEvent[] = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly caller: Caller,
    private readonly input: CaptureInput,
  ) {
    this.reader = new LineageReader(ledger);
  }

  /** Capture every event; returns what each one did. */
  async run(): Promise<CaptureResult> {
    for (const [index, item] of this.input.events.entries()) await this.captureOne(index, item);
    return {
      captureTxId: this.ledger.txId,
      captured: this.captured,
      declarations: this.declarations,
      skipped: this.skipped,
      lotIds: [...this.lotIds].sort(),
      events: this.events,
    };
  }

  /** The hash ID of an event, computed here; a supplied one that differs is refused. */
  private hashOf(item: CaptureItem, pointer: string): string {
    const hashId = eventHashId(item.event, this.input.context, pointer);
    if (item.hashId !== undefined && item.hashId !== hashId) {
      throw fail(
        'INVALID_ARGUMENT',
        `${pointer}: hashId ${item.hashId} is not this event's CBV 2.0 event hash (${hashId}); send the computed hash or none`,
      );
    }
    return hashId;
  }

  private async captureOne(index: number, item: CaptureItem): Promise<void> {
    const f = new EventFields(item.event, `/epcisBody/eventList/${index}`);
    const hashId = this.hashOf(item, f.pointer);
    const declaration = f.obj('errorDeclaration');
    const known = this.seen.has(hashId) || (await findEvent(this.ledger, hashId)) !== undefined;
    if (declaration !== undefined) {
      await this.storeDeclaration(index, item.event, hashId, declaration, known);
      return;
    }
    if (known) {
      if (this.input.onDuplicate === 'skip') {
        this.skipped.push({ index, hashId, reason: 'duplicate' });
        return;
      }
      throw fail('CONFLICT', `${f.pointer}: duplicate event ${hashId} is already captured`);
    }
    this.seen.add(hashId);

    const operations: Operation[] = [];
    const type = f.str('type') ?? '';
    const action = f.str('action');
    if (type === 'TransformationEvent') await this.transform(f, hashId, operations);
    if (type === 'ObjectEvent' && action === 'ADD') await this.commission(f, hashId, operations);
    if (type === 'AggregationEvent') await this.aggregate(f, hashId, operations);
    const touched = await this.touchedLots(f, operations);
    if (action !== 'DELETE') await this.applyBusinessStep(f, hashId, touched, operations);

    const lotIds = [...new Set([...touched.map((l) => l.id), ...operations.map((o) => o.lotId)])].sort();
    for (const id of lotIds) this.lotIds.add(id);
    await this.store(f, item.event, hashId, type, lotIds, operations);
    this.captured.push({ index, hashId, type, operations });
  }

  // ---------------------------------------------------------------- lots

  private async findByRef(ref: LotRef): Promise<Lot | undefined> {
    for (const id of [ref.id, ...ref.aliases]) {
      const lot = await findLot(this.ledger, id);
      if (lot !== undefined) return lot;
    }
    return undefined;
  }

  private count(): void {
    if (++this.operationCount > CAPTURE_LIMITS.operations) {
      throw fail('INVALID_ARGUMENT', `a capture may perform at most ${CAPTURE_LIMITS.operations} ledger operations`);
    }
  }

  /** Lots named by a quantity list (each with a quantity) that map onto lot ids. */
  private planned(f: EventFields, field: string, elements: readonly QuantityElement[], exclude: ReadonlySet<string>): PlannedLot[] {
    const out: PlannedLot[] = [];
    elements.forEach((q, i) => {
      const ref = lotRefOfClass(q.epcClass);
      if (ref === undefined || exclude.has(identifierKey(q.epcClass))) return;
      if (q.quantity === undefined) throw fail('INVALID_ARGUMENT', `${f.pointer}/${field}/${i}: a lot needs a quantity`);
      out.push({ ref, amount: q.quantity, unit: q.uom ?? 'EA', pointer: `${f.pointer}/${field}/${i}` });
    });
    return out;
  }

  /** Lots named by instance EPCs (SGTINs) and the ILMD lot number: one lot per GTIN, counted in EA. */
  private plannedFromInstances(f: EventFields, field: string, exclude: ReadonlySet<string>): PlannedLot[] {
    const lotNumber = ilmdString(f.obj('ilmd'), 'lotNumber');
    if (lotNumber === undefined) return [];
    const counts = new Map<string, number>();
    for (const epc of f.strings(field)) {
      const match = /^01\/(\d{14})\/21\//.exec(identifierKey(epc));
      if (match) counts.set(match[1] as string, (counts.get(match[1] as string) ?? 0) + 1);
    }
    const out: PlannedLot[] = [];
    for (const [gtin, n] of [...counts.entries()].sort()) {
      const classId = lgtinDigitalLink({ gtin, lot: lotNumber });
      const ref = lotRefOfClass(classId);
      if (ref !== undefined && !exclude.has(identifierKey(classId)))
        out.push({ ref, amount: n, unit: 'EA', pointer: `${f.pointer}/${field}` });
    }
    return out;
  }

  private lotInput(f: EventFields, planned: PlannedLot, hashId: string, origin: string, inputs: unknown[]): unknown {
    const ilmd = f.obj('ilmd');
    const gtin = planned.ref.gtin;
    const readPoint = f.locationId('readPoint');
    const bizLocation = f.locationId('bizLocation');
    const base: Record<string, string> = {
      'epcis.class': text(planned.ref.source, 256),
      'epcis.hashId': text(hashId, 256),
      'epcis.origin': origin,
    };
    const bizStep = f.str('bizStep');
    if (bizStep !== undefined) base['epcis.bizStep'] = text(cbvWord(bizStep, 'BizStep'), 256);
    const attributes = origin === 'event' ? { ...ilmdAttributes(ilmd, 32 - Object.keys(base).length), ...base } : base;
    return {
      id: planned.ref.id,
      product: {
        code: ilmdString(ilmd, 'productCode') ?? gtin ?? 'EPCIS',
        name: text(ilmdString(ilmd, 'productName') ?? (gtin !== undefined ? `GTIN ${gtin}` : planned.ref.source), 200),
      },
      quantity: { amount: planned.amount, unit: planned.unit },
      inputs,
      process: {
        site: text(ilmdString(ilmd, 'site') ?? bizLocation ?? readPoint ?? 'unspecified', 100),
        line: text(ilmdString(ilmd, 'line') ?? readPoint ?? 'unspecified', 100),
      },
      attributes,
    };
  }

  private async newLot(raw: unknown, pointer: string): Promise<Lot> {
    this.count();
    const input = validate(schemas.lot, raw, pointer);
    const lot = await createLot(this.ledger, this.reader, this.caller, input);
    this.events.push({
      name: EVENTS.LotCreated,
      fields: { lotId: lot.id, producer: lot.producer, inputs: lot.inputs.map((i) => i.lotId) },
    });
    return lot;
  }

  /** An existing lot restated by a later document: allowed for its producer or custodian. */
  private assertRestatable(lot: Lot, pointer: string): void {
    if (lot.producer !== this.caller.msp && lot.custodian !== this.caller.msp) {
      throw fail('LOT_EXISTS', `${pointer}: lot ${lot.id} already exists, produced by ${lot.producer} and held by ${lot.custodian}`);
    }
  }

  /** ObjectEvent ADD with ILMD (or a commissioning step): a new lot per class, no inputs. */
  private async commission(f: EventFields, hashId: string, operations: Operation[]): Promise<void> {
    const bizStep = cbvWord(f.str('bizStep') ?? '', 'BizStep');
    if (f.obj('ilmd') === undefined && !CREATING_BIZ_STEPS.has(bizStep)) return;
    const none = new Set<string>();
    const lots = [...this.planned(f, 'quantityList', f.quantities('quantityList'), none), ...this.plannedFromInstances(f, 'epcList', none)];
    for (const planned of lots) {
      const existing = await this.findByRef(planned.ref);
      if (existing !== undefined) {
        this.assertRestatable(existing, planned.pointer);
        operations.push({ kind: 'lot_restated', lotId: existing.id });
        continue;
      }
      const lot = await this.newLot(this.lotInput(f, planned, hashId, 'event', []), planned.pointer);
      operations.push({ kind: 'lot_created', lotId: lot.id });
    }
  }

  /**
   * TransformationEvent: each output class becomes a lot made from every input
   * class (each input's quantity split evenly over the outputs). An input that
   * no lot on the ledger matches is recorded as a lot of the recorder with
   * exactly the stated quantity (origin `input-reference`), so lineage reaches
   * it. An output that already exists is accepted only as a restatement of
   * lineage already recorded.
   */
  private async transform(f: EventFields, hashId: string, operations: Operation[]): Promise<void> {
    const inputElements = f.quantities('inputQuantityList');
    const inputKeys = new Set(inputElements.map((q) => identifierKey(q.epcClass)));
    const outputs = [
      ...this.planned(f, 'outputQuantityList', f.quantities('outputQuantityList'), inputKeys),
      ...this.plannedFromInstances(f, 'outputEPCList', inputKeys),
    ];
    if (outputs.length === 0) return;
    const inputs = this.planned(f, 'inputQuantityList', inputElements, new Set());

    const newOutputs: PlannedLot[] = [];
    for (const out of outputs) {
      const existing = await this.findByRef(out.ref);
      if (existing === undefined) {
        newOutputs.push(out);
        continue;
      }
      this.assertRestatable(existing, out.pointer);
      for (const input of inputs) {
        const parent = await this.findByRef(input.ref);
        if (parent === undefined || !existing.inputs.some((i) => i.lotId === parent.id)) {
          throw fail('LOT_EXISTS', `${out.pointer}: lot ${existing.id} already exists and was not made from ${input.ref.source}`);
        }
      }
      operations.push({ kind: 'lot_restated', lotId: existing.id });
    }
    if (newOutputs.length === 0) return;

    const parentIds: string[] = [];
    for (const input of inputs) {
      const parent = await this.findByRef(input.ref);
      if (parent !== undefined) {
        parentIds.push(parent.id);
        continue;
      }
      const stub = await this.newLot(this.lotInput(f, input, hashId, 'input-reference', []), input.pointer);
      operations.push({ kind: 'input_lot_recorded', lotId: stub.id });
      parentIds.push(stub.id);
    }
    for (const [k, out] of newOutputs.entries()) {
      const lotInputs = inputs.map((input, i) => ({
        lotId: parentIds[i] as string,
        quantity: { amount: share(input.amount, newOutputs.length, k, `${input.pointer} quantity`), unit: input.unit },
      }));
      const lot = await this.newLot(this.lotInput(f, out, hashId, 'event', lotInputs), out.pointer);
      operations.push({ kind: 'lot_created', lotId: lot.id });
    }
    this.reader = new LineageReader(this.ledger);
  }

  /**
   * AggregationEvent ADD / DELETE: containment of lots in the parent (SSCC,
   * GRAI...), which traces and custody follow. A container has an owner: the
   * organisation that first packed into it (which must own its GS1 company
   * prefix when it is an SSCC or SGTIN). Only the owner packs into it, or an
   * organisation that holds every lot it contains (which then becomes its
   * owner); only the owner unpacks it, or the custodian of a contained lot,
   * for that lot. Everything else is FORBIDDEN.
   */
  private async aggregate(f: EventFields, hashId: string, operations: Operation[]): Promise<void> {
    const parent = f.str('parentID');
    const action = f.str('action');
    if (parent === undefined || (action !== 'ADD' && action !== 'DELETE')) return;
    const containerKey = identifierKey(parent);
    const container = await findContainer(this.ledger, containerKey);
    const children: { lot: Lot; quantity: Containment['quantity'] }[] = [];
    for (const q of f.quantities('childQuantityList')) {
      const ref = lotRefOfClass(q.epcClass);
      const lot = ref !== undefined ? await this.findByRef(ref) : undefined;
      if (lot !== undefined)
        children.push({ lot, quantity: q.quantity !== undefined ? { amount: q.quantity, unit: q.uom ?? 'EA' } : null });
    }
    const contents = await contentsOf(this.ledger, containerKey, CAPTURE_LIMITS.containerContents);
    if (action === 'ADD') {
      await this.claimContainer(f, parent, containerKey, container, contents);
      for (const { lot, quantity } of children) {
        if (lot.custodian !== this.caller.msp) {
          throw fail('FORBIDDEN', `${f.pointer}: ${this.caller.msp} may not pack lot ${lot.id} held by ${lot.custodian}`);
        }
        this.count();
        const edge: Containment = { container: parent, containerKey, lotId: lot.id, quantity, hashId, recordedAt: this.ledger.now };
        await this.ledger.put(this.ledger.key(EPCIS_KEYS.contains, [containerKey, lot.id]), edge);
        await this.ledger.put(this.ledger.key(EPCIS_KEYS.containedIn, [lot.id, containerKey]), edge);
        operations.push({ kind: 'contained', lotId: lot.id, ref: parent });
      }
      return;
    }
    const listed = f.quantities('childQuantityList').length > 0 || f.strings('childEPCs').length > 0;
    const removed = listed ? children.map((c) => c.lot.id) : contents.map((c) => c.lotId);
    for (const lotId of removed) {
      await this.assertMayUnpack(f, parent, container, lotId);
      this.count();
      await this.ledger.delete(this.ledger.key(EPCIS_KEYS.contains, [containerKey, lotId]));
      await this.ledger.delete(this.ledger.key(EPCIS_KEYS.containedIn, [lotId, containerKey]));
      operations.push({ kind: 'uncontained', lotId, ref: parent });
    }
  }

  /** Check that the caller may pack into a container, and record it as the owner when it is new or changes hands. */
  private async claimContainer(
    f: EventFields,
    parent: string,
    containerKey: string,
    container: Container | undefined,
    contents: readonly Containment[],
  ): Promise<void> {
    if (container?.owner === this.caller.msp) return;
    if (container === undefined) {
      const digits = gs1CompanyDigits(containerKey);
      if (digits !== undefined)
        assertOwnsGs1Prefix(this.caller, `${f.pointer}/parentID ${parent}`, await gs1PrefixOwner(this.ledger, digits));
    } else {
      const held = contents.length > 0 && (await this.allHeldByCaller(contents));
      if (!held) {
        throw fail(
          'FORBIDDEN',
          `${f.pointer}: container ${parent} belongs to ${container.owner}; only ${container.owner} (or an organisation holding everything in it) may pack into it`,
        );
      }
    }
    const record: Container = {
      docType: 'epcisContainer',
      container: parent,
      containerKey,
      owner: this.caller.msp,
      since: this.ledger.now,
      sinceTxId: this.ledger.txId,
    };
    await this.ledger.put(containerKeyOf(this.ledger, containerKey), record);
  }

  private async allHeldByCaller(contents: readonly Containment[]): Promise<boolean> {
    for (const c of contents) if ((await findLot(this.ledger, c.lotId))?.custodian !== this.caller.msp) return false;
    return true;
  }

  /** The owner of a container may unpack any lot; anyone else only lots in its own custody. */
  private async assertMayUnpack(f: EventFields, parent: string, container: Container | undefined, lotId: string): Promise<void> {
    if (container?.owner === this.caller.msp) return;
    const custodian = (await findLot(this.ledger, lotId))?.custodian;
    if (custodian === this.caller.msp) return;
    throw fail(
      'FORBIDDEN',
      `${f.pointer}: container ${parent} belongs to ${container?.owner ?? 'no organisation'}; ${this.caller.msp} may unpack only lots in its own custody, and lot ${lotId} is held by ${custodian ?? 'no one'}`,
    );
  }

  /** The existing lots an event is about: its classes, and the contents of containers it names. */
  private async touchedLots(f: EventFields, operations: readonly Operation[]): Promise<Lot[]> {
    const ids = new Set<string>();
    const lots: Lot[] = [];
    const add = (lot: Lot | undefined): void => {
      if (lot !== undefined && !ids.has(lot.id)) {
        ids.add(lot.id);
        lots.push(lot);
      }
    };
    for (const field of ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList']) {
      for (const q of f.quantities(field)) {
        const ref = lotRefOfClass(q.epcClass);
        if (ref !== undefined) add(await this.findByRef(ref));
      }
    }
    for (const op of operations) if (op.kind === 'lot_created') add(await findLot(this.ledger, op.lotId));
    const containers = [...f.strings('epcList'), ...f.strings('childEPCs')];
    const parent = f.str('parentID');
    if (parent !== undefined) containers.push(parent);
    for (const epc of containers) {
      for (const c of await contentsOf(this.ledger, identifierKey(epc), CAPTURE_LIMITS.containerContents))
        add(await findLot(this.ledger, c.lotId));
    }
    return lots;
  }

  // ---------------------------------------------------------------- quality and custody

  /**
   * bizStep / disposition → inspection, nonconformance, hold, recall, custody
   * transfer: each through the same operation as the Quality and Lot
   * contracts, with the same rules and the same domain event.
   */
  private async applyBusinessStep(f: EventFields, hashId: string, touched: readonly Lot[], operations: Operation[]): Promise<void> {
    if (touched.length === 0) return;
    const bizStep = cbvWord(f.str('bizStep') ?? '', 'BizStep');
    const disposition = cbvWord(f.str('disposition') ?? '', 'Disp');
    for (const lot of touched) {
      if (bizStep === 'inspecting' && disposition !== '') await this.inspect(f, hashId, lot, disposition, operations);
      else if (disposition === 'non_conformant') await this.nonconformance(f, hashId, lot, operations);
      if (bizStep === 'holding') await this.hold(f, hashId, lot, operations);
      if (disposition === 'recalled') await this.recall(hashId, lot, operations);
      if (bizStep === 'shipping') await this.ship(f, lot, operations);
      if (bizStep === 'receiving') await this.receive(lot, operations);
    }
  }

  /** Quality event ids: the transaction id, then a suffix per operation (one capture may record several). */
  private qualityEventId(): string {
    return `${this.ledger.txId}${String(this.operationCount).padStart(4, '0')}`;
  }

  /** Record an operation's outcome; lot documents may have changed, so the lineage cache starts afresh. */
  private record<T>(outcome: Outcome<T>, operation: Operation, operations: Operation[]): T {
    this.events.push(outcome.event);
    operations.push(operation);
    this.reader = new LineageReader(this.ledger);
    return outcome.result;
  }

  private async inspect(f: EventFields, hashId: string, lot: Lot, disposition: string, operations: Operation[]): Promise<void> {
    this.count();
    const eventId = this.qualityEventId();
    const certificate = f.event.certificationInfo;
    const input = {
      verdict: VERDICTS[disposition] ?? ('conditional' as const),
      measurements: [],
      certificate: {
        sha256: sha256(canonicalJson(f.event)),
        uri: text(typeof certificate === 'string' ? certificate : hashId, 2048),
      },
      notes: text(`EPCIS event ${hashId}, disposition ${disposition}`, 2000),
    };
    this.record(
      await recordInspection(this.ledger, this.caller, lot.id, input, eventId),
      { kind: 'inspection', lotId: lot.id, ref: eventId },
      operations,
    );
  }

  private async nonconformance(f: EventFields, hashId: string, lot: Lot, operations: Operation[]): Promise<void> {
    this.count();
    const eventId = this.qualityEventId();
    const input = {
      type: 'nonconformance' as const,
      description: text(`EPCIS event ${hashId}: disposition non_conformant (bizStep ${f.str('bizStep') ?? 'none'})`, 2000),
      reference: text(hashId, 200),
    };
    this.record(
      await recordFinding(this.ledger, this.caller, lot.id, input, eventId),
      { kind: 'nonconformance', lotId: lot.id, ref: eventId },
      operations,
    );
  }

  /** bizStep holding: a hold, on the lot's descendants too when the event sets the extension `includeDescendants: true`. */
  private async hold(f: EventFields, hashId: string, lot: Lot, operations: Operation[]): Promise<void> {
    this.count();
    const holdId = this.qualityEventId();
    const input = {
      reason: text(`EPCIS event ${hashId}: bizStep holding`, 500),
      includeDescendants: extensionFlag(f.event, 'includeDescendants'),
    };
    this.record(await placeHold(this.ledger, this.caller, lot.id, input, holdId), { kind: 'hold', lotId: lot.id, ref: holdId }, operations);
  }

  /** disposition recalled: a recall, refused with CONFLICT when the lot is already recalled (as StartRecall). */
  private async recall(hashId: string, lot: Lot, operations: Operation[]): Promise<void> {
    this.count();
    const eventId = this.qualityEventId();
    const recallId = `epcis-${eventId.slice(0, 40)}${eventId.slice(-4)}`;
    const input = { reason: text(`EPCIS event ${hashId}: disposition recalled`, 500), recallId };
    this.record(
      await startRecall(this.ledger, this.caller, lot.id, input, eventId),
      { kind: 'recall', lotId: lot.id, ref: recallId },
      operations,
    );
  }

  /** Shipping to a party that names a Lotline organisation proposes a custody transfer to it. */
  private async ship(f: EventFields, lot: Lot, operations: Operation[]): Promise<void> {
    const targets = f
      .parties('destinationList')
      .filter((p) => PARTY_TYPES.has(p.type))
      .map((p) => mspOfParty(p.value, this.input.parties))
      .filter((msp): msp is string => msp !== undefined && msp !== lot.custodian);
    const to = [...new Set(targets)];
    if (to.length === 0) return;
    if (to.length > 1) throw fail('INVALID_ARGUMENT', `${f.pointer}/destinationList: names more than one receiving organisation`);
    const toMsp = validate(schemas.mspId, to[0], `${f.pointer}/destinationList`);
    this.count();
    this.record(
      await proposeTransfer(this.ledger, this.caller, lot.id, toMsp),
      { kind: 'transfer_proposed', lotId: lot.id, ref: toMsp },
      operations,
    );
  }

  /** Receiving a lot with a transfer pending to the recorder accepts it (the receiver signs the capture). */
  private async receive(lot: Lot, operations: Operation[]): Promise<void> {
    const transfer = await findTransfer(this.ledger, lot.id);
    if (transfer === undefined || transfer.to !== this.caller.msp) return;
    this.count();
    this.record(
      await acceptTransfer(this.ledger, this.caller, lot.id),
      { kind: 'transfer_accepted', lotId: lot.id, ref: transfer.from },
      operations,
    );
  }

  // ---------------------------------------------------------------- storage

  private stamp(): { recordedBy: ReturnType<typeof recordedBy>; recordedAt: string } {
    return { recordedBy: recordedBy(this.caller), recordedAt: this.ledger.now };
  }

  private async storeDeclaration(index: number, event: Json, hashId: string, declaration: Json, known: boolean): Promise<void> {
    const corrective = declaration.correctiveEventIDs;
    const record: ErrorDeclarationRecord = {
      docType: 'epcisErrorDeclaration',
      hashId,
      eventID: typeof event.eventID === 'string' ? event.eventID : null,
      declarationTime: typeof declaration.declarationTime === 'string' ? declaration.declarationTime : null,
      reason: typeof declaration.reason === 'string' ? cbvWord(declaration.reason, 'ER') : null,
      correctiveEventIDs: Array.isArray(corrective) ? corrective.filter((c): c is string => typeof c === 'string') : [],
      event,
      context: this.input.context,
      declaredEventKnown: known,
      ...this.stamp(),
      captureTxId: this.ledger.txId,
    };
    this.count();
    await this.ledger.put(this.ledger.key(EPCIS_KEYS.declaration, [hashId, this.ledger.txId, String(index).padStart(4, '0')]), record);
    this.declarations.push({ index, hashId, declaredEventKnown: known });
  }

  private async store(
    f: EventFields,
    event: Json,
    hashId: string,
    type: string,
    lotIds: readonly string[],
    operations: readonly Operation[],
  ): Promise<void> {
    const eventTime = f.str('eventTime');
    const eventTimeMs = eventTime !== undefined ? Date.parse(eventTime) : NaN;
    if (Number.isNaN(eventTimeMs)) throw fail('INVALID_ARGUMENT', `${f.pointer}/eventTime: must be a date-time`);
    const bizStep = f.str('bizStep');
    const disposition = f.str('disposition');
    const record: StoredEvent = {
      docType: 'epcisEvent',
      hashId,
      eventID: f.str('eventID') ?? null,
      type,
      event,
      context: this.input.context,
      eventTimeMs,
      bizStep: bizStep !== undefined ? cbvWord(bizStep, 'BizStep') : null,
      disposition: disposition !== undefined ? cbvWord(disposition, 'Disp') : null,
      lotIds,
      operations,
      ...this.stamp(),
      captureTxId: this.ledger.txId,
    };
    await this.ledger.put(eventKey(this.ledger, hashId), record);
    await this.index(f, hashId, type, lotIds, operations);
  }

  /** Index an event by class (any / input / output), by EPC and by lot, for queries. */
  private async index(
    f: EventFields,
    hashId: string,
    type: string,
    lotIds: readonly string[],
    operations: readonly Operation[],
  ): Promise<void> {
    const marker = { hashId };
    const classKeys = new Map<string, Set<string>>([
      ['any', new Set()],
      ['input', new Set()],
      ['output', new Set()],
    ]);
    const addClass = (role: string, epcClass: string): void => void classKeys.get(role)?.add(identifierKey(epcClass));
    for (const field of ['quantityList', 'childQuantityList']) for (const q of f.quantities(field)) addClass('any', q.epcClass);
    for (const q of f.quantities('inputQuantityList')) ['any', 'input'].forEach((r) => addClass(r, q.epcClass));
    for (const q of f.quantities('outputQuantityList')) ['any', 'output'].forEach((r) => addClass(r, q.epcClass));
    for (const op of operations) {
      if (op.kind !== 'lot_created') continue;
      addClass('any', op.lotId);
      if (type === 'TransformationEvent') addClass('output', op.lotId);
    }
    for (const [role, keys] of classKeys) {
      for (const key of [...keys].sort()) await this.ledger.put(this.ledger.key(EPCIS_KEYS.classIndex, [role, key, hashId]), marker);
    }
    const epcs = new Set<string>();
    for (const field of ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'])
      for (const epc of f.strings(field)) epcs.add(identifierKey(epc));
    const parent = f.str('parentID');
    if (parent !== undefined) epcs.add(identifierKey(parent));
    for (const key of [...epcs].sort()) await this.ledger.put(this.ledger.key(EPCIS_KEYS.epcIndex, [key, hashId]), marker);
    for (const lotId of lotIds) await this.ledger.put(this.ledger.key(EPCIS_KEYS.lotIndex, [lotId, hashId]), marker);
  }
}
