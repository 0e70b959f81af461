/**
 * The demo supply chain, as data. A regional seat-frame chain:
 *
 *   PartsCo   COIL-2026-0001 (steel coil)
 *               ├─ STAMP-2026-0001 (stamped bracket) ─ PLATE-2026-0001 (zinc-plated, DEFECTIVE)
 *               │                                         └─ split PLATE-2026-0001-S1 ──► AssemblyCo
 *               └─ STAMP-2026-0002 (stamped bracket) ─ PLATE-2026-0002 (zinc-plated, same bath: on hold)
 *                                                         └─ split PLATE-2026-0002-S1 ──► AssemblyCo
 *   AssemblyCo SEAT-2026-0001 (seat frames, from PLATE-2026-0001-S1) ─ splits SHIP-2026-0001, SHIP-2026-0002
 *              SEAT-2026-0002 (seat frames, from PLATE-2026-0002-S1) ─ split  SHIP-2026-0003
 *
 * City's public testing institute finds the zinc coating of PLATE-2026-0001
 * out of specification (6.1 µm against 8–12 µm); PartsCo recalls that lot,
 * and holds PLATE-2026-0002 (plated in the same bath) with its descendants
 * until it is re-tested.
 */
import { createHash } from 'node:crypto';
import type { Measurement, NewLot, ParticipantInput } from '../api-types';

export const PARTS = 'PartsCoMSP';
export const ASSEMBLY = 'AssemblyCoMSP';

/** The lot whose plating failed: the one to trace. */
export const DEFECTIVE_LOT = `${PARTS}:PLATE-2026-0001`;
/** The lot held as a precaution (same plating bath). */
export const HELD_LOT = `${PARTS}:PLATE-2026-0002`;
/** The recall of the defective lot. */
export const RECALL_ID = 'RCL-2026-0001';
/** The raw-material coil at the root of both branches. */
export const COIL_LOT = `${PARTS}:COIL-2026-0001`;

/** Which organisation and user performs a step. */
export interface Actor {
  org: 'City' | 'PartsCo' | 'AssemblyCo' | 'Bank';
  user: 'admin1' | 'qm1' | 'inspector1' | 'auditor1';
}

export interface LotStep {
  kind: 'lot';
  actor: Actor;
  lot: NewLot;
}

export interface SplitStep {
  kind: 'split';
  actor: Actor;
  parentId: string;
  child: Omit<NewLot, 'inputs'>;
}

export interface TransferStep {
  kind: 'transfer';
  from: Actor;
  to: Actor;
  lotId: string;
  toMsp: string;
}

export interface InspectionStep {
  kind: 'inspection';
  actor: Actor;
  lotId: string;
  verdict: 'pass' | 'fail';
  measurements: Measurement[];
  certificate: { sha256: string; uri: string };
  notes: string;
}

export interface HoldStep {
  kind: 'hold';
  actor: Actor;
  lotId: string;
  reason: string;
  includeDescendants: boolean;
}

export interface RecallStep {
  kind: 'recall';
  actor: Actor;
  lotId: string;
  recallId: string;
  reason: string;
}

export interface ParticipantStep {
  kind: 'participant';
  actor: Actor;
  participant: ParticipantInput;
}

export type Step = LotStep | SplitStep | TransferStep | InspectionStep | HoldStep | RecallStep | ParticipantStep;

const partsQm: Actor = { org: 'PartsCo', user: 'qm1' };
const partsInspector: Actor = { org: 'PartsCo', user: 'inspector1' };
const assemblyQm: Actor = { org: 'AssemblyCo', user: 'qm1' };
const assemblyInspector: Actor = { org: 'AssemblyCo', user: 'inspector1' };
const cityInspector: Actor = { org: 'City', user: 'inspector1' };
const cityAdmin: Actor = { org: 'City', user: 'admin1' };

/** A certificate reference: the sha256 of the (here synthetic) certificate document and where it is kept. */
export function certificate(lab: string, number: string): { sha256: string; uri: string } {
  const document = `${lab} test certificate ${number}`;
  return { sha256: createHash('sha256').update(document).digest('hex'), uri: `https://certificates.${lab}.example/${number}.pdf` };
}

const each = (amount: number) => ({ amount, unit: 'EA' });
const tonnes = (amount: number) => ({ amount, unit: 'TNE' });
const plating = (value: number): Measurement => ({ characteristic: 'zinc coating thickness', value, unit: 'um', lower: 8, upper: 12 });

const partsSite = { site: 'PartsCo Eastfield plant' };
const assemblySite = { site: 'AssemblyCo Riverside works' };

function coil(n: string, heat: string): LotStep {
  return {
    kind: 'lot',
    actor: partsQm,
    lot: {
      id: `${PARTS}:COIL-2026-${n}`,
      product: { code: 'DC04-1.5x1250', name: 'Cold-rolled steel coil DC04 1.5 mm' },
      quantity: tonnes(12),
      process: { ...partsSite, line: 'Goods receipt' },
      attributes: { heatNumber: heat, mill: 'Nordstahl Hütte' },
    },
  };
}

function stamp(n: string, coilId: string, changePoint?: string): LotStep {
  return {
    kind: 'lot',
    actor: partsQm,
    lot: {
      id: `${PARTS}:STAMP-2026-${n}`,
      product: { code: 'BRK-4471', name: 'Seat bracket, stamped' },
      quantity: each(4000),
      inputs: [{ lotId: coilId, quantity: tonnes(2.4) }],
      process: { ...partsSite, line: 'Press line P3', ...(changePoint ? { changePoint } : {}) },
    },
  };
}

function plate(n: string, stampId: string, bath: string): LotStep {
  return {
    kind: 'lot',
    actor: partsQm,
    lot: {
      id: `${PARTS}:PLATE-2026-${n}`,
      product: { code: 'BRK-4471-ZN', name: 'Seat bracket, zinc-plated' },
      quantity: each(4000),
      inputs: [{ lotId: stampId, quantity: each(4000) }],
      process: { ...partsSite, line: 'Plating line 2' },
      attributes: { platingBath: bath },
    },
  };
}

function split(
  actor: Actor,
  parentId: string,
  childId: string,
  amount: number,
  product: NewLot['product'],
  attributes?: Record<string, string>,
): SplitStep {
  return {
    kind: 'split',
    actor,
    parentId,
    child: {
      id: childId,
      product,
      quantity: each(amount),
      process: actor.org === 'PartsCo' ? { ...partsSite, line: 'Dispatch' } : { ...assemblySite, line: 'Dispatch' },
      ...(attributes ? { attributes } : {}),
    },
  };
}

function seat(n: string, bracketLot: string): LotStep {
  return {
    kind: 'lot',
    actor: assemblyQm,
    lot: {
      id: `${ASSEMBLY}:SEAT-2026-${n}`,
      product: { code: 'SF-220', name: 'Seat-frame assembly, bus passenger seat' },
      quantity: each(1000),
      inputs: [{ lotId: bracketLot, quantity: each(2000) }],
      process: { ...assemblySite, line: 'Weld cell W1' },
    },
  };
}

const seatFrame = { code: 'SF-220', name: 'Seat-frame assembly, bus passenger seat' };
const platedBracket = { code: 'BRK-4471-ZN', name: 'Seat bracket, zinc-plated' };

function inspection(
  actor: Actor,
  lotId: string,
  verdict: 'pass' | 'fail',
  measurements: Measurement[],
  lab: string,
  number: string,
  notes: string,
): InspectionStep {
  return { kind: 'inspection', actor, lotId, verdict, measurements, certificate: certificate(lab, number), notes };
}

function participant(p: ParticipantInput): ParticipantStep {
  return { kind: 'participant', actor: cityAdmin, participant: p };
}

/** Every step of the scenario, in the order they happen. */
export function demoScenario(): Step[] {
  const plate1 = `${PARTS}:PLATE-2026-0001`;
  const plate2 = `${PARTS}:PLATE-2026-0002`;
  return [
    participant({
      msp: 'CityMSP',
      name: 'City of Eastfield — municipality and public testing institute',
      kind: 'municipality',
      location: { city: 'Eastfield', country: 'DE', lat: 51.34, lon: 12.37 },
      capabilities: ['coating_thickness_testing', 'material_testing', 'network_operation'],
      gs1CompanyPrefixes: [],
      certifications: [{ name: 'ISO/IEC 17025', issuer: 'DAkkS', validUntil: '2028-06-30' }],
    }),
    participant({
      msp: PARTS,
      name: 'PartsCo Eastfield GmbH',
      kind: 'supplier',
      location: { city: 'Eastfield', country: 'DE' },
      capabilities: ['stamping', 'zinc_plating', 'laser_cutting'],
      // The company prefix of the GS1 documents PartsCo captures in the EPCIS walkthrough (fsma204 chain,
      // gateway-api/src/epcis/README.md): only the owner of a prefix may create lots and containers with it.
      gs1CompanyPrefixes: ['0860009'],
      certifications: [{ name: 'IATF 16949', issuer: 'TÜV Nord', validUntil: '2027-03-31' }],
    }),
    participant({
      msp: ASSEMBLY,
      name: 'AssemblyCo Riverside AG',
      kind: 'manufacturer',
      location: { city: 'Riverside', country: 'DE' },
      capabilities: ['welding', 'seat_frame_assembly', 'powder_coating'],
      gs1CompanyPrefixes: [],
      certifications: [{ name: 'IATF 16949', issuer: 'DEKRA', validUntil: '2027-09-30' }],
    }),
    participant({
      msp: 'BankMSP',
      name: 'Eastfield Regional Bank',
      kind: 'bank',
      location: { city: 'Eastfield', country: 'DE' },
      // Printed recall notices to the Bank are in English; the firms have no language set, so theirs are in Japanese.
      language: 'en',
      capabilities: ['audit', 'supply_chain_finance'],
      gs1CompanyPrefixes: [],
      certifications: [],
    }),
    participant({
      msp: 'GalvaTechMSP',
      name: 'GalvaTech Surface GmbH (alternative plater, not yet a member)',
      kind: 'supplier',
      membership: 'applicant',
      location: { city: 'Lindenau', country: 'DE' },
      capabilities: ['zinc_plating', 'zinc_nickel_plating'],
      gs1CompanyPrefixes: [],
      certifications: [{ name: 'ISO 9001', issuer: 'TÜV Süd', validUntil: '2026-12-31' }],
    }),
    coil('0001', 'H-77120'),
    stamp('0001', COIL_LOT),
    stamp('0002', COIL_LOT, 'CP-2026-014 die re-sharpened'),
    plate('0001', `${PARTS}:STAMP-2026-0001`, 'ZN-2-0412'),
    plate('0002', `${PARTS}:STAMP-2026-0002`, 'ZN-2-0412'),
    inspection(
      partsInspector,
      `${PARTS}:STAMP-2026-0001`,
      'pass',
      [{ characteristic: 'hole pitch', value: 42.02, unit: 'mm', lower: 41.9, upper: 42.1 }],
      'partsco-qa',
      'QA-2026-0101',
      'First-article dimensional check',
    ),
    inspection(
      partsInspector,
      `${PARTS}:STAMP-2026-0002`,
      'pass',
      [{ characteristic: 'hole pitch', value: 41.97, unit: 'mm', lower: 41.9, upper: 42.1 }],
      'partsco-qa',
      'QA-2026-0102',
      'First-article dimensional check after change point',
    ),
    inspection(partsInspector, plate2, 'pass', [plating(9.4)], 'partsco-qa', 'QA-2026-0108', 'Coating thickness, XRF, 5 samples (mean)'),
    split(partsQm, plate1, `${PARTS}:PLATE-2026-0001-S1`, 2000, platedBracket, { deliveryNote: 'DN-2026-0311' }),
    split(partsQm, plate2, `${PARTS}:PLATE-2026-0002-S1`, 2000, platedBracket, { deliveryNote: 'DN-2026-0312' }),
    { kind: 'transfer', from: partsQm, to: assemblyQm, lotId: `${PARTS}:PLATE-2026-0001-S1`, toMsp: ASSEMBLY },
    { kind: 'transfer', from: partsQm, to: assemblyQm, lotId: `${PARTS}:PLATE-2026-0002-S1`, toMsp: ASSEMBLY },
    seat('0001', `${PARTS}:PLATE-2026-0001-S1`),
    seat('0002', `${PARTS}:PLATE-2026-0002-S1`),
    inspection(
      assemblyInspector,
      `${ASSEMBLY}:SEAT-2026-0001`,
      'pass',
      [{ characteristic: 'weld pull-out force', value: 8.7, unit: 'kN', lower: 7.5, upper: 20 }],
      'assemblyco-lab',
      'WT-2026-0201',
      'Destructive weld test, 3 frames',
    ),
    inspection(
      assemblyInspector,
      `${ASSEMBLY}:SEAT-2026-0002`,
      'pass',
      [{ characteristic: 'weld pull-out force', value: 9.1, unit: 'kN', lower: 7.5, upper: 20 }],
      'assemblyco-lab',
      'WT-2026-0202',
      'Destructive weld test, 3 frames',
    ),
    split(assemblyQm, `${ASSEMBLY}:SEAT-2026-0001`, `${ASSEMBLY}:SHIP-2026-0001`, 500, seatFrame, {
      customer: 'Nordbahn Coach Works',
      order: 'PO-88120',
    }),
    split(assemblyQm, `${ASSEMBLY}:SEAT-2026-0001`, `${ASSEMBLY}:SHIP-2026-0002`, 500, seatFrame, {
      customer: 'Eastfield Transit Authority',
      order: 'PO-88131',
    }),
    split(assemblyQm, `${ASSEMBLY}:SEAT-2026-0002`, `${ASSEMBLY}:SHIP-2026-0003`, 1000, seatFrame, {
      customer: 'Nordbahn Coach Works',
      order: 'PO-88144',
    }),
    inspection(
      cityInspector,
      plate1,
      'fail',
      [plating(6.1)],
      'eastfield-testing-institute',
      'ETI-2026-0457',
      'Market-surveillance sample: zinc coating 6.1 µm, specification 8–12 µm (ISO 2081 Fe/Zn8)',
    ),
    {
      kind: 'hold',
      actor: partsQm,
      lotId: plate2,
      reason: 'Plated in bath ZN-2-0412 with the failed lot PLATE-2026-0001; hold until re-tested',
      includeDescendants: true,
    },
    {
      kind: 'recall',
      actor: partsQm,
      lotId: plate1,
      recallId: RECALL_ID,
      reason: 'Zinc coating 6.1 µm below the 8 µm minimum (ETI-2026-0457): corrosion risk',
    },
  ];
}
