/** Small traces and reports shaped as the chaincode returns them. */
import type { RecallReport, Trace, TraceNode } from '../src/api-types';

export function node(id: string, depth: number, extra: Partial<TraceNode> = {}): TraceNode {
  return {
    id,
    product: { code: 'P', name: `Part ${id.split(':')[1] ?? id}` },
    quantity: { amount: 10, unit: 'EA' },
    producer: 'PartsCoMSP',
    custodian: 'PartsCoMSP',
    status: 'active',
    latestVerdict: null,
    affected: false,
    affectedBy: [],
    depth,
    ...extra,
  };
}

/** A → B, A → C, B → D, C → D (D is reached twice). */
export const diamond: Trace = {
  root: 'X:A',
  direction: 'forward',
  nodes: [
    node('X:A', 0, { status: 'recalled', latestVerdict: 'fail' }),
    node('X:B', 1),
    node('X:C', 1),
    node('X:D', 2, { affected: true, affectedBy: [{ kind: 'recall', sourceLotId: 'X:A', eventId: 'e1', recallId: 'R1' }] }),
  ],
  edges: [
    { from: 'X:A', to: 'X:B', quantity: { amount: 5, unit: 'EA' } },
    { from: 'X:A', to: 'X:C', quantity: { amount: 5, unit: 'EA' } },
    { from: 'X:B', to: 'X:D', quantity: { amount: 2, unit: 'EA' } },
    { from: 'X:C', to: 'X:D', quantity: { amount: 3, unit: 'EA' } },
  ],
  truncated: false,
  maxDepth: 10,
  maxNodes: 500,
};

export const report: RecallReport = {
  recallId: 'RCL-1',
  sourceLotId: 'PartsCoMSP:PLATE-1',
  reason: 'coating, "thin"',
  startedAt: '2026-01-01T00:00:00.000Z',
  startedBy: { msp: 'PartsCoMSP', certId: 'x509::CN=qm1', role: 'quality_manager' },
  eventId: 'tx1',
  affected: [
    { lotId: 'PartsCoMSP:PLATE-1', custodian: 'PartsCoMSP', producer: 'PartsCoMSP', status: 'recalled', depth: 0 },
    { lotId: 'AssemblyCoMSP:SEAT-1', custodian: 'AssemblyCoMSP', producer: 'AssemblyCoMSP', status: 'active', depth: 1 },
  ],
  truncated: false,
  maxDepth: 50,
  maxNodes: 5000,
};
